"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.createLoaders = createLoaders;
exports.buildContext = buildContext;
exports.userId = userId;
const dataloader_1 = __importDefault(require("dataloader"));
const errors_js_1 = require("../common/errors.js");
const index_js_1 = require("../access/index.js");
/**
 * Loaders for one request. A subscription's context lives as long as the subscription, so there `cache` is off:
 * each event batches its own loads and sees current data.
 */
function createLoaders(services, { cache = true } = {}) {
    const options = { cache };
    return {
        deviceKey: new dataloader_1.default(async (ids) => {
            const keys = await services.credentials.keysFor(ids);
            return ids.map((id) => keys.get(id) ?? null);
        }, options),
        device: new dataloader_1.default((ids) => services.devices.byIds(ids), options),
        certificateDevices: new dataloader_1.default(async (ids) => {
            const map = await services.certificates.devicesFor(ids);
            return ids.map((id) => map.get(id) ?? []);
        }, options),
        deviceCertificates: new dataloader_1.default(async (ids) => {
            const map = await services.certificates.certificatesFor(ids);
            return ids.map((id) => map.get(id) ?? []);
        }, options),
        user: new dataloader_1.default((ids) => services.users.byIds(ids), options),
        latestValues: new dataloader_1.default(async (ids) => {
            const latest = services.deviceEvents.latest;
            const map = latest ? await latest.forDevices(ids) : new Map();
            return ids.map((id) => map.get(id) ?? []);
        }, options),
    };
}
/**
 * Resolves the caller. Invalid credentials do not fail the whole request (public operations such as logIn and
 * introspection still work); any field that needs a user answers UNAUTHENTICATED.
 */
async function buildContext(services, authorization, remoteAddress) {
    const loaders = createLoaders(services);
    const base = { services, loaders, ...(remoteAddress !== undefined ? { remoteAddress } : {}) };
    try {
        const principal = await services.users.authenticate(authorization);
        return { principal, access: new index_js_1.RequestAccess(services.access, principal, undefined, remoteAddress), ...base };
    }
    catch (err) {
        if (err instanceof errors_js_1.AppError)
            return { principal: null, authError: err, access: new index_js_1.RequestAccess(services.access, null, err, remoteAddress), ...base };
        throw err;
    }
}
/** The calling user's id, or UNAUTHENTICATED. */
function userId(ctx) {
    return ctx.access.caller().userId;
}
//# sourceMappingURL=context.js.map