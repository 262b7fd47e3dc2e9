import type { DataSource, EntityManager, Repository } from 'typeorm';

import { bindMark, hydrate, hydrateValues, prepareRawEntityStatement, type RawEntityStatement, type SqliteConnection, sqliteConnection, type SqliteStatement } from '../db/index.js';
import { type DeviceEntity, DeviceStatus } from './device.entity.js';

/** One connection status change set by the message server. */
export interface StatusChange {
  id: string;
  status: DeviceStatus;
  at: Date;
}

/** A change as written: the device as it was right after it, and whether it flagged the device active again. */
export interface StatusWritten {
  device: DeviceEntity;
  activated: boolean;
}

interface StatusSql {
  online: string;
  offline: string;
  /** Flags an inactive device active (null: activity is not tracked). */
  activate: string | null;
}

type QueryResult = { records?: Array<Record<string, unknown>>; affected?: number };

/**
 * Writes devices' connection status: ONLINE claims the device for an instance; OFFLINE applies only while that
 * instance still holds it. With `trackActivity` (the fleet view), ONLINE also moves `last_seen_at` forward to the
 * connect time (a CONNECT is a packet) and flags an inactive device active again, in the same transaction as the
 * status: the device's row is written once per connect, not again by the fleet's flush.
 */
export class ConnectionStatusWriter {
  private sql: StatusSql | null = null;
  /** SQLite: the statements prepared on the connection, in raw mode. */
  private raw: { online: RawEntityStatement; offline: RawEntityStatement; activate: SqliteStatement | null } | null = null;
  private readonly sqlite: SqliteConnection | null;

  constructor(
    private readonly ds: DataSource,
    private readonly repo: Repository<DeviceEntity>,
    private readonly trackActivity: boolean,
  ) {
    this.sqlite = sqliteConnection(ds);
  }

  /**
   * The changes in order (a device may appear more than once), in one transaction. Returns, for each change, the
   * device as it was right after it, or null when the change did not apply.
   */
  apply(changes: readonly StatusChange[], instanceId: string): Promise<Array<StatusWritten | null>> {
    const sql = (this.sql ??= this.buildSql());
    // Each UPDATE returns the device as it left it (reading it back cost ~10 µs per device on SQLite, as the write).
    return this.ds.transaction(async (m) => {
      const out: Array<StatusWritten | null> = [];
      // SQLite: the connection's own prepared statements, inside this transaction (TypeORM's query path cost ~4 µs and
      // ~5 KB of allocation per statement; a connect storm runs one per device).
      const raw = this.sqlite ? (this.raw ??= this.prepare(this.sqlite, sql)) : null;
      for (const c of changes) {
        const online = c.status === DeviceStatus.ONLINE;
        if (raw) {
          const activated = online && raw.activate !== null && raw.activate.run(c.id).changes > 0;
          const { statement, columns } = online ? raw.online : raw.offline;
          const values = statement.all(...this.params(c, instanceId))[0];
          out.push(values ? { device: hydrateValues(this.repo, columns, values as unknown[]), activated } : null);
          continue;
        }
        const activated = online && sql.activate !== null && ((await this.query(m, sql.activate, [c.id])).affected ?? 0) > 0;
        const row = (await this.query(m, online ? sql.online : sql.offline, this.params(c, instanceId))).records?.[0];
        out.push(row ? { device: hydrate(this.repo, row), activated } : null);
      }
      return out;
    });
  }

  private query(m: EntityManager, sql: string, params: unknown[]): Promise<QueryResult> {
    return m.queryRunner!.query(sql, params, true) as Promise<QueryResult>;
  }

  /** The parameters of the status UPDATE for this change (see buildSql). */
  private params(c: StatusChange, instanceId: string): unknown[] {
    const at = c.at.getTime();
    if (c.status !== DeviceStatus.ONLINE) return [c.status, at, c.id, instanceId];
    return this.trackActivity ? [c.status, at, instanceId, at, c.id] : [c.status, at, instanceId, c.id];
  }

  private prepare(sqlite: SqliteConnection, sql: StatusSql): NonNullable<ConnectionStatusWriter['raw']> {
    return {
      online: prepareRawEntityStatement(sqlite, this.repo, sql.online),
      offline: prepareRawEntityStatement(sqlite, this.repo, sql.offline),
      activate: sql.activate === null ? null : sqlite.prepare(sql.activate),
    };
  }

  /** The statements as text (built once; column names from the entity's metadata). */
  private buildSql(): StatusSql {
    const meta = this.repo.metadata;
    const postgres = this.ds.options.type === 'postgres';
    const col = (property: keyof DeviceEntity) => this.ds.driver.escape(meta.findColumnWithPropertyName(property)!.databaseName);
    const mark = (n: number) => bindMark(n, postgres);
    const table = this.ds.driver.escape(meta.tableName);
    const returning = `RETURNING ${meta.columns.map((c) => this.ds.driver.escape(c.databaseName)).join(', ')}`;
    const seen = this.trackActivity ? `, ${col('lastSeenAt')} = ${postgres ? 'GREATEST' : 'MAX'}(COALESCE(${col('lastSeenAt')}, 0), ${mark(4)})` : '';
    const idMark = mark(this.trackActivity ? 5 : 4);
    return {
      online: `UPDATE ${table} SET ${col('status')} = ${mark(1)}, ${col('lastConnectedAt')} = ${mark(2)}, ${col('connectedInstance')} = ${mark(3)}${seen} WHERE ${col('id')} = ${idMark} ${returning}`,
      offline: `UPDATE ${table} SET ${col('status')} = ${mark(1)}, ${col('lastDisconnectedAt')} = ${mark(2)}, ${col('connectedInstance')} = NULL WHERE ${col('id')} = ${mark(3)} AND ${col('connectedInstance')} = ${mark(4)} ${returning}`,
      // Checked on the row being updated: of concurrent writers (instances), exactly one flags it.
      activate: this.trackActivity ? `UPDATE ${table} SET ${col('active')} = true WHERE ${col('id')} = ${mark(1)} AND ${col('active')} = false` : null,
    };
  }
}
