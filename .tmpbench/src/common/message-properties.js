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
Object.defineProperty(exports, "__esModule", { value: true });
exports.MessageProperties = exports.UserProperty = void 0;
exports.messageProperties = messageProperties;
exports.packetProperties = packetProperties;
const type_graphql_1 = require("type-graphql");
/** A user property of an MQTT 5 message (MQTT 5.0 §3.3.2.3.7); a key may repeat. */
let UserProperty = class UserProperty {
};
exports.UserProperty = UserProperty;
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], UserProperty.prototype, "key", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", String)
], UserProperty.prototype, "value", void 0);
exports.UserProperty = UserProperty = __decorate([
    (0, type_graphql_1.ObjectType)('UserProperty'),
    (0, type_graphql_1.InputType)('UserPropertyInput')
], UserProperty);
/** The MQTT 5 properties an application sees on a PUBLISH, or sends with one (MQTT 5.0 §3.3.2.3). */
let MessageProperties = class MessageProperties {
};
exports.MessageProperties = MessageProperties;
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], MessageProperties.prototype, "contentType", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, description: '0: unspecified bytes, 1: UTF-8 text.' }),
    __metadata("design:type", Object)
], MessageProperties.prototype, "payloadFormatIndicator", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], MessageProperties.prototype, "responseTopic", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true, description: 'Correlation data, base64.' }),
    __metadata("design:type", Object)
], MessageProperties.prototype, "correlationData", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int, { nullable: true, description: 'Message expiry interval, seconds.' }),
    __metadata("design:type", Object)
], MessageProperties.prototype, "messageExpiryInterval", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => [UserProperty], { nullable: true }),
    __metadata("design:type", Object)
], MessageProperties.prototype, "userProperties", void 0);
exports.MessageProperties = MessageProperties = __decorate([
    (0, type_graphql_1.ObjectType)('MessageProperties', { description: 'MQTT 5 PUBLISH properties (null fields: not sent).' }),
    (0, type_graphql_1.InputType)('MessagePropertiesInput', { description: 'MQTT 5 PUBLISH properties to send (MQTT 5 sessions only).' })
], MessageProperties);
/** The properties worth keeping from a PUBLISH, or null when it carried none. */
function messageProperties(p) {
    if (!p)
        return null;
    const out = {};
    if (p.contentType !== undefined)
        out.contentType = p.contentType;
    if (p.payloadFormatIndicator !== undefined)
        out.payloadFormatIndicator = Number(p.payloadFormatIndicator);
    if (p.responseTopic !== undefined)
        out.responseTopic = p.responseTopic;
    if (p.correlationData !== undefined)
        out.correlationData = Buffer.from(p.correlationData).toString('base64');
    if (p.messageExpiryInterval !== undefined)
        out.messageExpiryInterval = p.messageExpiryInterval;
    if (p.userProperties) {
        out.userProperties = Object.entries(p.userProperties).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((value) => ({ key, value: String(value) })));
    }
    return Object.keys(out).length ? out : null;
}
/** The mqtt-packet form of stored or GraphQL-given properties (for publishing them). */
function packetProperties(m) {
    if (!m)
        return undefined;
    const out = {};
    if (m.contentType != null)
        out.contentType = m.contentType;
    if (m.payloadFormatIndicator != null)
        out.payloadFormatIndicator = m.payloadFormatIndicator === 1;
    if (m.responseTopic != null)
        out.responseTopic = m.responseTopic;
    if (m.correlationData != null)
        out.correlationData = Buffer.from(m.correlationData, 'base64');
    if (m.messageExpiryInterval != null)
        out.messageExpiryInterval = m.messageExpiryInterval;
    if (m.userProperties?.length) {
        const u = {};
        for (const { key, value } of m.userProperties) {
            const prev = u[key];
            u[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
        }
        out.userProperties = u;
    }
    return Object.keys(out).length ? out : undefined;
}
//# sourceMappingURL=message-properties.js.map