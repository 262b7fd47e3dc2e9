"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceService = exports.DeviceSortField = exports.MAX_METADATA_BYTES = exports.MAX_DESCRIPTION_LENGTH = exports.GENERATED_ID_LENGTH = exports.MAX_CLIENT_ID_LENGTH = exports.CLIENT_ID_RE = void 0;
const typeorm_1 = require("typeorm");
const errors_js_1 = require("../common/errors.js");
const ids_js_1 = require("../common/ids.js");
const validate_js_1 = require("../common/validate.js");
const pagination_js_1 = require("../common/pagination.js");
const registry_generation_js_1 = require("../db/registry-generation.js");
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const device_entity_js_1 = require("./device.entity.js");
/** Characters allowed in client ids (device numbers) and connection usernames. MQTT forbids none; we keep them URL- and log-safe. */
exports.CLIENT_ID_RE = /^[A-Za-z0-9_.:-]+$/;
exports.MAX_CLIENT_ID_LENGTH = 64;
exports.GENERATED_ID_LENGTH = 36;
exports.MAX_DESCRIPTION_LENGTH = 1000;
exports.MAX_METADATA_BYTES = 16 * 1024;
var DeviceSortField;
(function (DeviceSortField) {
    DeviceSortField["NAME"] = "NAME";
    DeviceSortField["CREATED_AT"] = "CREATED_AT";
    DeviceSortField["UPDATED_AT"] = "UPDATED_AT";
    DeviceSortField["LAST_CONNECTED_AT"] = "LAST_CONNECTED_AT";
    DeviceSortField["DEVICE_NUMBER"] = "DEVICE_NUMBER";
})(DeviceSortField || (exports.DeviceSortField = DeviceSortField = {}));
const SORTS = {
    NAME: { sql: 'd.name', key: (d) => d.name },
    CREATED_AT: { sql: 'd.created_at', key: (d) => d.createdAt.getTime() },
    UPDATED_AT: { sql: 'd.updated_at', key: (d) => d.updatedAt.getTime() },
    LAST_CONNECTED_AT: { sql: 'COALESCE(d.last_connected_at, 0)', key: (d) => d.lastConnectedAt?.getTime() ?? 0 },
    DEVICE_NUMBER: { sql: 'd.device_number', key: (d) => d.deviceNumber },
};
function checkDescription(raw) {
    if (raw == null)
        return null;
    if (raw.length > exports.MAX_DESCRIPTION_LENGTH)
        throw (0, errors_js_1.badInput)(`description must be at most ${exports.MAX_DESCRIPTION_LENGTH} characters`, 'description');
    return raw;
}
function checkClientIdLike(field, raw) {
    if (raw.length === 0)
        throw (0, errors_js_1.badInput)(`${field} must not be empty`, field);
    if (raw.length > exports.MAX_CLIENT_ID_LENGTH)
        throw (0, errors_js_1.badInput)(`${field} must be at most ${exports.MAX_CLIENT_ID_LENGTH} characters`, field);
    if (!exports.CLIENT_ID_RE.test(raw))
        throw (0, errors_js_1.badInput)(`${field} may only contain letters, digits and _ . : -`, field);
    return raw;
}
function checkMetadata(raw) {
    if (raw == null)
        return null;
    if (Buffer.byteLength(JSON.stringify(raw)) > exports.MAX_METADATA_BYTES) {
        throw (0, errors_js_1.badInput)(`metadata must be at most ${exports.MAX_METADATA_BYTES} bytes of JSON`, 'metadata');
    }
    return raw;
}
const target = (d) => ({ type: 'DEVICE', id: d.id, label: d.name });
/** What the audit trail shows of a device change (no secrets). */
const auditedFields = (d) => ({
    name: d.name,
    description: d.description,
    username: d.username,
    authType: d.authType,
    blocked: d.blocked,
    metadata: d.metadata,
});
class DeviceService {
    constructor(ds, credentials, bus, clock, audit) {
        this.ds = ds;
        this.credentials = credentials;
        this.bus = bus;
        this.clock = clock;
        this.audit = audit;
        this.repo = ds.getRepository(device_entity_js_1.DeviceEntity);
    }
    /**
     * The device and the caller's scope in its organization: NOT_FOUND when it does not exist or the caller is not a
     * member there (no hint that it exists), FORBIDDEN when their role lacks `permission`.
     */
    async authorize(access, id, permission) {
        const device = (0, ids_js_1.isUuid)(id) ? await this.repo.findOneBy({ id }) : null;
        if (!device)
            throw (0, errors_js_1.notFound)('Device');
        return { device, scope: await access.within(device.organizationId, permission, 'Device') };
    }
    /** The organization's device, or NOT_FOUND (also for other organizations' devices: no hint that it exists). */
    async get(organizationId, id) {
        const device = (0, ids_js_1.isUuid)(id) ? await this.repo.findOneBy({ id, organizationId }) : null;
        if (!device)
            throw (0, errors_js_1.notFound)('Device');
        return device;
    }
    /** Devices by id regardless of owner, in input order (for DataLoader; callers check ownership). */
    async byIds(ids) {
        const rows = ids.length ? await this.repo.findBy({ id: (0, typeorm_1.In)([...ids]) }) : [];
        const map = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => map.get(id) ?? null);
    }
    findByDeviceNumber(deviceNumber) {
        return this.repo.findOneBy({ deviceNumber });
    }
    async create(scope, data) {
        const now = this.clock();
        const device = this.repo.create({
            id: (0, ids_js_1.newId)(),
            organizationId: scope.organizationId,
            name: (0, validate_js_1.checkName)(data.name),
            description: checkDescription(data.description),
            deviceNumber: data.deviceNumber != null ? checkClientIdLike('deviceNumber', data.deviceNumber) : (0, ids_js_1.randomHex)(exports.GENERATED_ID_LENGTH),
            username: data.username != null ? checkClientIdLike('username', data.username) : (0, ids_js_1.randomHex)(exports.GENERATED_ID_LENGTH),
            authType: data.authType ?? device_entity_js_1.DeviceAuthType.TOKEN,
            status: device_entity_js_1.DeviceStatus.OFFLINE,
            blocked: false,
            lastConnectedAt: null,
            lastDisconnectedAt: null,
            metadata: checkMetadata(data.metadata),
            createdAt: now,
            updatedAt: now,
        });
        await this.ensureDeviceNumberFree(device.deviceNumber);
        try {
            await this.ds.transaction(async (m) => {
                await m.getRepository(device_entity_js_1.DeviceEntity).save(device);
                await this.credentials.setNewKey(device.id, m);
                await this.audit.record(scope, index_js_2.AuditAction.DEVICE_CREATED, target(device), { deviceNumber: device.deviceNumber, username: device.username, authType: device.authType }, m);
            });
        }
        catch (err) {
            // A concurrent create took the device number between the check and the insert.
            await this.ensureDeviceNumberFree(device.deviceNumber);
            throw err;
        }
        return device;
    }
    async ensureDeviceNumberFree(deviceNumber) {
        if (await this.repo.existsBy({ deviceNumber })) {
            throw (0, errors_js_1.conflict)('deviceNumber is already taken', 'deviceNumber');
        }
    }
    async update(access, id, data) {
        const { device, scope } = await this.authorize(access, id, index_js_1.Permission.DEVICES);
        const before = auditedFields(device);
        let credentialsChanged = null;
        if (data.name != null)
            device.name = (0, validate_js_1.checkName)(data.name);
        if (data.description !== undefined)
            device.description = checkDescription(data.description);
        if (data.metadata !== undefined)
            device.metadata = checkMetadata(data.metadata);
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
            if (data.blocked)
                credentialsChanged = 'device blocked';
        }
        device.updatedAt = this.clock();
        const changes = (0, index_js_2.diff)(before, auditedFields(device));
        const action = 'blocked' in changes ? (device.blocked ? index_js_2.AuditAction.DEVICE_BLOCKED : index_js_2.AuditAction.DEVICE_UNBLOCKED) : index_js_2.AuditAction.DEVICE_UPDATED;
        const generation = await this.ds.transaction(async (m) => {
            await m.getRepository(device_entity_js_1.DeviceEntity).save(device);
            if (Object.keys(changes).length)
                await this.audit.record(scope, action, target(device), changes, m);
            return credentialsChanged ? (0, registry_generation_js_1.bumpRegistryGeneration)(m) : null;
        });
        if (!credentialsChanged || generation === null)
            return device;
        this.bus.emit('deviceCredentialsChanged', { deviceId: device.id, deviceNumber: device.deviceNumber, reason: credentialsChanged, generation });
        return device;
    }
    async delete(access, id) {
        const { device, scope } = await this.authorize(access, id, index_js_1.Permission.DEVICES);
        const generation = await this.ds.transaction(async (m) => {
            await m.getRepository(device_entity_js_1.DeviceEntity).delete({ id: device.id, organizationId: scope.organizationId });
            await this.audit.record(scope, index_js_2.AuditAction.DEVICE_DELETED, target(device), null, m);
            return (0, registry_generation_js_1.bumpRegistryGeneration)(m);
        });
        this.bus.emit('deviceCredentialsChanged', { deviceId: device.id, deviceNumber: device.deviceNumber, reason: 'device deleted', generation });
        return device;
    }
    /** Ends the device's MQTT sessions on every instance (MQTT 5: DISCONNECT 0x98), logged with `reason`. */
    async disconnect(access, id, reason) {
        const { device, scope } = await this.authorize(access, id, index_js_1.Permission.DEVICES);
        await this.audit.record(scope, index_js_2.AuditAction.DEVICE_KICKED, target(device), { reason });
        this.bus.emit('deviceDisconnectRequested', { deviceId: device.id, deviceNumber: device.deviceNumber, reason });
        return device;
    }
    /** Replaces the device key; sessions using the old key are disconnected by the message server. */
    async regenerateKey(access, id) {
        const { device, scope } = await this.authorize(access, id, index_js_1.Permission.DEVICES);
        const generation = await this.ds.transaction(async (m) => {
            await this.credentials.setNewKey(device.id, m);
            device.updatedAt = this.clock();
            await m.getRepository(device_entity_js_1.DeviceEntity).update({ id: device.id }, { updatedAt: device.updatedAt });
            await this.audit.record(scope, index_js_2.AuditAction.DEVICE_KEY_REGENERATED, target(device), null, m);
            return (0, registry_generation_js_1.bumpRegistryGeneration)(m);
        });
        this.bus.emit('deviceCredentialsChanged', { deviceId: device.id, deviceNumber: device.deviceNumber, reason: 'device key regenerated', generation });
        return device;
    }
    /**
     * Connection status, set by the message server of instance `instanceId`. ONLINE claims the device for that
     * instance; OFFLINE applies only while the instance still holds it (after a takeover on another instance, that
     * instance's ONLINE stands). Returns the device when the status was written, else null.
     */
    async setConnectionStatus(id, status, at, instanceId) {
        const result = status === device_entity_js_1.DeviceStatus.ONLINE
            ? await this.repo.update({ id }, { status, lastConnectedAt: at, connectedInstance: instanceId })
            : await this.repo.update({ id, connectedInstance: instanceId }, { status, lastDisconnectedAt: at, connectedInstance: null });
        return result.affected ? this.repo.findOneBy({ id }) : null;
    }
    /** Ids of the devices left ONLINE on behalf of `instanceId` (or of no instance): what a crash left open. */
    async onlineHeldBy(instanceId) {
        const rows = await this.repo
            .createQueryBuilder('d')
            .select('d.id', 'id')
            .where('d.status = :online AND (d.connected_instance = :instanceId OR d.connected_instance IS NULL)', { online: device_entity_js_1.DeviceStatus.ONLINE, instanceId })
            .getRawMany();
        return rows.map((r) => r.id);
    }
    /**
     * Marks OFFLINE the devices this instance held when it stopped (no session outlives the process), and any
     * ONLINE device no instance claims. Devices held by other running instances stay ONLINE.
     */
    async resetConnectionStatus(at, instanceId) {
        const result = await this.repo
            .createQueryBuilder()
            .update(device_entity_js_1.DeviceEntity)
            .set({ status: device_entity_js_1.DeviceStatus.OFFLINE, lastDisconnectedAt: at, connectedInstance: null })
            .where('status = :online AND (connected_instance = :instanceId OR connected_instance IS NULL)', { online: device_entity_js_1.DeviceStatus.ONLINE, instanceId })
            .execute();
        return result.affected ?? 0;
    }
    async list(organizationId, q) {
        const qb = this.repo.createQueryBuilder('d').where('d.organization_id = :organizationId', { organizationId });
        const pattern = (0, validate_js_1.searchPattern)(q.search);
        if (pattern)
            qb.andWhere(`LOWER(d.name) LIKE :pattern ESCAPE '\\'`, { pattern });
        if (q.status)
            qb.andWhere('d.status = :status', { status: q.status });
        if (q.authType)
            qb.andWhere('d.auth_type = :authType', { authType: q.authType });
        const field = q.sortField ?? DeviceSortField.CREATED_AT;
        const sort = SORTS[field];
        const direction = q.direction ?? (field === DeviceSortField.NAME || field === DeviceSortField.DEVICE_NUMBER ? 'ASC' : 'DESC');
        return (0, pagination_js_1.keysetPage)(qb, {
            kind: `devices:${field}:${direction}`,
            sortSql: sort.sql,
            idColumn: 'd.id',
            direction,
            keyOf: sort.key,
            first: q.first,
            after: q.after,
        });
    }
}
exports.DeviceService = DeviceService;
//# sourceMappingURL=device.service.js.map