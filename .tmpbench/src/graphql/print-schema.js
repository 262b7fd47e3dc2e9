"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.schemaSdl = schemaSdl;
const graphql_1 = require("graphql");
const schema_js_1 = require("./schema.js");
/** The SDL checked in as schema/schema.graphql. */
async function schemaSdl() {
    return (0, graphql_1.printSchema)((0, graphql_1.lexicographicSortSchema)(await (0, schema_js_1.createSchema)())) + '\n';
}
if (require.main === module) {
    schemaSdl().then((sdl) => process.stdout.write(sdl), (err) => {
        console.error(err);
        process.exitCode = 1;
    });
}
//# sourceMappingURL=print-schema.js.map