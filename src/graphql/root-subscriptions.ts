import type { GraphQLSchema } from 'graphql';

/**
 * Subscription fields whose resolver method returns the event it is given (`@Root()`) unchanged resolve to it
 * directly. type-graphql would otherwise wrap every call: it sorts and maps the method's parameters and gathers them
 * with `Promise.all` for each event (~8 % of what the fan-in bench allocates per stored message, one subscriber). The
 * features list their fields next to their resolvers; a name the schema lacks stops the start-up.
 */
export function resolveToRoot(schema: GraphQLSchema, fields: readonly string[]): void {
  const type = schema.getSubscriptionType();
  for (const name of fields) {
    const field = type?.getFields()[name];
    if (!field) throw new Error(`resolveToRoot: the schema has no subscription field ${name}`);
    field.resolve = (root: unknown) => root;
  }
}
