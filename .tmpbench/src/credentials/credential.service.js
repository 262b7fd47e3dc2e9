"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CredentialService = exports.DEVICE_KEY_LENGTH = void 0;
const typeorm_1 = require("typeorm");
const ids_js_1 = require("../common/ids.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const credential_entity_js_1 = require("./credential.entity.js");
/** Length of a generated device key (the MQTT password), as in the seed guide's samples. */
exports.DEVICE_KEY_LENGTH = 36;
/** A device id no device has (looked up for unknown client ids). */
const NO_DEVICE_ID = '00000000-0000-0000-0000-000000000000';
class CredentialService {
    constructor(ds, secrets, clock) {
        this.secrets = secrets;
        this.clock = clock;
        this.repo = ds.getRepository(credential_entity_js_1.DeviceCredentialEntity);
        this.devices = ds.getRepository(device_entity_js_1.DeviceEntity);
        this.decoyHash = secrets.keyedHash((0, ids_js_1.randomHex)(exports.DEVICE_KEY_LENGTH));
    }
    /** Generates and stores a new key for the device (inside the caller's transaction when given). Returns the key. */
    async setNewKey(deviceId, manager) {
        const key = (0, ids_js_1.randomHex)(exports.DEVICE_KEY_LENGTH);
        const repo = manager ? manager.getRepository(credential_entity_js_1.DeviceCredentialEntity) : this.repo;
        await repo.save(repo.create({
            deviceId,
            keyCiphertext: this.secrets.encrypt(key),
            keyHash: this.secrets.keyedHash(key),
            rotatedAt: this.clock(),
        }));
        return key;
    }
    /** Decrypted keys by device id, in one query (for DataLoader). */
    async keysFor(deviceIds) {
        const rows = deviceIds.length ? await this.repo.findBy({ deviceId: (0, typeorm_1.In)([...deviceIds]) }) : [];
        return new Map(rows.map((r) => [r.deviceId, this.secrets.decrypt(r.keyCiphertext).toString('utf8')]));
    }
    /**
     * Token authentication for the message server: client id = device number, username = connection
     * username, password = device key. The key is compared in constant time against its keyed hash.
     */
    async verifyDeviceCredentials(clientId, username, password) {
        // The same two lookups (and the hash comparison below) whether the client id exists or not: refusing an
        // unknown client id faster would let anyone probe which device numbers exist.
        const device = await this.devices.findOneBy({ deviceNumber: clientId });
        const cred = await this.repo.findOneBy({ deviceId: device?.id ?? NO_DEVICE_ID });
        const candidate = password === undefined ? '' : Buffer.isBuffer(password) ? password.toString('utf8') : password;
        const keyOk = this.secrets.verifyKeyedHash(candidate, cred?.keyHash ?? this.decoyHash);
        if (!device || !cred || !keyOk || username !== device.username) {
            return device ? { ok: false, reason: 'BAD_CREDENTIALS', device } : { ok: false, reason: 'BAD_CREDENTIALS' };
        }
        if (device.blocked)
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'BLOCKED', device };
        if (device.authType !== device_entity_js_1.DeviceAuthType.TOKEN) {
            return { ok: false, reason: 'NOT_AUTHORIZED', detail: 'CERTIFICATE_DEVICE', device };
        }
        return { ok: true, device };
    }
}
exports.CredentialService = CredentialService;
//# sourceMappingURL=credential.service.js.map