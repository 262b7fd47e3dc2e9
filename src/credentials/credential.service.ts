import { LRUCache } from 'lru-cache';
import type { DataSource, EntityManager, Repository } from 'typeorm';

import { type Clock, randomHex, type RegistryBus } from '../common/index.js';
import { bindMark, hydrate, hydrateValues, prepareRawEntityStatement, type RawEntityStatement, selectAllColumns, type SqliteConnection, sqliteConnection } from '../db/index.js';
import { DeviceAuthType, DeviceEntity } from '../devices/index.js';
import type { Secrets } from '../secrets/index.js';
import { DeviceCredentialEntity } from './credential.entity.js';

/** The lookup's alias of the key's keyed hash (the last result column). */
const KEY_HASH = 'portico_key_hash';

/** Length of a generated device key (the MQTT password), as in the seed guide's samples. */
export const DEVICE_KEY_LENGTH = 36;

export type CredentialCheck =
  | { ok: true; device: DeviceEntity }
  /** Unknown client id, wrong username or wrong key: MQTT "bad username or password". */
  | { ok: false; reason: 'BAD_CREDENTIALS'; device?: DeviceEntity }
  /** Known device that may not connect this way (blocked, certificate device on a token listener): "not authorized". */
  | { ok: false; reason: 'NOT_AUTHORIZED'; detail: 'BLOCKED' | 'CERTIFICATE_DEVICE'; device: DeviceEntity };

export class CredentialService {
  private readonly repo: Repository<DeviceCredentialEntity>;
  private readonly devices: Repository<DeviceEntity>;
  /** Hash compared when the device does not exist, so timing does not reveal which client ids exist. */
  private readonly decoyHash: string;

  private lookupSql: string | null = null;
  /** SQLite: the lookup as a prepared statement in raw mode (rows as arrays), and its result columns. */
  private lookupRaw: RawEntityStatement | null = null;
  private readonly sqlite: SqliteConnection | null;

  constructor(
    private readonly ds: DataSource,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
    bus: RegistryBus,
  ) {
    this.repo = ds.getRepository(DeviceCredentialEntity);
    this.devices = ds.getRepository(DeviceEntity);
    this.sqlite = sqliteConnection(ds);
    this.decoyHash = secrets.keyedHash(randomHex(DEVICE_KEY_LENGTH));
    // Sent after the change is committed, on every instance (a registry resync when events may have been missed).
    bus.on('deviceCredentialsChanged', ({ deviceId }) => this.forgetKeys(deviceId));
    bus.on('registryResync', () => this.forgetKeys(null));
  }

  /** Generates and stores a new key for the device (inside the caller's transaction when given). Returns the key. */
  async setNewKey(deviceId: string, manager?: EntityManager): Promise<string> {
    const key = randomHex(DEVICE_KEY_LENGTH);
    const repo = manager ? manager.getRepository(DeviceCredentialEntity) : this.repo;
    await repo.save(
      repo.create({
        deviceId,
        keyCiphertext: this.secrets.encrypt(key),
        keyHash: this.secrets.keyedHash(key),
        rotatedAt: this.clock(),
      }),
    );
    return key;
  }

  /**
   * Decrypted keys by device id (for DataLoader; no entities). Keys are kept by device, as the MQTT authentication
   * cache keeps credentials: dropped when the device's credentials change or it is deleted (on every instance), and
   * all of them on a registry resync. A key read while such a change arrives is not kept. A page of 50 keys read
   * from the database cost ~100 µs of SQL per request; decrypted keys are also kept by their ciphertext.
   */
  async keysFor(deviceIds: readonly string[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    const missing: string[] = [];
    for (const id of deviceIds) {
      const key = this.keyByDevice.get(id);
      if (key === undefined) missing.push(id);
      else keys.set(id, key);
    }
    if (!missing.length) return keys;
    const seen = this.keysVersion;
    const postgres = this.ds.options.type === 'postgres';
    const marks = missing.map((_, i) => bindMark(i + 1, postgres)).join(', ');
    const rows = (await this.ds.query(`SELECT device_id, key_ciphertext FROM device_credentials WHERE device_id IN (${marks})`, missing)) as Array<{
      device_id: string;
      key_ciphertext: string;
    }>;
    const keep = seen === this.keysVersion;
    for (const r of rows) {
      const key = this.plainKey(r.key_ciphertext);
      keys.set(r.device_id, key);
      if (keep) this.keyByDevice.set(r.device_id, key);
    }
    return keys;
  }

  private readonly keyByDevice = new LRUCache<string, string>({ max: 10_000 });
  /** Bumped by every change: a read that started before one does not keep what it read. */
  private keysVersion = 0;

  private forgetKeys(deviceId: string | null): void {
    this.keysVersion += 1;
    if (deviceId === null) this.keyByDevice.clear();
    else this.keyByDevice.delete(deviceId);
  }

  private readonly decrypted = new LRUCache<string, string>({ max: 10_000 });

  private plainKey(ciphertext: string): string {
    let key = this.decrypted.get(ciphertext);
    if (key === undefined) this.decrypted.set(ciphertext, (key = this.secrets.decrypt(ciphertext).toString('utf8')));
    return key;
  }

  /**
   * Token authentication for the message server: client id = device number, username = connection
   * username, password = device key. The key is compared in constant time against its keyed hash.
   */
  async verifyDeviceCredentials(clientId: string, username: string | undefined, password: string | Buffer | undefined): Promise<CredentialCheck> {
    // The same lookup (and the hash comparison below) whether the client id exists or not: refusing an
    // unknown client id faster would let anyone probe which device numbers exist.
    const row = await this.lookup(clientId);
    const device = row?.device ?? null;
    const cred = row?.keyHash != null ? { keyHash: row.keyHash } : null;
    const candidate = password === undefined ? '' : Buffer.isBuffer(password) ? password.toString('utf8') : password;
    const keyOk = this.secrets.verifyKeyedHash(candidate, cred?.keyHash ?? this.decoyHash);
    if (!device || !cred || !keyOk || username !== device.username) {
      return device ? { ok: false, reason: 'BAD_CREDENTIALS', device } : { ok: false, reason: 'BAD_CREDENTIALS' };
    }
    if (device.blocked) return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'BLOCKED', device };
    if (device.authType !== DeviceAuthType.TOKEN) {
      return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'CERTIFICATE_DEVICE', device };
    }
    return { ok: true, device };
  }

  /**
   * The device with this device number and its key's keyed hash. One statement, built once (the query builder costs
   * more than the lookup itself in a connect storm); on SQLite run as a prepared statement of the connection when no
   * transaction is open on it (as the device list does): TypeORM's query path cost ~4 µs and ~12 KB of allocation per
   * connect in a storm (result object, broadcaster events, a row object of every column).
   */
  private async lookup(clientId: string): Promise<{ device: DeviceEntity; keyHash: string | null } | null> {
    this.lookupSql ??= selectAllColumns(this.devices, this.devices.createQueryBuilder('d'))
      .leftJoin(DeviceCredentialEntity, 'c', 'c.device_id = d.id')
      .addSelect('c.key_hash', KEY_HASH)
      .where('d.device_number = :clientId', { clientId: '' })
      .getQueryAndParameters()[0];
    if (this.sqlite && !this.sqlite.inTransaction) {
      if (!this.lookupRaw) {
        this.lookupRaw = prepareRawEntityStatement(this.sqlite, this.devices, this.lookupSql, 1);
        if (this.lookupRaw.statement.columns().at(-1)?.name !== KEY_HASH) throw new Error('credentials: the lookup no longer ends with the key hash');
      }
      const { statement, columns } = this.lookupRaw;
      const values = (statement.all(clientId) as unknown[][])[0];
      if (!values) return null;
      const keyHash = values[columns.length];
      return { device: hydrateValues(this.devices, columns, values), keyHash: typeof keyHash === 'string' ? keyHash : null };
    }
    const rows = (await this.ds.query(this.lookupSql, [clientId])) as Array<Record<string, unknown>>;
    if (!rows[0]) return null;
    const keyHash = rows[0][KEY_HASH];
    return { device: hydrate(this.devices, rows[0]), keyHash: typeof keyHash === 'string' ? keyHash : null };
  }
}
