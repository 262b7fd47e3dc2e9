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
exports.StoredMessage = exports.PayloadEncoding = void 0;
const type_graphql_1 = require("type-graphql");
const typeorm_1 = require("typeorm");
const columns_js_1 = require("../db/columns.js");
const message_properties_js_1 = require("../common/message-properties.js");
var PayloadEncoding;
(function (PayloadEncoding) {
    PayloadEncoding["UTF8"] = "UTF8";
    PayloadEncoding["BASE64"] = "BASE64";
})(PayloadEncoding || (exports.PayloadEncoding = PayloadEncoding = {}));
(0, type_graphql_1.registerEnumType)(PayloadEncoding, {
    name: 'PayloadEncoding',
    description: 'UTF8: the payload is valid UTF-8 text and given as is. BASE64: binary payload, base64-encoded.',
});
/** The columns (and GraphQL fields) of a stored PUBLISH, shared by device events and latest values. */
let StoredMessage = class StoredMessage {
};
exports.StoredMessage = StoredMessage;
__decorate([
    (0, type_graphql_1.Field)({ description: 'The payload: text when valid UTF-8, else base64 (see payloadEncoding).' }),
    (0, typeorm_1.Column)({ type: 'text' }),
    __metadata("design:type", String)
], StoredMessage.prototype, "payload", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => PayloadEncoding),
    (0, typeorm_1.Column)({ name: 'payload_encoding', type: 'varchar', length: 8 }),
    __metadata("design:type", String)
], StoredMessage.prototype, "payloadEncoding", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => type_graphql_1.Int),
    (0, typeorm_1.Column)({ type: 'integer' }),
    __metadata("design:type", Number)
], StoredMessage.prototype, "qos", void 0);
__decorate([
    (0, type_graphql_1.Field)(),
    (0, typeorm_1.Column)({ type: 'boolean' }),
    __metadata("design:type", Boolean)
], StoredMessage.prototype, "retain", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => message_properties_js_1.MessageProperties, { nullable: true, description: 'MQTT 5 properties of the PUBLISH; null when it carried none.' }),
    (0, typeorm_1.Column)({ type: 'text', nullable: true, transformer: columns_js_1.jsonText }),
    __metadata("design:type", Object)
], StoredMessage.prototype, "properties", void 0);
exports.StoredMessage = StoredMessage = __decorate([
    (0, type_graphql_1.ObjectType)({ description: "Columns of a stored PUBLISH (not exposed on its own)." })
], StoredMessage);
//# sourceMappingURL=stored-message.js.map