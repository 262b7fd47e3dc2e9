"use strict";
var __decorate = (this && this.__decorate) || function (decorators, target, key, desc) {
    var c = arguments.length, r = c < 3 ? target : desc === null ? desc = Object.getOwnPropertyDescriptor(target, key) : desc, d;
    if (typeof Reflect === "object" && typeof Reflect.decorate === "function") r = Reflect.decorate(decorators, target, key, desc);
    else for (var i = decorators.length - 1; i >= 0; i--) if (d = decorators[i]) r = (c < 3 ? d(r) : c > 3 ? d(target, key, r) : d(target, key)) || r;
    return c > 3 && r && Object.defineProperty(target, key, r), r;
};
var __metadata = (this && this.__metadata) || function (k, v) {
    if (typeof Reflect === "object" && typeof Reflect.metadata === "function") return Reflect.metadata(k, v);
};
var __param = (this && this.__param) || function (paramIndex, decorator) {
    return function (target, key) { decorator(target, key, paramIndex); }
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.DeviceCredentialsResolver = exports.DeviceResolver = exports.DeviceConnection = exports.DeviceCredentials = exports.DeviceOrder = exports.DeviceFilter = exports.UpdateDeviceInput = exports.CreateDeviceInput = exports.ORGANIZATION_ID = void 0;
const graphql_scalars_1 = require("graphql-scalars");
const type_graphql_1 = require("type-graphql");
const index_js_1 = require("../access/index.js");
const relay_js_1 = require("../graphql/relay.js");
const device_entity_js_1 = require("./device.entity.js");
const device_service_js_1 = require("./device.service.js");
(0, type_graphql_1.registerEnumType)(device_service_js_1.DeviceSortField, { name: 'DeviceSortField' });
exports.ORGANIZATION_ID = 'An organization you belong to (NOT_FOUND otherwise); default: your personal organization, or your API key\'s.';
let CreateDeviceInput = class CreateDeviceInput {
};
exports.CreateDeviceInput = CreateDeviceInput;
__decorate([
    (0, type_graphql_1.Field)({ description: 'Display name, 1–100 characters.' }),
    __metadata("design:type", String)
], CreateDeviceInput.prototype, "name", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], CreateDeviceInput.prototype, "description", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'MQTT client id ([A-Za-z0-9_.:-], ≤ 64); generated when omitted.' }),
    __metadata("design:type", Object)
], CreateDeviceInput.prototype, "deviceNumber", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'MQTT connection username ([A-Za-z0-9_.:-], ≤ 64); generated when omitted.' }),
    __metadata("design:type", Object)
], CreateDeviceInput.prototype, "username", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_entity_js_1.DeviceAuthType, { nullable: true, defaultValue: device_entity_js_1.DeviceAuthType.TOKEN }),
    __metadata("design:type", Object)
], CreateDeviceInput.prototype, "authType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => graphql_scalars_1.GraphQLJSONObject, { nullable: true }),
    __metadata("design:type", Object)
], CreateDeviceInput.prototype, "metadata", void 0);
exports.CreateDeviceInput = CreateDeviceInput = __decorate([
    (0, type_graphql_1.InputType)()
], CreateDeviceInput);
let UpdateDeviceInput = class UpdateDeviceInput {
};
exports.UpdateDeviceInput = UpdateDeviceInput;
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], UpdateDeviceInput.prototype, "name", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], UpdateDeviceInput.prototype, "description", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], UpdateDeviceInput.prototype, "username", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_entity_js_1.DeviceAuthType, { nullable: true }),
    __metadata("design:type", Object)
], UpdateDeviceInput.prototype, "authType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => Boolean, { nullable: true, description: 'A blocked device is refused by the message server.' }),
    __metadata("design:type", Object)
], UpdateDeviceInput.prototype, "blocked", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => graphql_scalars_1.GraphQLJSONObject, { nullable: true }),
    __metadata("design:type", Object)
], UpdateDeviceInput.prototype, "metadata", void 0);
exports.UpdateDeviceInput = UpdateDeviceInput = __decorate([
    (0, type_graphql_1.InputType)()
], UpdateDeviceInput);
let DeviceFilter = class DeviceFilter {
};
exports.DeviceFilter = DeviceFilter;
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Case-insensitive substring of the device name.' }),
    __metadata("design:type", Object)
], DeviceFilter.prototype, "search", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_entity_js_1.DeviceStatus, { nullable: true }),
    __metadata("design:type", Object)
], DeviceFilter.prototype, "status", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => device_entity_js_1.DeviceAuthType, { nullable: true }),
    __metadata("design:type", Object)
], DeviceFilter.prototype, "authType", void 0);
exports.DeviceFilter = DeviceFilter = __decorate([
    (0, type_graphql_1.InputType)()
], DeviceFilter);
let DeviceOrder = class DeviceOrder {
};
exports.DeviceOrder = DeviceOrder;
__decorate([
    (0, type_graphql_1.Field)(() => device_service_js_1.DeviceSortField),
    __metadata("design:type", String)
], DeviceOrder.prototype, "field", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => relay_js_1.SortDirectionEnum, { nullable: true }),
    __metadata("design:type", Object)
], DeviceOrder.prototype, "direction", void 0);
exports.DeviceOrder = DeviceOrder = __decorate([
    (0, type_graphql_1.InputType)()
], DeviceOrder);
let DeviceCredentials = class DeviceCredentials {
};
exports.DeviceCredentials = DeviceCredentials;
__decorate([
    (0, type_graphql_1.Field)({ description: 'The MQTT client id.' }),
    __metadata("design:type", String)
], DeviceCredentials.prototype, "deviceNumber", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'The MQTT username.' }),
    __metadata("design:type", String)
], DeviceCredentials.prototype, "username", void 0);
exports.DeviceCredentials = DeviceCredentials = __decorate([
    (0, type_graphql_1.ObjectType)({ description: 'What a device needs to connect with Token authentication.' })
], DeviceCredentials);
exports.DeviceConnection = (0, relay_js_1.ConnectionType)('Device', device_entity_js_1.DeviceEntity);
let DeviceResolver = class DeviceResolver {
    constructor(service) {
        this.service = service;
    }
    async device(ctx, id) {
        return (await this.service.authorize(ctx.access, id, index_js_1.Permission.READ)).device;
    }
    async devices(ctx, organizationId, filter, orderBy, first, after) {
        const scope = await ctx.access.organization(organizationId, index_js_1.Permission.READ);
        const page = await this.service.list(scope.organizationId, {
            ...filter,
            sortField: orderBy?.field,
            direction: orderBy?.direction,
            first,
            after,
        });
        return (0, relay_js_1.toConnection)(page);
    }
    async createDevice(ctx, input, organizationId) {
        return this.service.create(await ctx.access.organization(organizationId, index_js_1.Permission.DEVICES), input);
    }
    updateDevice(ctx, id, input) {
        return this.service.update(ctx.access, id, input);
    }
    async deleteDevice(ctx, id) {
        return (await this.service.delete(ctx.access, id)).id;
    }
    disconnectDevice(ctx, id) {
        return this.service.disconnect(ctx.access, id, 'disconnected through the API');
    }
    regenerateDeviceKey(ctx, id) {
        return this.service.regenerateKey(ctx.access, id);
    }
    credentials(device) {
        return { deviceNumber: device.deviceNumber, username: device.username, device };
    }
    organizationId(device) {
        return device.organizationId;
    }
};
exports.DeviceResolver = DeviceResolver;
__decorate([
    (0, type_graphql_1.Query)(() => device_entity_js_1.DeviceEntity, { description: 'A device of an organization you belong to; NOT_FOUND otherwise.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "device", null);
__decorate([
    (0, type_graphql_1.Query)(() => exports.DeviceConnection, { description: "An organization's devices (default: your personal one, or your API key's): search by name, filter, sort, cursor paging." }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: exports.ORGANIZATION_ID })),
    __param(2, (0, type_graphql_1.Arg)('filter', () => DeviceFilter, { nullable: true })),
    __param(3, (0, type_graphql_1.Arg)('orderBy', () => DeviceOrder, { nullable: true })),
    __param(4, (0, type_graphql_1.Arg)('first', () => type_graphql_1.Int, { nullable: true, defaultValue: 20 })),
    __param(5, (0, type_graphql_1.Arg)('after', () => String, { nullable: true })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, Object, Object, Object, Object, Object]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "devices", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => device_entity_js_1.DeviceEntity, { description: 'Creates a device in an organization (default: your personal one, or your API key\'s); DEVELOPER or higher.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('input', () => CreateDeviceInput)),
    __param(2, (0, type_graphql_1.Arg)('organizationId', () => type_graphql_1.ID, { nullable: true, description: exports.ORGANIZATION_ID })),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, CreateDeviceInput, Object]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "createDevice", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => device_entity_js_1.DeviceEntity),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __param(2, (0, type_graphql_1.Arg)('input', () => UpdateDeviceInput)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String, UpdateDeviceInput]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "updateDevice", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => type_graphql_1.ID, { description: 'Deletes the device and its credentials; returns its id.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "deleteDevice", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => device_entity_js_1.DeviceEntity, {
        description: "Ends the device's MQTT sessions now, on whichever instance holds them (MQTT 5 clients get 0x98, administrative action); logged. The device may connect again.",
    }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "disconnectDevice", null);
__decorate([
    (0, type_graphql_1.Mutation)(() => device_entity_js_1.DeviceEntity, { description: 'Issues a new device key; the old one stops working at once.' }),
    __param(0, (0, type_graphql_1.Ctx)()),
    __param(1, (0, type_graphql_1.Arg)('id', () => type_graphql_1.ID)),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [Object, String]),
    __metadata("design:returntype", Promise)
], DeviceResolver.prototype, "regenerateDeviceKey", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => DeviceCredentials),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity]),
    __metadata("design:returntype", DeviceCredentials)
], DeviceResolver.prototype, "credentials", null);
__decorate([
    (0, type_graphql_1.FieldResolver)(() => type_graphql_1.ID, { description: 'The organization the device belongs to.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [device_entity_js_1.DeviceEntity]),
    __metadata("design:returntype", String)
], DeviceResolver.prototype, "organizationId", null);
exports.DeviceResolver = DeviceResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => device_entity_js_1.DeviceEntity),
    __metadata("design:paramtypes", [Function])
], DeviceResolver);
let DeviceCredentialsResolver = class DeviceCredentialsResolver {
    async deviceKey(credentials, ctx) {
        const { device } = credentials;
        if (!(await ctx.access.may(device.organizationId, index_js_1.Permission.SECRETS)))
            throw (0, index_js_1.forbiddenFor)(index_js_1.Permission.SECRETS, (await ctx.access.roleIn(device.organizationId)) ?? index_js_1.OrganizationRole.VIEWER);
        return device.authType === device_entity_js_1.DeviceAuthType.TOKEN ? ctx.loaders.deviceKey.load(device.id) : null;
    }
};
exports.DeviceCredentialsResolver = DeviceCredentialsResolver;
__decorate([
    (0, type_graphql_1.FieldResolver)(() => String, { nullable: true, description: 'The MQTT password (DEVELOPER or higher; FORBIDDEN for VIEWER); null for CERTIFICATE devices.' }),
    __param(0, (0, type_graphql_1.Root)()),
    __param(1, (0, type_graphql_1.Ctx)()),
    __metadata("design:type", Function),
    __metadata("design:paramtypes", [DeviceCredentials, Object]),
    __metadata("design:returntype", Promise)
], DeviceCredentialsResolver.prototype, "deviceKey", null);
exports.DeviceCredentialsResolver = DeviceCredentialsResolver = __decorate([
    (0, type_graphql_1.Resolver)(() => DeviceCredentials)
], DeviceCredentialsResolver);
//# sourceMappingURL=device.resolver.js.map