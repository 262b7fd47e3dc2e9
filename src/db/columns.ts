import type { ValueTransformer } from 'typeorm';

/**
 * Timestamps are stored as epoch milliseconds (bigint) so that SQLite and PostgreSQL behave the same:
 * no time-zone conversion, exact ordering and range filters, and simple keyset cursors.
 */
export const epochMs: ValueTransformer = {
  to: (value: Date | null | undefined) => (value == null ? value : value.getTime()),
  from: (value: string | number | null) => (value == null ? null : new Date(Number(value))),
};

/** JSON stored as text on both databases. */
export const jsonText: ValueTransformer = {
  to: (value: unknown) => (value === undefined ? undefined : value === null ? null : JSON.stringify(value)),
  from: (value: string | null) => (value == null ? null : (JSON.parse(value) as unknown)),
};

/** Column options for an epoch-millisecond timestamp. */
export const timestampColumn = (nullable = false) => ({ type: 'bigint' as const, transformer: epochMs, nullable });
