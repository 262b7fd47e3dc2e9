/** Subscription fields listed as resolving to their event (src/graphql/root-subscriptions.ts) really return it unchanged. */
import { buildSchema } from 'graphql';

import { resolverClasses, ROOT_SUBSCRIPTIONS } from '../src/app/schema';
import { resolveToRoot } from '../src/graphql/root-subscriptions';

describe('subscription fields that resolve to their root', () => {
  it.each([...ROOT_SUBSCRIPTIONS])('%s: its resolver method returns the event it is given', (name) => {
    const owners = resolverClasses.filter((cls) => typeof (cls.prototype as unknown as Record<string, unknown>)[name] === 'function');
    expect(owners).toHaveLength(1);
    const method = (owners[0]!.prototype as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!;
    const event = { marker: Symbol('event') };
    expect(method.call(Object.create(owners[0]!.prototype), event, 'x', 'y', 'z', 'w')).toBe(event);
  });

  it('sets a resolver that returns the root, and refuses a name the schema lacks', () => {
    const schema = buildSchema('type Query { ok: Boolean } type Subscription { added: String }');
    resolveToRoot(schema, ['added']);
    const resolve = schema.getSubscriptionType()!.getFields().added!.resolve!;
    expect(resolve('root', {}, undefined, undefined as never)).toBe('root');
    expect(() => resolveToRoot(schema, ['removed'])).toThrow(/no subscription field removed/);
  });
});
