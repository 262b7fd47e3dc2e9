import 'reflect-metadata';

import { Column, type DataSource, Entity, type EntityManager, PrimaryColumn } from 'typeorm';

const ROW_ID = 1;

/**
 * One row counting credential changes (device blocked, key regenerated, credentials changed, device deleted,
 * certificate revoked or unbound). Each change bumps it in its own transaction and announces the new value with its
 * registry event, so an instance that finds the counter ahead of the events it has seen knows it missed some.
 */
@Entity({ name: 'registry_generation' })
export class RegistryGenerationEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  generation!: number;
}

/**
 * Bumps the counter inside the caller's transaction and returns the new value. The row stays locked until the
 * transaction ends, so concurrent changes get consecutive values in commit order: call it last in the transaction.
 */
export async function bumpRegistryGeneration(m: EntityManager): Promise<number> {
  await m.increment(RegistryGenerationEntity, { id: ROW_ID }, 'generation', 1);
  return (await m.findOneByOrFail(RegistryGenerationEntity, { id: ROW_ID })).generation;
}

/** The committed counter. */
export async function readRegistryGeneration(ds: DataSource): Promise<number> {
  return (await ds.manager.findOneByOrFail(RegistryGenerationEntity, { id: ROW_ID })).generation;
}
