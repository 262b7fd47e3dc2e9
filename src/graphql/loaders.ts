import DataLoader from 'dataloader';

/**
 * Per-request batching loaders: one query per relation per request, not per row. Each feature makes its own on first
 * use under a key of its own (`ctx.loaders.get('devices.byId', (ids) => devices.byIds(ids))`), so this module knows
 * no feature. A subscription's context lives as long as the subscription, so there `cache` is off: each event
 * batches its own loads and sees current data.
 */
export class RequestLoaders {
  private readonly loaders = new Map<string, DataLoader<unknown, unknown>>();

  constructor(private readonly cache = true) {}

  /** The request's loader under `key`, made from `batch` the first time (the same key always means the same batch). */
  get<K, V>(key: string, batch: DataLoader.BatchLoadFn<K, V>): DataLoader<K, V> {
    let loader = this.loaders.get(key) as DataLoader<K, V> | undefined;
    if (!loader) {
      loader = new DataLoader(batch, { cache: this.cache });
      this.loaders.set(key, loader as DataLoader<unknown, unknown>);
    }
    return loader;
  }
}
