import type { TestApp } from './app';

/** The port the app's two-way TLS (8884) listener is bound to; throws when the listener is off. */
export function MUTUAL_TLS_PORT(app: TestApp): number {
  const port = app.mqttEndpoints?.mutualTlsPort;
  if (port == null) throw new Error('the mutual-TLS listener is not running in this app');
  return port;
}
