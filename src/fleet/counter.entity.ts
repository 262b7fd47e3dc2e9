import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The counts kept per minute (bigint columns, read as numbers: exact up to 2^53). */
export interface Counts {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  connects: number;
  authFailures: number;
}

/** Each count and its column. */
export const COUNT_COLUMNS: ReadonlyArray<readonly [keyof Counts, string]> = [
  ['messagesIn', 'messages_in'],
  ['messagesOut', 'messages_out'],
  ['bytesIn', 'bytes_in'],
  ['bytesOut', 'bytes_out'],
  ['connects', 'connects'],
  ['authFailures', 'auth_failures'],
];

export const zeroCounts = (): Counts => ({ messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, connects: 0, authFailures: 0 });

const asNumber = { to: (v: number) => v, from: (v: string | number) => Number(v) };
const count = (name: string) => Column({ name, type: 'bigint', default: 0, transformer: asNumber });

/** The count columns, shared by both counter tables. */
export abstract class CountColumns implements Counts {
  @count('messages_in') messagesIn!: number;
  @count('messages_out') messagesOut!: number;
  @count('bytes_in') bytesIn!: number;
  @count('bytes_out') bytesOut!: number;
  @count('connects') connects!: number;
  @count('auth_failures') authFailures!: number;
}

/** One device's counts in one minute (`bucket`: epoch ms of the minute's start). */
@Entity({ name: 'device_counters' })
@Index('ix_device_counters_bucket', ['bucket'])
export class DeviceCounterEntity extends CountColumns {
  @PrimaryColumn({ name: 'device_id', type: 'varchar', length: 36 })
  deviceId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  bucket!: number;

  @Column({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;
}

/** One organization's counts in one minute: the sum of its devices' (kept apart, so fleet-wide reads stay small). */
@Entity({ name: 'organization_counters' })
@Index('ix_organization_counters_bucket', ['bucket'])
export class OrganizationCounterEntity extends CountColumns {
  @PrimaryColumn({ name: 'organization_id', type: 'varchar', length: 36 })
  organizationId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: asNumber })
  bucket!: number;
}
