import DataLoader from 'dataloader';
import { AppError } from '../common/errors.js';
import type { LatestValueEntity } from '../history/latest-value.entity.js';
import type { CertificateEntity } from '../certificates/certificate.entity.js';
import type { DeviceEntity } from '../devices/device.entity.js';
import type { Services } from '../app/services.js';
import type { UserEntity } from '../users/user.entity.js';
import { type Principal, RequestAccess } from '../access/index.js';

/** Per-request batching loaders: one query per relation per request, not per row. */
export interface Loaders {
  deviceKey: DataLoader<string, string | null>;
  /** Devices by id, whoever owns them: callers only load ids they reached through the caller's own objects. */
  device: DataLoader<string, DeviceEntity | null>;
  /** Devices bound to a certificate. */
  certificateDevices: DataLoader<string, DeviceEntity[]>;
  /** Certificates bound to a device. */
  deviceCertificates: DataLoader<string, CertificateEntity[]>;
  /** A device's latest value per topic. */
  latestValues: DataLoader<string, LatestValueEntity[]>;
  /** Users by id (organization members). */
  user: DataLoader<string, UserEntity | null>;
}

export interface GraphQLContext {
  principal: Principal | null;
  /** Why the credentials sent were refused; raised by the first operation that needs a user. */
  authError?: AppError;
  /** The caller's roles and the one place deciding what they may do (NOT_FOUND / FORBIDDEN). */
  access: RequestAccess;
  services: Services;
  loaders: Loaders;
  /** The caller's address (HTTP requests; see httpClientAddress), for throttling logins. */
  remoteAddress?: string;
  /** The HTTP request's id (x-request-id), for log lines. */
  requestId?: string;
}

/**
 * Loaders for one request. A subscription's context lives as long as the subscription, so there `cache` is off:
 * each event batches its own loads and sees current data.
 */
export function createLoaders(services: Services, { cache = true }: { cache?: boolean } = {}): Loaders {
  const options = { cache };
  return {
    deviceKey: new DataLoader(async (ids: readonly string[]) => {
      const keys = await services.credentials.keysFor(ids);
      return ids.map((id) => keys.get(id) ?? null);
    }, options),
    device: new DataLoader((ids: readonly string[]) => services.devices.byIds(ids), options),
    certificateDevices: new DataLoader(async (ids: readonly string[]) => {
      const map = await services.certificates.devicesFor(ids);
      return ids.map((id) => map.get(id) ?? []);
    }, options),
    deviceCertificates: new DataLoader(async (ids: readonly string[]) => {
      const map = await services.certificates.certificatesFor(ids);
      return ids.map((id) => map.get(id) ?? []);
    }, options),
    user: new DataLoader((ids: readonly string[]) => services.users.byIds(ids), options),
    latestValues: new DataLoader(async (ids: readonly string[]) => {
      const latest = services.deviceEvents.latest;
      const map = latest ? await latest.forDevices(ids) : new Map<string, LatestValueEntity[]>();
      return ids.map((id) => map.get(id) ?? []);
    }, options),
  };
}

/**
 * Resolves the caller. Invalid credentials do not fail the whole request (public operations such as logIn and
 * introspection still work); any field that needs a user answers UNAUTHENTICATED.
 */
export async function buildContext(services: Services, authorization: string | undefined | null, remoteAddress?: string): Promise<GraphQLContext> {
  const loaders = createLoaders(services);
  const base = { services, loaders, ...(remoteAddress !== undefined ? { remoteAddress } : {}) };
  try {
    const principal = await services.users.authenticate(authorization);
    return { principal, access: new RequestAccess(services.access, principal, undefined, remoteAddress), ...base };
  } catch (err) {
    if (err instanceof AppError) return { principal: null, authError: err, access: new RequestAccess(services.access, null, err, remoteAddress), ...base };
    throw err;
  }
}

/** The calling user's id, or UNAUTHENTICATED. */
export function userId(ctx: GraphQLContext): string {
  return ctx.access.caller().userId;
}
