"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.resolverClasses = void 0;
exports.createSchema = createSchema;
require("reflect-metadata");
const type_graphql_1 = require("type-graphql");
const broker_resolver_js_1 = require("../broker/broker.resolver.js");
const latest_resolver_js_1 = require("../broker/latest.resolver.js");
const commands_resolver_js_1 = require("../commands/commands.resolver.js");
const certificate_resolver_js_1 = require("../certificates/certificate.resolver.js");
const index_js_1 = require("../audit/index.js");
const device_resolver_js_1 = require("../devices/device.resolver.js");
const index_js_2 = require("../organizations/index.js");
const pki_resolver_js_1 = require("../pki/pki.resolver.js");
const pubsub_js_1 = require("../realtime/pubsub.js");
const test_client_resolver_js_1 = require("../testclient/test-client.resolver.js");
const user_resolver_js_1 = require("../users/user.resolver.js");
exports.resolverClasses = [user_resolver_js_1.UserResolver, device_resolver_js_1.DeviceResolver, pki_resolver_js_1.PkiResolver, certificate_resolver_js_1.CertificateResolver, certificate_resolver_js_1.DeviceCertificatesResolver, test_client_resolver_js_1.TestClientResolver, broker_resolver_js_1.ConnectionLogResolver, broker_resolver_js_1.DeviceEventResolver, broker_resolver_js_1.DeviceStatusResolver, broker_resolver_js_1.DeviceConnectionLogResolver, latest_resolver_js_1.DeviceLatestResolver, latest_resolver_js_1.LatestValueResolver, commands_resolver_js_1.CommandResolver, device_resolver_js_1.DeviceCredentialsResolver, index_js_2.OrganizationResolver, index_js_2.MemberResolver, index_js_1.AuditResolver];
/** Constructs each resolver with the services it needs (no global container). */
function containerFor(services) {
    const instances = new Map([
        [user_resolver_js_1.UserResolver, new user_resolver_js_1.UserResolver(services.users)],
        [device_resolver_js_1.DeviceResolver, new device_resolver_js_1.DeviceResolver(services.devices)],
        [pki_resolver_js_1.PkiResolver, new pki_resolver_js_1.PkiResolver(services.pki)],
        [certificate_resolver_js_1.CertificateResolver, new certificate_resolver_js_1.CertificateResolver(services.certificates)],
        [certificate_resolver_js_1.DeviceCertificatesResolver, new certificate_resolver_js_1.DeviceCertificatesResolver()],
        [test_client_resolver_js_1.TestClientResolver, new test_client_resolver_js_1.TestClientResolver(services.testClients)],
        [broker_resolver_js_1.ConnectionLogResolver, new broker_resolver_js_1.ConnectionLogResolver()],
        [broker_resolver_js_1.DeviceEventResolver, new broker_resolver_js_1.DeviceEventResolver()],
        [broker_resolver_js_1.DeviceStatusResolver, new broker_resolver_js_1.DeviceStatusResolver()],
        [broker_resolver_js_1.DeviceConnectionLogResolver, new broker_resolver_js_1.DeviceConnectionLogResolver()],
        [latest_resolver_js_1.DeviceLatestResolver, new latest_resolver_js_1.DeviceLatestResolver()],
        [latest_resolver_js_1.LatestValueResolver, new latest_resolver_js_1.LatestValueResolver()],
        [commands_resolver_js_1.CommandResolver, new commands_resolver_js_1.CommandResolver(services.commands)],
        [device_resolver_js_1.DeviceCredentialsResolver, new device_resolver_js_1.DeviceCredentialsResolver()],
        [index_js_2.OrganizationResolver, new index_js_2.OrganizationResolver(services.organizations)],
        [index_js_2.MemberResolver, new index_js_2.MemberResolver()],
        [index_js_1.AuditResolver, new index_js_1.AuditResolver(services.audit)],
    ]);
    return {
        get(cls) {
            const instance = instances.get(cls);
            if (!instance)
                throw new Error(`no resolver instance for ${String(cls.name)}`);
            return instance;
        },
    };
}
/** Builds the executable schema; without services it is good for printing the SDL only. */
function createSchema(services) {
    return (0, type_graphql_1.buildSchema)({
        resolvers: exports.resolverClasses,
        container: services ? containerFor(services) : { get: () => { throw new Error('schema built without services'); } },
        validate: false,
        pubSub: services ? services.pubSub : (0, pubsub_js_1.createAppPubSub)(),
    });
}
//# sourceMappingURL=schema.js.map