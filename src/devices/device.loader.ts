import type { RequestLoaders } from '../graphql/index.js';
import type { DeviceEntity } from './device.entity.js';
import type { DeviceService } from './device.service.js';

/**
 * A device by id through the request's loader (one query per request, not per row), whoever owns it: callers load
 * only ids they reached through the caller's own objects.
 */
export function loadDevice(loaders: RequestLoaders, devices: DeviceService, id: string): Promise<DeviceEntity | null> {
  return loaders.get('devices.byId', (ids: readonly string[]) => devices.byIds(ids)).load(id);
}
