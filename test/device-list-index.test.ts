/**
 * The device list's default order, (created_at DESC, id DESC) within an organization, is read from an index in that
 * order (migration 1764002600000): SQLite no longer sorts each page by id in a temporary B-tree.
 */
import { type DbKind, startTestApp } from './support/app.js';

const LIST = `SELECT d.id FROM devices d WHERE d.organization_id = 'o' ORDER BY d.created_at DESC, d.id DESC LIMIT 51`;

test.each<DbKind>(['sqlite', 'postgres'])('the owner index holds (organization_id, created_at, id) (%s)', async (db) => {
  const app = await startTestApp({ db });
  const ds = app.services.ds;
  try {
    if (db === 'sqlite') {
      const columns = (await ds.query(`PRAGMA index_info('ix_devices_owner_created')`)) as Array<{ name: string }>;
      expect(columns.map((c) => c.name)).toEqual(['organization_id', 'created_at', 'id']);
      const plan = ((await ds.query(`EXPLAIN QUERY PLAN ${LIST}`)) as Array<{ detail: string }>).map((r) => r.detail).join(' / ');
      expect(plan).toContain('ix_devices_owner_created');
      expect(plan).not.toContain('TEMP B-TREE');
    } else {
      const [{ indexdef }] = (await ds.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_devices_owner_created'`)) as Array<{ indexdef: string }>;
      expect(indexdef).toMatch(/\(organization_id, created_at, id\)/);
    }
  } finally {
    await app.close();
  }
});
