import type { DataSource } from 'typeorm';

import { badInput, type Clock } from '../common/index.js';
import { bindMark as mark } from '../db/index.js';
import { COUNT_COLUMNS, type Counts, zeroCounts } from './counter.entity.js';
import { MINUTE_MS, minuteOf } from './counters.js';
import { BUCKET_MS, type FleetSummary, type MetricsBucket, type MetricsPoint } from './fleet.types.js';

const DAY_MS = 86_400_000;
/** Points one `metrics` query may return (MINUTE: a day and an hour; HOUR: two months; DAY: four years). */
export const MAX_POINTS = 1500;
/** `certificatesExpiringWithin(days)`: at most ten years ahead. */
export const MAX_EXPIRY_DAYS = 3650;

type Raw = Record<string, string | number | null>;
const num = (v: string | number | null | undefined): number => (v == null ? 0 : Number(v));
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

/** The reads of the fleet view: counts from the registry, series and rates from the rolled-up counters. */
export class FleetQueries {
  private readonly postgres: boolean;

  constructor(
    private readonly ds: DataSource,
    private readonly clock: Clock,
  ) {
    this.postgres = ds.options.type === 'postgres';
  }

  private query(sql: string, params: unknown[]): Promise<Raw[]> {
    return this.ds.query(sql, params) as Promise<Raw[]>;
  }

  /** Device counts (SQL) and rates over the last 60 s (the current minute's row and a share of the previous one's). */
  async summary(organizationId: string): Promise<FleetSummary> {
    const now = this.clock().getTime();
    const p = (n: number) => mark(n, this.postgres);
    const [devices] = await this.query(
      `SELECT COUNT(*) AS "devices", SUM(CASE WHEN status = 'ONLINE' THEN 1 ELSE 0 END) AS "online", SUM(CASE WHEN blocked = true THEN 1 ELSE 0 END) AS "blocked",
        SUM(CASE WHEN active = true THEN 1 ELSE 0 END) AS "active" FROM devices WHERE organization_id = ${p(1)}`,
      [organizationId],
    );
    const minute = minuteOf(now);
    const rows = await this.query(
      `SELECT bucket AS "bucket", messages_in AS "messagesIn", messages_out AS "messagesOut", auth_failures AS "authFailures" FROM organization_counters
        WHERE organization_id = ${p(1)} AND bucket >= ${minute - MINUTE_MS} AND bucket <= ${minute}`,
      [organizationId],
    );
    // A sliding 60 s window: all of this minute so far, and the part of the previous minute still inside the window.
    const previousShare = 1 - (now - minute) / MINUTE_MS;
    const windowed = (field: string) => rows.reduce((sum, r) => sum + num(r[field]) * (num(r.bucket) === minute ? 1 : previousShare), 0);
    const total = num(devices?.devices);
    const online = num(devices?.online);
    return {
      organizationId,
      at: new Date(now),
      devices: total,
      online,
      offline: total - online,
      blocked: num(devices?.blocked),
      active: num(devices?.active),
      messagesInPerSecond: round3(windowed('messagesIn') / 60),
      messagesOutPerSecond: round3(windowed('messagesOut') / 60),
      authFailuresPerMinute: round3(windowed('authFailures')),
    };
  }

  /** Active certificates of the organization whose validity ends within `days` from now. */
  async certificatesExpiring(organizationId: string, days: number): Promise<number> {
    if (!Number.isInteger(days) || days < 0 || days > MAX_EXPIRY_DAYS) throw badInput(`days must be 0 to ${MAX_EXPIRY_DAYS}`, 'days');
    const now = this.clock().getTime();
    const [row] = await this.query(
      `SELECT COUNT(*) AS "n" FROM certificates WHERE organization_id = ${mark(1, this.postgres)} AND revoked_at IS NULL AND deleted_at IS NULL AND not_after > ${now} AND not_after <= ${now + days * DAY_MS}`,
      [organizationId],
    );
    return num(row?.n);
  }

  /**
   * Counts per bucket from `from` (rounded down to its bucket) until `to` (exclusive), zero where nothing happened: one
   * device's (`deviceId`) or the whole organization's. Never reads device events.
   */
  async metrics(organizationId: string, deviceId: string | null, from: Date, to: Date, bucket: MetricsBucket): Promise<MetricsPoint[]> {
    const size = BUCKET_MS[bucket];
    if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw badInput('from and to must be valid dates', 'from');
    const start = Math.floor(from.getTime() / size) * size;
    const end = to.getTime();
    if (end <= start) throw badInput('to must be after from', 'to');
    const points = Math.ceil((end - start) / size);
    if (points > MAX_POINTS) throw badInput(`at most ${MAX_POINTS} points per query (${points} asked for): narrow the range or use a larger bucket`, 'bucket');
    const sums = COUNT_COLUMNS.map(([field, column]) => `SUM(${column}) AS "${field}"`).join(', ');
    const p = (n: number) => mark(n, this.postgres);
    const [table, where, params] = deviceId
      ? ['device_counters', `device_id = ${p(1)} AND organization_id = ${p(2)}`, [deviceId, organizationId]]
      : ['organization_counters', `organization_id = ${p(1)}`, [organizationId]];
    const at = `bucket - (bucket % ${size})`;
    const rows = await this.query(`SELECT ${at} AS "at", ${sums} FROM ${table} WHERE ${where} AND bucket >= ${start} AND bucket < ${end} GROUP BY ${at}`, params);
    const byStart = new Map(rows.map((r) => [num(r.at), r]));
    const series: MetricsPoint[] = [];
    for (let t = start; t < end; t += size) {
      const r = byStart.get(t);
      const counts: Counts = zeroCounts();
      if (r) for (const [field] of COUNT_COLUMNS) counts[field] = num(r[field]);
      series.push({ at: new Date(t), ...counts });
    }
    return series;
  }
}
