import 'reflect-metadata';

export { apolloHandler } from './apollo-http.js';
export { CompiledExecution } from './compiled-execution.js';
export { buildContext, type Callers, type GraphQLContext, userId } from './context.js';
export { DOCUMENT_CACHE_BYTES, ParsedDocumentStore } from './document-store.js';
export { graphiqlRouter } from './graphiql.js';
export { costLimitPlugin, jsonErrorHandler, jsonNotFound } from './http.js';
export { isPlainJsonPost, jsonPostHandler } from './json-post.js';
export { RequestLoaders } from './loaders.js';
export { InternalErrors, observabilityPlugin } from './observability-plugin.js';
export { type Connection, ConnectionType, SortDirectionEnum, toConnection } from './relay.js';
export { resolveToRoot } from './root-subscriptions.js';
export { selectedFieldNames } from './selection.js';
export { resolverOf, SubscriptionRoot } from './subscription-root.js';
export { attachSubscriptions } from './ws.js';
