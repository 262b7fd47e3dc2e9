import type { DataSource, EntityManager, Repository } from 'typeorm';
import { In } from 'typeorm';

import { Permission, type RequestAccess, type Scope } from '../access/index.js';
import { AuditAction, type AuditService, type AuditTarget, diff } from '../audit/index.js';
import { badInput, checkName, type Clock, conflict, isUuid, newId, notFound, type Page, randomHex, type RegistryBus } from '../common/index.js';
import { bumpRegistryGeneration, cacheableChunks, hydrate, selectAllColumns } from '../db/index.js';
import { ConnectionStatusWriter, type StatusChange, type StatusWritten } from './connection-status.js';
import { DeviceAuthType, DeviceEntity, DeviceStatus } from './device.entity.js';
import { DeviceList, type DeviceQuery } from './device-list.js';

/** Characters allowed in client ids (device numbers) and connection usernames. MQTT forbids none; we keep them URL- and log-safe. */
export const CLIENT_ID_RE = /^[A-Za-z0-9_.:-]+$/;
export const MAX_CLIENT_ID_LENGTH = 64;
export const GENERATED_ID_LENGTH = 36;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_METADATA_BYTES = 16 * 1024;

export interface CreateDeviceData {
  name: string;
  description?: string | null;
  deviceNumber?: string | null;
  username?: string | null;
  authType?: DeviceAuthType | null;
  metadata?: Record<string, unknown> | null;
  /** Seconds without a packet after which the device is flagged inactive (0 = never); default: the configured one. */
  inactivityTimeout?: number | null;
}

export interface UpdateDeviceData {
  name?: string | null;
  description?: string | null;
  username?: string | null;
  authType?: DeviceAuthType | null;
  blocked?: boolean | null;
  metadata?: Record<string, unknown> | null;
  inactivityTimeout?: number | null;
}

function checkDescription(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  if (raw.length > MAX_DESCRIPTION_LENGTH) throw badInput(`description must be at most ${MAX_DESCRIPTION_LENGTH} characters`, 'description');
  return raw;
}

function checkClientIdLike(field: 'deviceNumber' | 'username', raw: string): string {
  if (raw.length === 0) throw badInput(`${field} must not be empty`, field);
  if (raw.length > MAX_CLIENT_ID_LENGTH) throw badInput(`${field} must be at most ${MAX_CLIENT_ID_LENGTH} characters`, field);
  if (!CLIENT_ID_RE.test(raw)) throw badInput(`${field} may only contain letters, digits and _ . : -`, field);
  return raw;
}

/** A year, in seconds. */
export const MAX_INACTIVITY_TIMEOUT = 365 * 24 * 3600;

function checkInactivityTimeout(raw: number | null | undefined): number | null {
  if (raw == null) return null;
  if (!Number.isInteger(raw) || raw < 0 || raw > MAX_INACTIVITY_TIMEOUT) throw badInput(`inactivityTimeout must be 0 (never) to ${MAX_INACTIVITY_TIMEOUT} seconds`, 'inactivityTimeout');
  return raw;
}

function checkMetadata(raw: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (raw == null) return null;
  if (Buffer.byteLength(JSON.stringify(raw)) > MAX_METADATA_BYTES) {
    throw badInput(`metadata must be at most ${MAX_METADATA_BYTES} bytes of JSON`, 'metadata');
  }
  return raw;
}

const target = (d: DeviceEntity): AuditTarget => ({ type: 'DEVICE', id: d.id, label: d.name });
/** What the audit trail shows of a device change (no secrets). */
const auditedFields = (d: DeviceEntity): Record<string, unknown> => ({
  name: d.name,
  description: d.description,
  username: d.username,
  authType: d.authType,
  blocked: d.blocked,
  metadata: d.metadata,
  inactivityTimeout: d.inactivityTimeout,
});

/** Issues device keys (the credentials feature, above devices, provides it: devices know only this shape). */
export interface DeviceKeys {
  /** Generates and stores a new key for the device (inside the caller's transaction when given). Returns the key. */
  setNewKey(deviceId: string, manager?: EntityManager): Promise<string>;
}

export class DeviceService {
  private readonly repo: Repository<DeviceEntity>;
  private readonly devices: DeviceList;
  private readonly statusWriter: ConnectionStatusWriter;

  constructor(
    private readonly ds: DataSource,
    private readonly credentials: DeviceKeys,
    private readonly bus: RegistryBus,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    /** ONLINE also moves the last seen time forward and flags the device active (the fleet view; see ConnectionStatusWriter). */
    trackActivity = false,
  ) {
    this.repo = ds.getRepository(DeviceEntity);
    this.statusWriter = new ConnectionStatusWriter(ds, this.repo, trackActivity);
    this.devices = new DeviceList(ds, this.repo);
  }

  /**
   * The device and the caller's scope in its organization: NOT_FOUND when it does not exist or the caller is not a
   * member there (no hint that it exists), FORBIDDEN when their role lacks `permission`.
   */
  async authorize(access: RequestAccess, id: string, permission: Permission): Promise<{ device: DeviceEntity; scope: Scope }> {
    const device = isUuid(id) ? await this.repo.findOneBy({ id }) : null;
    if (!device) throw notFound('Device');
    return { device, scope: await access.within(device.organizationId, permission, 'Device') };
  }

  /** The organization's device, or NOT_FOUND (also for other organizations' devices: no hint that it exists). */
  async get(organizationId: string, id: string): Promise<DeviceEntity> {
    const device = isUuid(id) ? await this.repo.findOneBy({ id, organizationId }) : null;
    if (!device) throw notFound('Device');
    return device;
  }

  /** Devices by id regardless of owner, in input order (for DataLoader; callers check ownership). */
  async byIds(ids: readonly string[]): Promise<(DeviceEntity | null)[]> {
    const map = await this.readByIds(this.ds.manager, ids);
    return ids.map((id) => map.get(id) ?? null);
  }

  /** Devices by id as plain rows, a few hundred per statement of a few cached texts (see `cacheableChunks`). */
  private async readByIds(m: EntityManager, ids: readonly string[]): Promise<Map<string, DeviceEntity>> {
    const devices = new Map<string, DeviceEntity>();
    for (const chunk of cacheableChunks([...new Set(ids)])) {
      for (const raw of (await m.query(this.byIdsSql(chunk.length), chunk)) as Array<Record<string, unknown>>) devices.set(raw.id as string, hydrate(this.repo, raw));
    }
    return devices;
  }

  /** How many of these client ids are the organization's devices, offline now. */
  async countOffline(organizationId: string, deviceNumbers: string[]): Promise<number> {
    if (!deviceNumbers.length) return 0;
    return this.repo.countBy({ organizationId, deviceNumber: In(deviceNumbers), status: DeviceStatus.OFFLINE });
  }

  findByDeviceNumber(deviceNumber: string): Promise<DeviceEntity | null> {
    return this.repo.findOneBy({ deviceNumber });
  }

  async create(scope: Scope, data: CreateDeviceData): Promise<DeviceEntity> {
    const now = this.clock();
    const device = this.repo.create({
      id: newId(),
      organizationId: scope.organizationId,
      name: checkName(data.name),
      description: checkDescription(data.description),
      deviceNumber: data.deviceNumber != null ? checkClientIdLike('deviceNumber', data.deviceNumber) : randomHex(GENERATED_ID_LENGTH),
      username: data.username != null ? checkClientIdLike('username', data.username) : randomHex(GENERATED_ID_LENGTH),
      authType: data.authType ?? DeviceAuthType.TOKEN,
      status: DeviceStatus.OFFLINE,
      blocked: false,
      lastConnectedAt: null,
      lastDisconnectedAt: null,
      metadata: checkMetadata(data.metadata),
      lastSeenAt: null,
      active: false,
      inactivityTimeout: checkInactivityTimeout(data.inactivityTimeout),
      createdAt: now,
      updatedAt: now,
    });
    await this.ensureDeviceNumberFree(device.deviceNumber);
    try {
      await this.ds.transaction(async (m) => {
        await m.getRepository(DeviceEntity).save(device);
        await this.credentials.setNewKey(device.id, m);
        await this.audit.record(scope, AuditAction.DEVICE_CREATED, target(device), { deviceNumber: device.deviceNumber, username: device.username, authType: device.authType }, m);
      });
    } catch (err) {
      // A concurrent create took the device number between the check and the insert.
      await this.ensureDeviceNumberFree(device.deviceNumber);
      throw err;
    }
    return device;
  }

  private async ensureDeviceNumberFree(deviceNumber: string): Promise<void> {
    if (await this.repo.existsBy({ deviceNumber })) {
      throw conflict('deviceNumber is already taken', 'deviceNumber');
    }
  }

  async update(access: RequestAccess, id: string, data: UpdateDeviceData): Promise<DeviceEntity> {
    const { device, scope } = await this.authorize(access, id, Permission.DEVICES);
    const before = auditedFields(device);
    let credentialsChanged: string | null = null;
    if (data.name != null) device.name = checkName(data.name);
    if (data.description !== undefined) device.description = checkDescription(data.description);
    if (data.metadata !== undefined) device.metadata = checkMetadata(data.metadata);
    if (data.inactivityTimeout != null) device.inactivityTimeout = checkInactivityTimeout(data.inactivityTimeout);
    if (data.username != null && data.username !== device.username) {
      device.username = checkClientIdLike('username', data.username);
      credentialsChanged = 'username changed';
    }
    if (data.authType != null && data.authType !== device.authType) {
      device.authType = data.authType;
      credentialsChanged = 'authentication type changed';
    }
    if (data.blocked != null && data.blocked !== device.blocked) {
      device.blocked = data.blocked;
      if (data.blocked) credentialsChanged = 'device blocked';
    }
    device.updatedAt = this.clock();
    const changes = diff(before, auditedFields(device));
    const action = 'blocked' in changes ? (device.blocked ? AuditAction.DEVICE_BLOCKED : AuditAction.DEVICE_UNBLOCKED) : AuditAction.DEVICE_UPDATED;
    const generation = await this.ds.transaction(async (m) => {
      await m.getRepository(DeviceEntity).save(device);
      if (Object.keys(changes).length) await this.audit.record(scope, action, target(device), changes, m);
      return credentialsChanged ? bumpRegistryGeneration(m) : null;
    });
    if (!credentialsChanged || generation === null) return device;
    this.bus.emit('deviceCredentialsChanged', { deviceId: device.id, deviceNumber: device.deviceNumber, reason: credentialsChanged, generation });
    return device;
  }

  async delete(access: RequestAccess, id: string): Promise<DeviceEntity> {
    const { device, scope } = await this.authorize(access, id, Permission.DEVICES);
    const generation = await this.ds.transaction(async (m) => {
      await m.getRepository(DeviceEntity).delete({ id: device.id, organizationId: scope.organizationId });
      await this.audit.record(scope, AuditAction.DEVICE_DELETED, target(device), null, m);
      return bumpRegistryGeneration(m);
    });
    this.bus.emit('deviceCredentialsChanged', { deviceId: device.id, deviceNumber: device.deviceNumber, reason: 'device deleted', generation });
    return device;
  }

  /**
   * Ends the device's MQTT sessions on every instance (MQTT 5: DISCONNECT 0x98 with the reason string), logged as
   * kicked by the caller, with `why` when given.
   */
  async disconnect(access: RequestAccess, id: string, why: string | null): Promise<DeviceEntity> {
    const text = why?.trim() || null;
    if (text && text.length > 200) throw badInput('reason must be at most 200 characters', 'reason');
    const { device, scope } = await this.authorize(access, id, Permission.DEVICES);
    const reason = `disconnected through the API by ${scope.actor.principal.label}${text ? `: ${text}` : ''}`;
    await this.audit.record(scope, AuditAction.DEVICE_KICKED, target(device), { reason: text });
    this.bus.emit('deviceDisconnectRequested', { deviceId: device.id, deviceNumber: device.deviceNumber, reason });
    return device;
  }

  /** Replaces the device key; sessions using the old key are disconnected by the message server. */
  async regenerateKey(access: RequestAccess, id: string): Promise<DeviceEntity> {
    const { device, scope } = await this.authorize(access, id, Permission.DEVICES);
    const generation = await this.ds.transaction(async (m) => {
      await this.credentials.setNewKey(device.id, m);
      device.updatedAt = this.clock();
      await m.getRepository(DeviceEntity).update({ id: device.id }, { updatedAt: device.updatedAt });
      await this.audit.record(scope, AuditAction.DEVICE_KEY_REGENERATED, target(device), null, m);
      return bumpRegistryGeneration(m);
    });
    this.bus.emit('deviceCredentialsChanged', { deviceId: device.id, deviceNumber: device.deviceNumber, reason: 'device key regenerated', generation });
    return device;
  }

  /**
   * Connection status changes set by the message server of instance `instanceId`, in order, in one transaction (see
   * ConnectionStatusWriter). Returns, for each change, the device right after it, or null when it did not apply.
   */
  applyConnectionStatuses(changes: readonly StatusChange[], instanceId: string): Promise<Array<StatusWritten | null>> {
    return changes.length ? this.statusWriter.apply(changes, instanceId) : Promise.resolve([]);
  }

  private readonly byIdsTexts = new Map<number, string>();

  /** SELECT of every column of the devices with `count` ids (one text per count, built once). */
  private byIdsSql(count: number): string {
    let sql = this.byIdsTexts.get(count);
    if (!sql) {
      const ids = Array.from({ length: count }, (_v, i) => String(i));
      sql = selectAllColumns(this.repo, this.repo.createQueryBuilder('d')).where('d.id IN (:...ids)', { ids }).getQueryAndParameters()[0];
      this.byIdsTexts.set(count, sql);
    }
    return sql;
  }

  /** Ids of the devices left ONLINE on behalf of `instanceId` (or of no instance): what a crash left open. */
  async onlineHeldBy(instanceId: string): Promise<string[]> {
    const rows = await this.repo
      .createQueryBuilder('d')
      .select('d.id', 'id')
      .where('d.status = :online AND (d.connected_instance = :instanceId OR d.connected_instance IS NULL)', { online: DeviceStatus.ONLINE, instanceId })
      .getRawMany<{ id: string }>();
    return rows.map((r) => r.id);
  }

  /**
   * A lost instance's devices: marks OFFLINE those still ONLINE on behalf of `instanceId` that connected no later than
   * `connectedBefore` (a device that connected after the instance was claimed lost is a newer run's) and returns them.
   */
  async releaseHeldBy(instanceId: string, connectedBefore: Date, at: Date): Promise<DeviceEntity[]> {
    const held = await this.repo
      .createQueryBuilder('d')
      .where('d.status = :online AND d.connected_instance = :instanceId AND (d.last_connected_at IS NULL OR d.last_connected_at <= :before)', {
        online: DeviceStatus.ONLINE,
        instanceId,
        before: connectedBefore.getTime(),
      })
      .getMany();
    const released: DeviceEntity[] = [];
    for (const device of held) {
      const result = await this.repo.update(
        { id: device.id, connectedInstance: instanceId, status: DeviceStatus.ONLINE },
        { status: DeviceStatus.OFFLINE, lastDisconnectedAt: at, connectedInstance: null },
      );
      if (result.affected) released.push(Object.assign(device, { status: DeviceStatus.OFFLINE, lastDisconnectedAt: at, connectedInstance: null }));
    }
    return released;
  }

  /**
   * Marks OFFLINE the devices this instance held when it stopped (no session outlives the process), and any
   * ONLINE device no instance claims. Devices held by other running instances stay ONLINE.
   */
  async resetConnectionStatus(at: Date, instanceId: string): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .update(DeviceEntity)
      .set({ status: DeviceStatus.OFFLINE, lastDisconnectedAt: at, connectedInstance: null })
      .where('status = :online AND (connected_instance = :instanceId OR connected_instance IS NULL)', { online: DeviceStatus.ONLINE, instanceId })
      .execute();
    return result.affected ?? 0;
  }

  list(organizationId: string, q: DeviceQuery): Promise<Page<DeviceEntity>> {
    return this.devices.list(organizationId, q);
  }
}
