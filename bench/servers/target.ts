import type { Server } from '../lib/procs.js';

/** Credentials of one bench device (baselines: just a client id). */
export interface DeviceCredentials {
  clientId: string;
  username?: string;
  password?: string;
  /** Portico device id. */
  id?: string;
}

/** A server under test, running as a child process. */
export interface Target {
  name: 'mosquitto' | 'aedes' | 'portico';
  /** e.g. "Mosquitto 2.0.11". */
  label: string;
  server: Server;
  host: string;
  mqttPort: number;
  /** One-way TLS port and the CA that signs its certificate (Portico). */
  mqttsPort?: number;
  caPem?: string;
  /** True when devices authenticate (Portico). */
  authenticates: boolean;
  /** Returns credentials for `count` fresh devices (Portico creates them). */
  devices(count: number, tag: string): Promise<DeviceCredentials[]>;
  stop(): Promise<void>;
}

/** Client ids for servers without authentication. */
export function anonymousDevices(count: number, tag: string): DeviceCredentials[] {
  return Array.from({ length: count }, (_, i) => ({ clientId: `${tag}-${i}` }));
}
