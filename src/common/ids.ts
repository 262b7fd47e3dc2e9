import crypto from 'node:crypto';

export const newId = (): string => crypto.randomUUID();

/** Random lower-case hex of the given length (even), e.g. device numbers and keys as in the seed guide. */
export const randomHex = (length: number): string =>
  crypto
    .randomBytes(Math.ceil(length / 2))
    .toString('hex')
    .slice(0, length);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID_RE.test(value);

let lastMs = 0;
let seq = 0;
const pool = Buffer.alloc(8 * 512);
let poolOffset = pool.length;

/**
 * A UUIDv7-shaped id whose string order is its creation order within this process (48-bit millisecond
 * time, then a 12-bit counter, then random bits). Rows sorted by `(time, id)` therefore keep the order
 * in which they were recorded, even within one millisecond: cursors never skip a row written later
 * with the same timestamp.
 */
export function sortableId(now = Date.now()): string {
  let ms = Math.max(now, lastMs);
  if (ms === lastMs) {
    seq += 1;
    if (seq > 0xfff) {
      ms += 1;
      seq = 0;
    }
  } else {
    seq = 0;
  }
  lastMs = ms;
  const time = ms.toString(16).padStart(12, '0');
  if (poolOffset + 8 > pool.length) {
    crypto.randomFillSync(pool);
    poolOffset = 0;
  }
  const rand = pool.subarray(poolOffset, poolOffset + 8);
  poolOffset += 8;
  const variant = (0x8 | (rand[0]! & 0x3)).toString(16);
  const tail = rand.toString('hex');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${seq.toString(16).padStart(3, '0')}-${variant}${tail.slice(1, 4)}-${tail.slice(4, 16)}`;
}
