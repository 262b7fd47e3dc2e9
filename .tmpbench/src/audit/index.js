"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.diff = exports.AuditService = exports.AuditResolver = exports.AuditEntryEntity = exports.AuditActorType = exports.AuditAction = void 0;
var audit_entity_js_1 = require("./audit.entity.js");
Object.defineProperty(exports, "AuditAction", { enumerable: true, get: function () { return audit_entity_js_1.AuditAction; } });
Object.defineProperty(exports, "AuditActorType", { enumerable: true, get: function () { return audit_entity_js_1.AuditActorType; } });
Object.defineProperty(exports, "AuditEntryEntity", { enumerable: true, get: function () { return audit_entity_js_1.AuditEntryEntity; } });
var audit_resolver_js_1 = require("./audit.resolver.js");
Object.defineProperty(exports, "AuditResolver", { enumerable: true, get: function () { return audit_resolver_js_1.AuditResolver; } });
var audit_service_js_1 = require("./audit.service.js");
Object.defineProperty(exports, "AuditService", { enumerable: true, get: function () { return audit_service_js_1.AuditService; } });
Object.defineProperty(exports, "diff", { enumerable: true, get: function () { return audit_service_js_1.diff; } });
//# sourceMappingURL=index.js.map