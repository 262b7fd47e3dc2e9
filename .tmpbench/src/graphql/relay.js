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
exports.PageInfo = exports.SortDirectionEnum = void 0;
exports.ConnectionType = ConnectionType;
exports.toConnection = toConnection;
const type_graphql_1 = require("type-graphql");
var SortDirectionEnum;
(function (SortDirectionEnum) {
    SortDirectionEnum["ASC"] = "ASC";
    SortDirectionEnum["DESC"] = "DESC";
})(SortDirectionEnum || (exports.SortDirectionEnum = SortDirectionEnum = {}));
(0, type_graphql_1.registerEnumType)(SortDirectionEnum, { name: 'SortDirection' });
let PageInfo = class PageInfo {
};
exports.PageInfo = PageInfo;
__decorate([
    (0, type_graphql_1.Field)(),
    __metadata("design:type", Boolean)
], PageInfo.prototype, "hasNextPage", void 0);
__decorate([
    (0, type_graphql_1.Field)({ description: 'Always false: paging is forward only (first/after).' }),
    __metadata("design:type", Boolean)
], PageInfo.prototype, "hasPreviousPage", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], PageInfo.prototype, "startCursor", void 0);
__decorate([
    (0, type_graphql_1.Field)(() => String, { nullable: true }),
    __metadata("design:type", Object)
], PageInfo.prototype, "endCursor", void 0);
exports.PageInfo = PageInfo = __decorate([
    (0, type_graphql_1.ObjectType)()
], PageInfo);
/** Relay-style connection and edge object types for a node type. */
function ConnectionType(name, node) {
    let EdgeType = class EdgeType {
    };
    __decorate([
        (0, type_graphql_1.Field)(),
        __metadata("design:type", String)
    ], EdgeType.prototype, "cursor", void 0);
    __decorate([
        (0, type_graphql_1.Field)(() => node),
        __metadata("design:type", Object)
    ], EdgeType.prototype, "node", void 0);
    EdgeType = __decorate([
        (0, type_graphql_1.ObjectType)(`${name}Edge`)
    ], EdgeType);
    let ConnectionClass = class ConnectionClass {
    };
    __decorate([
        (0, type_graphql_1.Field)(() => [EdgeType]),
        __metadata("design:type", Array)
    ], ConnectionClass.prototype, "edges", void 0);
    __decorate([
        (0, type_graphql_1.Field)(() => [node]),
        __metadata("design:type", Array)
    ], ConnectionClass.prototype, "nodes", void 0);
    __decorate([
        (0, type_graphql_1.Field)(() => PageInfo),
        __metadata("design:type", PageInfo)
    ], ConnectionClass.prototype, "pageInfo", void 0);
    __decorate([
        (0, type_graphql_1.Field)(() => type_graphql_1.Int, { description: 'Matching items across all pages.' }),
        __metadata("design:type", Promise)
    ], ConnectionClass.prototype, "totalCount", void 0);
    ConnectionClass = __decorate([
        (0, type_graphql_1.ObjectType)(`${name}Connection`)
    ], ConnectionClass);
    return ConnectionClass;
}
function toConnection(page) {
    const edges = page.items.map((node, i) => ({ node, cursor: page.cursors[i] }));
    return {
        edges,
        nodes: page.items,
        get totalCount() {
            return page.totalCount();
        },
        pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: false,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges.at(-1)?.cursor ?? null,
        },
    };
}
//# sourceMappingURL=relay.js.map