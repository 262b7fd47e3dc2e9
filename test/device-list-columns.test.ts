/** A device list loads only the columns its selected fields read (src/devices/device-list.ts, src/graphql/selection.ts). */
import { buildSchema, execute, type GraphQLResolveInfo, parse } from 'graphql';

import { sqliteConnection } from '../src/db';
import { selectedFieldNames } from '../src/graphql/selection';
import { signUp, startTestApp, type TestApp } from './support/app';

it('selectedFieldNames: the fields under each path, through fragments and inline fragments, aliases by field name', async () => {
  const schema = buildSchema('type Query { list: Conn } type Conn { total: Int nodes: [Item] edges: [Edge] } type Edge { node: Item } type Item { a: Int b: Int c: Int d: Int }');
  let seen: Set<string> | null = null;
  schema.getQueryType()!.getFields().list!.resolve = (_root, _args, _ctx, info: GraphQLResolveInfo) => {
    seen = selectedFieldNames(info, [['nodes'], ['edges', 'node']]);
    return null;
  };
  await execute({
    schema,
    document: parse('{ list { total nodes { a x: b ...F } edges { node { ... on Item { c } } } } } fragment F on Item { __typename ...F }'),
  });
  expect([...seen!].sort()).toEqual(['__typename', 'a', 'b', 'c']);
});

describe('device list columns', () => {
  let app: TestApp;
  let token: string;
  const listSql: string[] = [];
  beforeAll(async () => {
    app = await startTestApp();
    ({ token } = await signUp(app));
    for (const name of ['b', 'a', 'c']) await app.gql(`mutation { createDevice(input: { name: "${name}", metadata: { k: "${name}" } }) { id } }`, {}, token);
  });
  afterAll(() => app.stop());

  /** The statements of the list (raw statements on SQLite when no transaction is open, else TypeORM's), by their SQL. */
  async function listing(query: string) {
    const statementProto = Object.getPrototypeOf(sqliteConnection(app.services.ds)!.prepare('SELECT 1')) as { all: (...params: unknown[]) => unknown[] };
    const spy = jest.spyOn(statementProto, 'all');
    try {
      const r = await app.gql(query, {}, token);
      expect(r.errors).toBeUndefined();
      const sources = spy.mock.contexts.map((statement) => String((statement as { source: string }).source));
      listSql.push(...sources.filter((sql) => sql.includes('FROM "devices"') && sql.includes('LIMIT')));
      return r.data.devices;
    } finally {
      spy.mockRestore();
    }
  }

  it('loads only the columns of simple fields and credentials, and pages by a sort key it loads', async () => {
    listSql.length = 0;
    const page = await listing('{ devices(first: 2, orderBy: { field: NAME }) { edges { cursor node { id name credentials { deviceNumber deviceKey } } } pageInfo { endCursor hasNextPage } } }');
    expect(page.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['a', 'b']);
    for (const e of page.edges) expect(e.node.credentials.deviceKey).toMatch(/^[0-9a-f]{36}$/);
    expect(listSql).toHaveLength(1);
    expect(listSql[0]).not.toContain('"metadata"');
    expect(listSql[0]).not.toContain('"description"');
    const next = await listing(`{ devices(first: 2, orderBy: { field: NAME }, after: "${page.pageInfo.endCursor}") { nodes { name } } }`);
    expect(next.nodes).toEqual([{ name: 'c' }]);
  });

  it('selects the same columns when the query runs compiled (graphql-jit, from its second run)', async () => {
    const query = '{ devices(first: 3, orderBy: { field: NAME }) { nodes { id name credentials { deviceKey } lastConnectedAt } } }';
    listSql.length = 0;
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await listing(query));
    expect(runs[0].nodes.map((n: { name: string }) => n.name)).toEqual(['a', 'b', 'c']);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(listSql).toHaveLength(3);
    for (const sql of listSql) expect(sql).not.toContain('"metadata"');
  });

  it('loads every column when a field another feature resolves is selected, with the same values as device(id)', async () => {
    listSql.length = 0;
    const fields = 'id name metadata status blocked createdAt updatedAt lastSeenAt active inactivityTimeout';
    const page = await listing(`{ devices(first: 3) { nodes { ${fields} } } }`);
    expect(listSql[0]).toContain('"metadata"');
    for (const node of page.nodes) {
      const one = await app.gql(`query ($id: ID!) { device(id: $id) { ${fields} } }`, { id: node.id }, token);
      expect(node).toEqual(one.data.device);
      expect(node.metadata).toEqual({ k: node.name });
    }
  });

  it('lists of different shapes one after another (filters, sort, cursor, page size) each get their own SQL and answer', async () => {
    const names = async (args: string) => (await listing(`{ devices(${args}) { nodes { name } } }`)).nodes.map((n: { name: string }) => n.name);
    const byName = await listing('{ devices(first: 1, orderBy: { field: NAME }) { pageInfo { endCursor } } }');
    for (let round = 0; round < 2; round++) {
      expect(await names('first: 3, orderBy: { field: NAME }')).toEqual(['a', 'b', 'c']);
      expect(await names('first: 3, orderBy: { field: NAME, direction: DESC }')).toEqual(['c', 'b', 'a']);
      expect(await names('first: 1, orderBy: { field: NAME }')).toEqual(['a']);
      expect(await names(`first: 3, orderBy: { field: NAME }, after: "${byName.pageInfo.endCursor}"`)).toEqual(['b', 'c']);
      expect(await names('first: 3, orderBy: { field: NAME }, filter: { search: "b" }')).toEqual(['b']);
      expect(await names('first: 3, orderBy: { field: NAME }, filter: { status: ONLINE }')).toEqual([]);
      expect(await names('first: 3, orderBy: { field: NAME }, filter: { status: OFFLINE, search: "c" }')).toEqual(['c']);
    }
  });
});
