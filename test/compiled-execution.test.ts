/** Repeated queries run compiled by graphql-jit (src/graphql/compiled-execution.ts), with the answers of graphql-js. */
import { buildSchema, type DocumentNode, getIntrospectionQuery, GraphQLError, parse } from 'graphql';

import { CompiledExecution } from '../src/graphql/compiled-execution';
import { startTestApp, type TestApp } from './support/app';

class NotFound extends Error {
  readonly code = 'NOT_FOUND';
}

function schemaWithResolvers() {
  const schema = buildSchema('type Query { items(first: Int!): [Item!]! item(id: ID!): Item } type Item { id: ID! name: String! } type Mutation { touch: Int! }');
  const fields = schema.getQueryType()!.getFields();
  fields.items!.resolve = (_root, args: { first: number }) => Array.from({ length: args.first }, (_, i) => ({ id: `${i}`, name: `item ${i}` }));
  fields.item!.resolve = () => Promise.reject(new NotFound('Item not found'));
  let touched = 0;
  schema.getMutationType()!.getFields().touch!.resolve = () => ++touched;
  return schema;
}

describe('CompiledExecution (unit)', () => {
  const run = (x: CompiledExecution, doc: DocumentNode, variables?: Record<string, unknown>) => Promise.resolve(x.run(doc, null, {}, variables));

  it('runs a query through graphql-js first, then compiled, with the same result', async () => {
    const x = new CompiledExecution(schemaWithResolvers());
    const doc = parse('query ($n: Int!) { items(first: $n) { id name } }');
    const first = await run(x, doc, { n: 3 });
    expect(x.compiledCount).toBe(0);
    const second = await run(x, doc, { n: 3 });
    expect(x.compiledCount).toBe(1);
    expect(second).toEqual(first);
    expect(await run(x, doc, { n: 1 })).toEqual({ data: { items: [{ id: '0', name: 'item 0' }] } });
    expect(x.compiledCount).toBe(1);
  });

  it('never compiles a mutation (graphql-js keeps its serial execution)', async () => {
    const x = new CompiledExecution(schemaWithResolvers());
    const doc = parse('mutation { a: touch b: touch }');
    for (let i = 0; i < 3; i++) await run(x, doc);
    expect(x.compiledCount).toBe(0);
  });

  it("gives compiled errors as graphql-js GraphQLErrors: message, path, locations and the resolver's error", async () => {
    const x = new CompiledExecution(schemaWithResolvers());
    const { executor } = await x.load();
    const source = '{\n  item(id: "1") { id }\n}';
    const document = parse(source);
    const context = { document, source, operationName: null, context: {}, request: {} } as unknown as Parameters<typeof executor>[0];
    const viaJs = await executor(context);
    const viaJit = await executor(context);
    expect(x.compiledCount).toBe(1);
    for (const r of [viaJs, viaJit]) {
      const error = r.errors![0]!;
      expect(error).toBeInstanceOf(GraphQLError);
      expect(Object.prototype.hasOwnProperty.call(error, 'nodes')).toBe(true);
      expect(error.originalError).toBeInstanceOf(NotFound);
      expect(error.toJSON()).toEqual({ message: 'Item not found', path: ['item'], locations: [{ line: 2, column: 3 }] });
    }
  });
});

describe('CompiledExecution in the app', () => {
  let app: TestApp;
  let token: string;
  beforeAll(async () => {
    app = await startTestApp();
    token = (await app.gql('mutation { signUp(email: "jit@example.com", password: "correct horse battery") { token } }')).data.signUp.token;
    for (let i = 0; i < 3; i++) await app.gql(`mutation { createDevice(input: { name: "jit ${i}" }) { id } }`, {}, token);
  });
  afterAll(() => app.stop());

  it('answers variables that do not coerce with 400 BAD_USER_INPUT on every run, and introspection the same each time', async () => {
    const query = 'query ($n: Int!) { devices(first: $n) { totalCount } }';
    for (const variables of [{ n: 'x' }, {}, { n: 'x' }, {}]) {
      const r = await app.gql(query, variables, token);
      expect(r.status).toBe(400);
      expect(r.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(r.errors![0]!.message).toMatch(/^Variable "\$n"/);
    }
    expect((await app.gql(query, { n: 2 }, token)).data.devices.totalCount).toBe(3);
    const introspection = getIntrospectionQuery();
    const first = await app.gql(introspection, {}, token);
    expect(first.data.__schema.queryType.name).toBe('Query');
    for (let i = 0; i < 2; i++) expect(await app.gql(introspection, {}, token)).toEqual(first);
  });

  it('answers a repeated list query and a repeated error the same way on every run', async () => {
    const list = '{ devices(first: 2) { totalCount nodes { id name credentials { deviceKey } lastConnectedAt } edges { cursor } pageInfo { endCursor hasNextPage } } }';
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await app.gql(list, {}, token));
    expect(answers[0]!.data.devices.nodes).toHaveLength(2);
    expect(answers[0]!.data.devices.totalCount).toBe(3);
    expect(answers[0]!.data.devices.pageInfo).toEqual({ endCursor: answers[0]!.data.devices.edges[1].cursor, hasNextPage: true });
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    const missing = 'query ($id: ID!) { device(id: $id) { id } }';
    for (let i = 0; i < 3; i++) {
      const r = await app.gql(missing, { id: '00000000-0000-4000-8000-000000000000' }, token);
      expect(r.errors).toEqual([{ message: 'Device not found', locations: [{ line: 1, column: 20 }], path: ['device'], extensions: { code: 'NOT_FOUND' } }]);
    }
  });
});
