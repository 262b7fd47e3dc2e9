import type { DataSource, EntityManager, Repository } from 'typeorm';
import { In } from 'typeorm';

import { type Clock, randomHex } from '../common/index.js';
import { hydrate, selectAllColumns } from '../db/index.js';
import { DeviceAuthType, DeviceEntity } from '../devices/index.js';
import type { Secrets } from '../secrets/index.js';
import { DeviceCredentialEntity } from './credential.entity.js';

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

  constructor(
    private readonly ds: DataSource,
    private readonly secrets: Secrets,
    private readonly clock: Clock,
  ) {
    this.repo = ds.getRepository(DeviceCredentialEntity);
    this.devices = ds.getRepository(DeviceEntity);
    this.decoyHash = secrets.keyedHash(randomHex(DEVICE_KEY_LENGTH));
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

  /** Decrypted keys by device id, in one query (for DataLoader). */
  async keysFor(deviceIds: readonly string[]): Promise<Map<string, string>> {
    const rows = deviceIds.length ? await this.repo.findBy({ deviceId: In([...deviceIds]) }) : [];
    return new Map(rows.map((r) => [r.deviceId, this.secrets.decrypt(r.keyCiphertext).toString('utf8')]));
  }

  /**
   * Token authentication for the message server: client id = device number, username = connection
   * username, password = device key. The key is compared in constant time against its keyed hash.
   */
  async verifyDeviceCredentials(clientId: string, username: string | undefined, password: string | Buffer | undefined): Promise<CredentialCheck> {
    // The same lookup (and the hash comparison below) whether the client id exists or not: refusing an
    // unknown client id faster would let anyone probe which device numbers exist.
    // One statement, built once (the query builder costs more than the lookup itself in a connect storm).
    this.lookupSql ??= selectAllColumns(this.devices, this.devices.createQueryBuilder('d'))
      .leftJoin(DeviceCredentialEntity, 'c', 'c.device_id = d.id')
      .addSelect('c.key_hash', 'portico_key_hash')
      .where('d.device_number = :clientId', { clientId: '' })
      .getQueryAndParameters()[0];
    const rows = (await this.ds.query(this.lookupSql, [clientId])) as Array<Record<string, unknown>>;
    const device = rows[0] ? hydrate(this.devices, rows[0]) : null;
    const cred = rows[0] && typeof rows[0].portico_key_hash === 'string' ? { keyHash: rows[0].portico_key_hash } : null;
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
}
