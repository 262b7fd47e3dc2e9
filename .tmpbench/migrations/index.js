"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.migrations = void 0;
const _1764000000000_Foundation_js_1 = require("./1764000000000-Foundation.js");
const _1764000200000_Certificates_js_1 = require("./1764000200000-Certificates.js");
const _1764000300000_MessageServer_js_1 = require("./1764000300000-MessageServer.js");
const _1764000400000_ConnectedInstance_js_1 = require("./1764000400000-ConnectedInstance.js");
const _1764000500000_MessageProperties_js_1 = require("./1764000500000-MessageProperties.js");
const _1764000600000_StorageProbe_js_1 = require("./1764000600000-StorageProbe.js");
const _1764001200000_ConnectionLogCount_js_1 = require("./1764001200000-ConnectionLogCount.js");
const _1764001300000_TopicPrefix_js_1 = require("./1764001300000-TopicPrefix.js");
const _1764001400000_RegistryGeneration_js_1 = require("./1764001400000-RegistryGeneration.js");
const _1764001700000_DeviceLatest_js_1 = require("./1764001700000-DeviceLatest.js");
const _1764001900000_EventDirection_js_1 = require("./1764001900000-EventDirection.js");
const _1764002000000_Organizations_js_1 = require("./1764002000000-Organizations.js");
/** Every migration, in order. Listed explicitly so the same list works from ts-jest and from dist/. */
exports.migrations = [
    _1764000000000_Foundation_js_1.Foundation1764000000000,
    _1764000200000_Certificates_js_1.Certificates1764000200000,
    _1764000300000_MessageServer_js_1.MessageServer1764000300000,
    _1764000400000_ConnectedInstance_js_1.ConnectedInstance1764000400000,
    _1764000500000_MessageProperties_js_1.MessageProperties1764000500000,
    _1764000600000_StorageProbe_js_1.StorageProbe1764000600000,
    _1764001200000_ConnectionLogCount_js_1.ConnectionLogCount1764001200000,
    _1764001300000_TopicPrefix_js_1.TopicPrefix1764001300000,
    _1764001400000_RegistryGeneration_js_1.RegistryGeneration1764001400000,
    _1764001700000_DeviceLatest_js_1.DeviceLatest1764001700000,
    _1764001900000_EventDirection_js_1.EventDirection1764001900000,
    _1764002000000_Organizations_js_1.Organizations1764002000000,
];
//# sourceMappingURL=index.js.map