import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

import type { TestApp } from './app';

/** Safety net only: every outcome is an event ('connect', 'error', 'close'); this fails a hung test. */
export const OUTCOME_TIMEOUT_MS = 10_000;

export interface DeviceLogin {
  deviceNumber: string;
  username: string;
  key?: string | null;
}

export type Outcome = { connected: true; client: MqttClient; code: 0 } | { connected: false; client: MqttClient; code?: number; error?: Error & { code?: number | string } };

export interface ConnectOptions extends Partial<IClientOptions> {
  /** Which listener: plain (default) or one-way TLS with the platform CA. */
  listener?: 'MQTT' | 'MQTTS';
  /** Called with the client before it connects (attach listeners for messages arriving with the CONNACK). */
  setup?: (client: MqttClient) => void;
}

const clients = new Set<MqttClient>();

/** Connects a device and resolves with the first outcome (CONNACK accepted or refused, or closed). */
export function tryConnect(app: TestApp, login: DeviceLogin, opts: ConnectOptions = {}): Promise<Outcome> {
  const { listener = 'MQTT', setup, ...rest } = opts;
  const port = listener === 'MQTT' ? app.mqtt.port : app.mqtt.tlsPort;
  if (port == null) throw new Error(`${listener} listener is off`);
  const options: IClientOptions = {
    protocol: listener === 'MQTT' ? 'mqtt' : 'mqtts',
    host: '127.0.0.1',
    port,
    clientId: login.deviceNumber,
    username: login.username,
    password: login.key ?? undefined,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: OUTCOME_TIMEOUT_MS,
    ...(listener === 'MQTTS' ? { ca: app.services.pki.caCertificatePem(), servername: 'localhost', rejectUnauthorized: true } : {}),
    ...rest,
  };
  const client = mqtt.connect(options);
  clients.add(client);
  client.on('error', () => undefined);
  setup?.(client);
  return outcomeOf(client);
}

/** Resolves with a connecting client's first outcome: CONNACK accepted or refused, or the connection closed. */
export function outcomeOf(client: MqttClient): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end(true);
      reject(new Error(`no connection outcome within ${OUTCOME_TIMEOUT_MS} ms`));
    }, OUTCOME_TIMEOUT_MS);
    const done = (o: Outcome) => {
      clearTimeout(timer);
      client.removeListener('connect', onConnect);
      client.removeListener('error', onError);
      client.removeListener('close', onClose);
      if (!o.connected) client.end(true);
      resolve(o);
    };
    const onConnect = () => done({ connected: true, client, code: 0 });
    const onError = (error: Error & { code?: number }) => done({ connected: false, client, code: typeof error.code === 'number' ? error.code : undefined, error });
    const onClose = () => done({ connected: false, client });
    client.once('connect', onConnect);
    client.once('error', onError);
    client.once('close', onClose);
  });
}

/** Connects and fails the test unless the server accepted. */
export async function connect(app: TestApp, login: DeviceLogin, opts: ConnectOptions = {}): Promise<MqttClient> {
  const o = await tryConnect(app, login, opts);
  if (!o.connected) throw new Error(`connect refused: code ${o.code} ${o.error?.message ?? ''}`);
  return o.client;
}

/** Resolves when the client's connection closes. */
export function closed(client: MqttClient, timeoutMs = OUTCOME_TIMEOUT_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!client.connected && (client as unknown as { disconnected?: boolean }).disconnected) return resolve();
    const timer = setTimeout(() => reject(new Error('client was not disconnected')), timeoutMs);
    client.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Resolves with the next message (optionally on a topic) the client receives. */
export function nextMessage(client: MqttClient, topic?: string, timeoutMs = 5000): Promise<{ topic: string; payload: Buffer; packet: any }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.removeListener('message', onMessage);
      reject(new Error(`no message${topic ? ` on ${topic}` : ''} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (t: string, payload: Buffer, packet: unknown) => {
      if (topic && t !== topic) return;
      clearTimeout(timer);
      client.removeListener('message', onMessage);
      resolve({ topic: t, payload, packet });
    };
    client.on('message', onMessage);
  });
}

/** Every message the client receives, in order. */
export function record(client: MqttClient): Array<{ topic: string; payload: string }> {
  const seen: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}

export const end = (client: MqttClient, force = false): Promise<void> => new Promise<void>((resolve) => client.end(force, {}, () => resolve()));

/** Force-closes every client created through these helpers (afterEach/afterAll). */
export async function endAll(): Promise<void> {
  await Promise.all([...clients].map((c) => end(c, true)));
  clients.clear();
}

/**
 * Resolves with the first payload published on an app pub/sub topic that matches (e.g. the
 * `connectionLog:<organizationId>` rows, published once committed). Call BEFORE the action that causes it.
 */
export function published<T = any>(app: TestApp, topic: string, match: (value: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  const it = app.services.pubSub.subscribe(topic)[Symbol.asyncIterator]() as AsyncIterator<T>;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      void it.return?.();
      reject(new Error(`nothing matching on ${topic} within ${timeoutMs} ms`));
    }, timeoutMs);
    void (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        if (match(r.value)) {
          clearTimeout(timer);
          void it.return?.();
          resolve(r.value);
          return;
        }
      }
    })().catch(reject);
  });
}

type LogRow = ReturnType<TestApp['services']['connectionLog']['record']>;

/**
 * Resolves with the next connection-log row the message server records that matches: the server writes
 * some rows (a kicked session's DISCONNECTED, a failed handshake) after the client already saw the close.
 */
export function nextLogRow(app: TestApp, match: (row: LogRow) => boolean): Promise<LogRow> {
  const store = app.services.connectionLog;
  const original = store.record.bind(store);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      spy.mockRestore();
      reject(new Error('no matching connection log row recorded'));
    }, OUTCOME_TIMEOUT_MS);
    const spy = jest.spyOn(store, 'record').mockImplementation((input) => {
      const row = original(input);
      if (match(row)) {
        clearTimeout(timer);
        spy.mockRestore();
        resolve(row);
      }
      return row;
    });
  });
}
