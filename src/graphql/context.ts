import DataLoader from 'dataloader';
import { unauthenticated } from '../common/errors.js';
import type { Services } from '../services.js';
import type { Principal } from '../users/user.service.js';

/** Per-request batching loaders: one query per relation per request, not per row. */
export interface Loaders {
  deviceKey: DataLoader<string, string | null>;
}

export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  loaders: Loaders;
}

export function createLoaders(services: Services): Loaders {
  return {
    deviceKey: new DataLoader(async (ids: readonly string[]) => {
      const keys = await services.credentials.keysFor(ids);
      return ids.map((id) => keys.get(id) ?? null);
    }),
  };
}

export async function buildContext(services: Services, authorization: string | undefined | null): Promise<GraphQLContext> {
  return { principal: await services.users.authenticate(authorization), services, loaders: createLoaders(services) };
}

/** The calling user's id, or UNAUTHENTICATED. */
export function userId(ctx: GraphQLContext): string {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal.userId;
}
