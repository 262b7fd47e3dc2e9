/**
 * The root value of subscription operations: the app's resolvers. type-graphql runs a `@Subscription`'s `subscribe`
 * option without the resolver instance (it gets `{ source, args, context, info }`, `source` being the root value),
 * so the subscribe asks the root for its resolver: services still reach resolvers through their constructors only.
 */
export class SubscriptionRoot {
  constructor(private readonly resolvers: { get(cls: unknown): unknown }) {}

  resolver<T>(cls: abstract new (...args: never[]) => T): T {
    return this.resolvers.get(cls) as T;
  }
}

/** The resolver instance of `cls`, from the subscription's root value (see SubscriptionRoot). */
export function resolverOf<T>(source: unknown, cls: abstract new (...args: never[]) => T): T {
  if (!(source instanceof SubscriptionRoot)) throw new Error(`subscription ${cls.name} run without the app's SubscriptionRoot`);
  return source.resolver(cls);
}
