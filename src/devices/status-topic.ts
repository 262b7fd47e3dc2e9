/** The device status topic of an owner: payload is the updated Device. */
export const deviceStatusTopic = (organizationId: string): string => `deviceStatus:${organizationId}`;
