"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MAX_NAME_LENGTH = void 0;
exports.checkName = checkName;
exports.searchPattern = searchPattern;
const errors_js_1 = require("./errors.js");
const pagination_js_1 = require("./pagination.js");
/** Longest display name (devices, certificates, API keys) and search text. */
exports.MAX_NAME_LENGTH = 100;
/** A display name: trimmed, not empty, at most MAX_NAME_LENGTH characters; else BAD_USER_INPUT. */
function checkName(raw, field = 'name') {
    const name = raw.trim();
    if (!name)
        throw (0, errors_js_1.badInput)(`${field} must not be empty`, field);
    if (name.length > exports.MAX_NAME_LENGTH)
        throw (0, errors_js_1.badInput)(`${field} must be at most ${exports.MAX_NAME_LENGTH} characters`, field);
    return name;
}
/**
 * A case-insensitive "contains" search as a LIKE pattern (use with `LOWER(column) LIKE :pattern ESCAPE '\'`),
 * or null when the search is blank. LIKE wildcards in the text match literally.
 */
function searchPattern(raw) {
    const search = raw?.trim();
    if (!search)
        return null;
    if (search.length > exports.MAX_NAME_LENGTH)
        throw (0, errors_js_1.badInput)(`search must be at most ${exports.MAX_NAME_LENGTH} characters`, 'search');
    return `%${(0, pagination_js_1.escapeLike)(search.toLowerCase())}%`;
}
//# sourceMappingURL=validate.js.map