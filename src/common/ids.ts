import crypto from 'node:crypto';

export const newId = (): string => crypto.randomUUID();

/** Random lower-case hex of the given length (even), e.g. device numbers and keys as in the seed guide. */
export const randomHex = (length: number): string => crypto.randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID_RE.test(value);
