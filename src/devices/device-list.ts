import type { DataSource, Repository } from 'typeorm';

import { type KeysetOptions, keysetQuery, type Page, searchPattern, type SortDirection, toPage } from '../common/index.js';
import { hydrate, selectAllColumns } from '../db/index.js';
import type { DeviceAuthType, DeviceEntity, DeviceStatus } from './device.entity.js';

export enum DeviceSortField {
  NAME = 'NAME',
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  LAST_CONNECTED_AT = 'LAST_CONNECTED_AT',
  DEVICE_NUMBER = 'DEVICE_NUMBER',
}

export interface DeviceQuery {
  search?: string | null;
  status?: DeviceStatus | null;
  authType?: DeviceAuthType | null;
  sortField?: DeviceSortField | null;
  direction?: SortDirection | null;
  first?: number | null;
  after?: string | null;
}

const SORTS: Record<DeviceSortField, { sql: string; key: (d: DeviceEntity) => string | number }> = {
  NAME: { sql: 'd.name', key: (d) => d.name },
  CREATED_AT: { sql: 'd.created_at', key: (d) => d.createdAt.getTime() },
  UPDATED_AT: { sql: 'd.updated_at', key: (d) => d.updatedAt.getTime() },
  LAST_CONNECTED_AT: { sql: 'COALESCE(d.last_connected_at, 0)', key: (d) => d.lastConnectedAt?.getTime() ?? 0 },
  DEVICE_NUMBER: { sql: 'd.device_number', key: (d) => d.deviceNumber },
};

/** An organization's devices: search by name, filter, sort, keyset paging. */
export async function listDevices(ds: DataSource, repo: Repository<DeviceEntity>, organizationId: string, q: DeviceQuery): Promise<Page<DeviceEntity>> {
  const qb = repo.createQueryBuilder('d').where('d.organization_id = :organizationId', { organizationId });
  const pattern = searchPattern(q.search);
  if (pattern) qb.andWhere(`LOWER(d.name) LIKE :pattern ESCAPE '\\'`, { pattern });
  if (q.status) qb.andWhere('d.status = :status', { status: q.status });
  if (q.authType) qb.andWhere('d.auth_type = :authType', { authType: q.authType });
  const field = q.sortField ?? DeviceSortField.CREATED_AT;
  const sort = SORTS[field];
  const direction = q.direction ?? (field === DeviceSortField.NAME || field === DeviceSortField.DEVICE_NUMBER ? 'ASC' : 'DESC');
  const o: KeysetOptions<DeviceEntity> = {
    kind: `devices:${field}:${direction}`,
    sortSql: sort.sql,
    idColumn: 'd.id',
    direction,
    keyOf: sort.key,
    first: q.first,
    after: q.after,
  };
  // Plain rows hydrated like the reads of history (no query-builder entity transformation: the hottest list of the API).
  const [sql, params] = selectAllColumns(repo, keysetQuery(qb, o)).getQueryAndParameters();
  const rows = ((await ds.query(sql, params)) as Array<Record<string, unknown>>).map((raw) => hydrate(repo, raw));
  return toPage(rows, o, () => qb.getCount());
}
