"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.allows = exports.REQUIRED_ROLE = exports.Permission = exports.isRole = exports.lowerRole = exports.roleAtLeast = exports.OrganizationRole = void 0;
const type_graphql_1 = require("type-graphql");
/** A member's role in an organization, highest first. */
var OrganizationRole;
(function (OrganizationRole) {
    OrganizationRole["OWNER"] = "OWNER";
    OrganizationRole["ADMIN"] = "ADMIN";
    OrganizationRole["DEVELOPER"] = "DEVELOPER";
    OrganizationRole["VIEWER"] = "VIEWER";
})(OrganizationRole || (exports.OrganizationRole = OrganizationRole = {}));
(0, type_graphql_1.registerEnumType)(OrganizationRole, {
    name: 'OrganizationRole',
    description: 'OWNER: everything, including ownership and deleting the organization. ADMIN: everything but ownership. DEVELOPER: devices, certificates, test client, commands; no members. VIEWER: read and subscribe only.',
});
const RANK = { OWNER: 4, ADMIN: 3, DEVELOPER: 2, VIEWER: 1 };
const roleAtLeast = (role, needed) => RANK[role] >= RANK[needed];
exports.roleAtLeast = roleAtLeast;
const lowerRole = (a, b) => (RANK[a] <= RANK[b] ? a : b);
exports.lowerRole = lowerRole;
const isRole = (value) => value in RANK;
exports.isRole = isRole;
/** What an operation needs. Every operation names one; the role each needs is in REQUIRED_ROLE, nowhere else. */
var Permission;
(function (Permission) {
    /** Queries and subscriptions: devices, logs, events, certificates (public parts), members, test client sessions. */
    Permission["READ"] = "READ";
    /** Secrets: device keys, certificate private keys and bundles. */
    Permission["SECRETS"] = "SECRETS";
    /** Create, change, block, delete, rotate the key of, and disconnect devices. */
    Permission["DEVICES"] = "DEVICES";
    /** Issue, bind, unbind, revoke and delete certificates. */
    Permission["CERTIFICATES"] = "CERTIFICATES";
    /** Start and drive server-side test clients. */
    Permission["TEST_CLIENT"] = "TEST_CLIENT";
    /** Publish to devices and ask them (publishToDevice, publishToTopic, requestDevice). */
    Permission["COMMANDS"] = "COMMANDS";
    /** Create API keys of one's own (with a role no higher than one's own) and revoke them. */
    Permission["OWN_API_KEYS"] = "OWN_API_KEYS";
    /** See and revoke every API key of the organization. */
    Permission["API_KEYS"] = "API_KEYS";
    /** Invite, change and remove members (owners only by owners). */
    Permission["MEMBERS"] = "MEMBERS";
    /** Read the audit trail. */
    Permission["AUDIT"] = "AUDIT";
    /** Rename or delete the organization; make or unmake owners. */
    Permission["OWNERSHIP"] = "OWNERSHIP";
})(Permission || (exports.Permission = Permission = {}));
/** The lowest role allowed each permission: the whole policy. */
exports.REQUIRED_ROLE = {
    READ: OrganizationRole.VIEWER,
    OWN_API_KEYS: OrganizationRole.VIEWER,
    SECRETS: OrganizationRole.DEVELOPER,
    DEVICES: OrganizationRole.DEVELOPER,
    CERTIFICATES: OrganizationRole.DEVELOPER,
    TEST_CLIENT: OrganizationRole.DEVELOPER,
    COMMANDS: OrganizationRole.DEVELOPER,
    API_KEYS: OrganizationRole.ADMIN,
    MEMBERS: OrganizationRole.ADMIN,
    AUDIT: OrganizationRole.ADMIN,
    OWNERSHIP: OrganizationRole.OWNER,
};
const allows = (role, permission) => (0, exports.roleAtLeast)(role, exports.REQUIRED_ROLE[permission]);
exports.allows = allows;
//# sourceMappingURL=roles.js.map