/** Subscription events run the selection compiled by graphql-jit (src/graphql/shared-execution.ts), with graphql-js's answers. */
import { buildSchema, execute, type ExecutionArgs, type ExecutionResult, GraphQLError, parse } from 'graphql';

import { SharedExecution } from '../src/graphql/shared-execution';

class Denied extends Error {
  readonly code = 'FORBIDDEN';
}

interface Event {
  id: string;
  n: number;
}

/** A schema whose subscription yields the given events; `secret` always fails, `double` reads its argument. */
function schemaFor(events: Event[]) {
  const schema = buildSchema(`
    type Query { ok: Boolean }
    type Event { id: ID! n: Int! double(times: Int!): Int! secret: String }
    type Subscription { eventAdded(min: Int): Event! }
  `);
  const field = schema.getSubscriptionType()!.getFields().eventAdded!;
  field.subscribe = async function* (_root, args: { min?: number | null }) {
    for (const e of events) if (args.min == null || e.n >= args.min) yield e;
  };
  field.resolve = (event: Event) => event;
  const type = schema.getType('Event') as unknown as { getFields(): Record<string, { resolve?: (e: Event, a: { times: number }) => unknown }> };
  type.getFields().double!.resolve = (e, a) => e.n * a.times;
  type.getFields().secret!.resolve = () => Promise.reject(new Denied('not yours'));
  return schema;
}

async function collect(result: AsyncIterableIterator<ExecutionResult> | ExecutionResult): Promise<ExecutionResult[]> {
  if (!(Symbol.asyncIterator in result)) throw new Error('not a stream');
  const out: ExecutionResult[] = [];
  for await (const r of result) out.push(r);
  return out;
}

describe('SharedExecution (unit)', () => {
  const events: Event[] = [
    { id: 'a', n: 1 },
    { id: 'b', n: 2 },
    { id: 'c', n: 3 },
  ];
  const document = parse('subscription ($min: Int, $t: Int!) { eventAdded(min: $min) { id n double(times: $t) } }');

  it('compiles a subscription once per document and answers what graphql-js answers for each event', async () => {
    const schema = schemaFor(events);
    const shared = new SharedExecution();
    const args: ExecutionArgs = { schema, document, variableValues: { min: 2, t: 10 }, contextValue: {} };
    const results = await collect(await shared.subscribe(args, null));
    const expected = await Promise.all(events.filter((e) => e.n >= 2).map((e) => execute({ ...args, rootValue: e })));
    expect(results).toEqual(expected);
    expect(results.map((r) => r.data)).toEqual([{ eventAdded: { id: 'b', n: 2, double: 20 } }, { eventAdded: { id: 'c', n: 3, double: 30 } }]);
    await collect(await shared.subscribe({ ...args, variableValues: { t: 1 } }, 'another key'));
    expect(shared.compiledCount).toBe(1);
  });

  it('keeps a field error as graphql-js reports it: path and the original error (formatError reads its code)', async () => {
    const schema = schemaFor(events.slice(0, 1));
    const shared = new SharedExecution();
    const doc = parse('subscription { eventAdded { id secret } }');
    const [result] = await collect(await shared.subscribe({ schema, document: doc, contextValue: {} }, 'k'));
    expect(shared.compiledCount).toBe(1);
    expect(result!.data).toEqual({ eventAdded: { id: 'a', secret: null } });
    const error = result!.errors![0]!;
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.path).toEqual(['eventAdded', 'secret']);
    expect(error.message).toBe('not yours');
    expect(error.originalError).toBeInstanceOf(Denied);
  });
});
