"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.OrganizationService = exports.OrganizationResolver = exports.MemberResolver = exports.InvitationEntity = void 0;
var invitation_entity_js_1 = require("./invitation.entity.js");
Object.defineProperty(exports, "InvitationEntity", { enumerable: true, get: function () { return invitation_entity_js_1.InvitationEntity; } });
var organization_resolver_js_1 = require("./organization.resolver.js");
Object.defineProperty(exports, "MemberResolver", { enumerable: true, get: function () { return organization_resolver_js_1.MemberResolver; } });
Object.defineProperty(exports, "OrganizationResolver", { enumerable: true, get: function () { return organization_resolver_js_1.OrganizationResolver; } });
var organization_service_js_1 = require("./organization.service.js");
Object.defineProperty(exports, "OrganizationService", { enumerable: true, get: function () { return organization_service_js_1.OrganizationService; } });
//# sourceMappingURL=index.js.map