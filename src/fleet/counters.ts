import type { EntityManager } from 'typeorm';

import { bindMark as mark, cacheableChunks } from '../db/index.js';
import type { Seen } from './activity.js';
import { COUNT_COLUMNS, type Counts, zeroCounts } from './counter.entity.js';

export const MINUTE_MS = 60_000;

/** The minute `at` (epoch ms) falls in, as the epoch ms of its start. */
export const minuteOf = (at: number): number => at - (((at % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);

/** One device's counts in one minute, not yet written. */
export interface Tally extends Counts {
  organizationId: string;
}

/** Minute → device id → counts. */
export type Tallies = Map<number, Map<string, Tally>>;

/**
 * Counts of this instance not yet written, per minute and device. Adding to it is a couple of map lookups (it runs
 * for every message); `take()` hands everything to a write and starts afresh, `restore()` puts back what a failed
 * write could not store.
 */
export class CounterBuffer {
  private tallies: Tallies = new Map();
  private lastMinute = Number.NaN;
  private lastDevices: Map<string, Tally> | null = null;

  /** The device's counts of the minute `at` falls in, to add to. */
  tally(organizationId: string, deviceId: string, at: number): Tally {
    const minute = minuteOf(at);
    let devices = minute === this.lastMinute ? this.lastDevices : null;
    if (!devices) {
      devices = this.tallies.get(minute) ?? null;
      if (!devices) this.tallies.set(minute, (devices = new Map()));
      this.lastMinute = minute;
      this.lastDevices = devices;
    }
    let t = devices.get(deviceId);
    if (!t) devices.set(deviceId, (t = { organizationId, ...zeroCounts() }));
    return t;
  }

  get empty(): boolean {
    return this.tallies.size === 0;
  }

  take(): Tallies {
    const taken = this.tallies;
    this.tallies = new Map();
    this.lastMinute = Number.NaN;
    this.lastDevices = null;
    return taken;
  }

  restore(taken: Tallies): void {
    for (const [minute, devices] of taken) {
      for (const [deviceId, t] of devices) {
        const into = this.tally(t.organizationId, deviceId, minute);
        for (const [field] of COUNT_COLUMNS) into[field] += t[field];
      }
    }
  }
}

/**
 * Adds the tallies to the per-device and per-organization minute rows (multi-row upserts of a few cacheable sizes,
 * every value bound; rows in key order so concurrent writers on several instances lock them in the same order).
 */
export async function writeTallies(m: EntityManager, taken: Tallies, postgres: boolean): Promise<void> {
  const deviceRows: Array<[string, number, string, Counts]> = [];
  const orgRows = new Map<string, [string, number, Counts]>();
  for (const [minute, devices] of taken) {
    for (const [deviceId, t] of devices) {
      deviceRows.push([deviceId, minute, t.organizationId, t]);
      const key = `${t.organizationId}\u0000${minute}`;
      let org = orgRows.get(key);
      if (!org) orgRows.set(key, (org = [t.organizationId, minute, zeroCounts()]));
      for (const [field] of COUNT_COLUMNS) org[2][field] += t[field];
    }
  }
  const byKey = (a: [string, number, ...unknown[]], b: [string, number, ...unknown[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
  deviceRows.sort(byKey);
  const orgList = [...orgRows.values()].sort(byKey);
  const counts = COUNT_COLUMNS.map(([, column]) => column);
  const upsert = async (table: string, keys: string[], rows: Array<[unknown[], Counts]>) => {
    const width = keys.length + counts.length;
    const add = counts.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ');
    for (const chunk of cacheableChunks(rows)) {
      const tuples = chunk.map((_row, r) => `(${Array.from({ length: width }, (_v, k) => mark(r * width + k + 1, postgres)).join(', ')})`);
      const params = chunk.flatMap(([key, c]) => [...key, ...COUNT_COLUMNS.map(([f]) => c[f])]);
      await m.query(`INSERT INTO ${table} (${[...keys, ...counts].join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${keys.slice(0, 2).join(', ')}) DO UPDATE SET ${add}`, params);
    }
  };
  await upsert(
    'device_counters',
    ['device_id', 'bucket', 'organization_id'],
    deviceRows.map(([deviceId, minute, organizationId, c]) => [[deviceId, minute, organizationId], c]),
  );
  await upsert(
    'organization_counters',
    ['organization_id', 'bucket'],
    orgList.map(([organizationId, minute, c]) => [[organizationId, minute], c]),
  );
}

/** What one transaction of a flush writes: the counts and last seen times of some devices. */
export interface FlushPart {
  tallies: Tallies;
  seen: Seen;
}

/** The tallies and last seen times split into parts of at most `size` devices each (devices in id order). */
export function splitByDevice(tallies: Tallies, seen: Seen, size: number): FlushPart[] {
  const ids = new Set<string>(seen.keys());
  for (const devices of tallies.values()) for (const id of devices.keys()) ids.add(id);
  if (ids.size <= size) return [{ tallies, seen }];
  const partOf = new Map<string, number>();
  [...ids].sort().forEach((id, i) => partOf.set(id, Math.floor(i / size)));
  const parts = Array.from({ length: Math.ceil(ids.size / size) }, (): FlushPart => ({ tallies: new Map(), seen: new Map() }));
  for (const [minute, devices] of tallies) {
    for (const [id, t] of devices) {
      const part = parts[partOf.get(id)!]!;
      let inMinute = part.tallies.get(minute);
      if (!inMinute) part.tallies.set(minute, (inMinute = new Map()));
      inMinute.set(id, t);
    }
  }
  for (const [id, at] of seen) parts[partOf.get(id)!]!.seen.set(id, at);
  return parts;
}
