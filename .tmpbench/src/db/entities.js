"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.entities = void 0;
const index_js_1 = require("../access/index.js");
const index_js_2 = require("../audit/index.js");
const invitation_entity_js_1 = require("../organizations/invitation.entity.js");
const connection_log_entity_js_1 = require("../broker/connection-log.entity.js");
const device_event_entity_js_1 = require("../broker/device-event.entity.js");
const latest_value_entity_js_1 = require("../broker/latest-value.entity.js");
const certificate_entity_js_1 = require("../certificates/certificate.entity.js");
const credential_entity_js_1 = require("../credentials/credential.entity.js");
const device_entity_js_1 = require("../devices/device.entity.js");
const platform_ca_entity_js_1 = require("../pki/platform-ca.entity.js");
const registry_generation_js_1 = require("./registry-generation.js");
const user_entity_js_1 = require("../users/user.entity.js");
/** Every TypeORM entity. Features add theirs here. */
exports.entities = [user_entity_js_1.UserEntity, user_entity_js_1.ApiKeyEntity, device_entity_js_1.DeviceEntity, credential_entity_js_1.DeviceCredentialEntity, platform_ca_entity_js_1.PlatformCaEntity, certificate_entity_js_1.CertificateEntity, certificate_entity_js_1.CertificateDeviceEntity, connection_log_entity_js_1.ConnectionLogEntity, device_event_entity_js_1.DeviceEventEntity, latest_value_entity_js_1.LatestValueEntity, registry_generation_js_1.RegistryGenerationEntity, index_js_1.OrganizationEntity, index_js_1.MembershipEntity, invitation_entity_js_1.InvitationEntity, index_js_2.AuditEntryEntity];
//# sourceMappingURL=entities.js.map