/** The message server's listeners: how a client reached it (GraphQL enum `MqttListener`). */
export enum MqttListener {
  MQTT = 'MQTT',
  MQTTS = 'MQTTS',
  MQTTS_MUTUAL = 'MQTTS_MUTUAL',
  /** MQTT over WebSocket on the HTTP server (Token authentication). */
  WS = 'WS',
  /** MQTT over a TLS WebSocket listener (Token authentication). */
  WSS = 'WSS',
}

/** The listeners a test client can connect through (GraphQL enum `TestClientTransport`): a subset of MqttListener. */
export const TestClientTransport = {
  /** Plain MQTT, Token authentication. */
  MQTT: MqttListener.MQTT,
  /** One-way TLS, Token authentication. */
  MQTTS: MqttListener.MQTTS,
  /** Two-way TLS, Certificate authentication. */
  MQTTS_MUTUAL: MqttListener.MQTTS_MUTUAL,
} as const;
export type TestClientTransport = (typeof TestClientTransport)[keyof typeof TestClientTransport];
