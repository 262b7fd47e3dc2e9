/** The device status topic of an owner: payload is the updated Device. */
export const deviceStatusTopic = (ownerId: string): string => `deviceStatus:${ownerId}`;
