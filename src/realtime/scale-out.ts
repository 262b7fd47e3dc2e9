import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Redis } from 'ioredis';
import type { RegistryBus, RegistryEventName, RegistryEvents } from '../common/events.js';
import type { Logger } from '../common/runtime.js';

/**
 * This instance's id: configured, or generated once into `<dataDir>/instance-id` and kept across restarts, so a
 * restarted instance can tell which devices it held when it stopped.
 */
export function loadInstanceId(dataDir: string, configured?: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'instance-id');
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    if (id) return id;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const id = `portico-${crypto.randomBytes(6).toString('hex')}`;
  fs.writeFileSync(file, id + '\n');
  return id;
}

const CHANNEL = 'portico:registry';

interface Envelope {
  from: string;
  event: RegistryEventName;
  payload: unknown;
}

/**
 * Carries registry events (credentials changed, certificate withdrawn) between instances through Redis, so the
 * message server of every instance kicks the affected sessions and drops its cached credentials.
 */
export async function bridgeRegistryBus(bus: RegistryBus, redisUrl: string, instanceId: string, log: Logger): Promise<() => Promise<void>> {
  const pub = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const sub = new Redis(redisUrl);
  await sub.subscribe(CHANNEL);
  sub.on('message', (_channel: string, text: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === instanceId) return;
    bus.emitLocal(envelope.event, envelope.payload as RegistryEvents[typeof envelope.event][0]);
  });
  bus.forward = (event, payload) => {
    pub.publish(CHANNEL, JSON.stringify({ from: instanceId, event, payload } satisfies Envelope)).catch((err: unknown) => {
      log.error(`could not forward ${event} to the other instances`, err);
    });
  };
  return async () => {
    bus.forward = undefined;
    await Promise.all([pub, sub].map((r) => r.quit().catch(() => r.disconnect())));
  };
}
