import { createPubSub, type PubSub } from '@graphql-yoga/subscription';

/**
 * Live events for GraphQL subscriptions. Topics are namespaced by owner (e.g. `deviceStatus:<ownerId>`),
 * so a subscriber can only ever listen to its own user's events. Features declare their topics here.
 */
export type PubSubTopics = Record<string, [unknown]>;

export type AppPubSub = PubSub<PubSubTopics>;

/** In-process pub/sub; scale-out replaces the event target with Redis. */
export function createAppPubSub(): AppPubSub {
  return createPubSub<PubSubTopics>();
}
