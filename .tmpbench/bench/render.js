"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
/** Re-renders the markdown table of a results JSON: `node dist/bench/render.js bench/results/<file>.json`. */
const node_fs_1 = __importDefault(require("node:fs"));
const report_js_1 = require("./lib/report.js");
const file = process.argv[2];
if (!file) {
    process.stderr.write('usage: node dist/bench/render.js <results.json>\n');
    process.exit(2);
}
const results = JSON.parse(node_fs_1.default.readFileSync(file, 'utf8'));
results.ratios = (0, report_js_1.computeRatios)(results);
process.stdout.write((0, report_js_1.markdown)(results));
//# sourceMappingURL=render.js.map