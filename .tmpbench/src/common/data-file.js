"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.readOrCreateDataFile = readOrCreateDataFile;
const node_fs_1 = __importDefault(require("node:fs"));
const node_path_1 = __importDefault(require("node:path"));
/**
 * The trimmed contents of `<dataDir>/<name>`, written with `generate()` first when the file is missing or blank.
 * When several processes start at once, the first to create the file wins and every one reads its value.
 */
function readOrCreateDataFile(dataDir, name, generate, mode = 0o644) {
    const file = node_path_1.default.join(dataDir, name);
    node_fs_1.default.mkdirSync(dataDir, { recursive: true });
    let existing = null;
    try {
        existing = node_fs_1.default.readFileSync(file, 'utf8').trim();
    }
    catch (err) {
        if (err.code !== 'ENOENT')
            throw err;
    }
    if (existing)
        return existing;
    try {
        node_fs_1.default.writeFileSync(file, generate() + '\n', { mode, flag: existing === null ? 'wx' : 'w' });
    }
    catch (err) {
        // Another process created it first: use theirs.
        if (err.code !== 'EEXIST')
            throw err;
    }
    return node_fs_1.default.readFileSync(file, 'utf8').trim();
}
//# sourceMappingURL=data-file.js.map