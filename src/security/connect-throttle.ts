/** The outcome of asking whether an MQTT client may try to authenticate now. */
export type ConnectAdmission = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Throttles MQTT authentication attempts per client id and per remote address. The message server asks
 * `admit` before it verifies credentials and reports each outcome; a refused attempt is answered without
 * looking at the credentials.
 */
export interface ConnectThrottle {
  admit(clientId: string, address: string): Promise<ConnectAdmission>;
  failed(clientId: string, address: string): Promise<void>;
  succeeded(clientId: string, address: string): Promise<void>;
}

/** Lets every attempt through (a throttle that is switched off). */
export const noConnectThrottle: ConnectThrottle = {
  admit: async () => ({ allowed: true }),
  failed: async () => undefined,
  succeeded: async () => undefined,
};
