import 'reflect-metadata';

export { jsonText, timestampColumn } from './columns.js';
export { openDatabase } from './data-source.js';
export { StorageHealth, storageProbe } from './health.js';
export { createReadPool } from './read-pool.js';
export { Reader } from './reads.js';
export { bumpRegistryGeneration, readRegistryGeneration, RegistryGenerationEntity } from './registry-generation.js';
export { allColumnsInOrder, bindMark, cacheableChunks, columnsNamed, type EntityColumn, hydrate, hydrateValues, prepareRawEntityStatement, type RawEntityStatement, selectAllColumns } from './rows.js';
export { type SqliteConnection, sqliteConnection, type SqliteStatement } from './sqlite-writes.js';
export { WalCheckpointer } from './wal-checkpointer.js';
