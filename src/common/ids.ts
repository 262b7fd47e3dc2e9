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
/** Random bytes and the same bytes as hex, consumed 8 per id (refilled every 512 ids). */
let randomPool = Buffer.alloc(0);
let randomPoolHex = '';
let randomOffset = 0;
/** `<time 8>-<time 4>-7` of the last millisecond an id was made in. */
let headMs = -1;
let head = '';
/** Hex of the 12-bit counter, padded, and the variant nibble (`10xx`) by its two random bits. */
const SEQ_HEX = Array.from({ length: 0x1000 }, (_v, i) => i.toString(16).padStart(3, '0'));
const VARIANT_HEX = ['8', '9', 'a', 'b'];

/**
 * A UUIDv7-shaped id whose string order is its creation order within this process (48-bit millisecond
 * time, then a 12-bit counter, then random bits). Rows sorted by `(time, id)` therefore keep the order
 * in which they were recorded, even within one millisecond: cursors never skip a row written later
 * with the same timestamp. (One per stored message: the time part is formatted once per millisecond and the
 * random part sliced from a hex string made once per 512 ids.)
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
  if (ms !== headMs) {
    const time = ms.toString(16).padStart(12, '0');
    head = `${time.slice(0, 8)}-${time.slice(8, 12)}-7`;
    headMs = ms;
  }
  if (randomOffset + 8 > randomPool.length) {
    randomPool = crypto.randomBytes(8 * 512);
    randomPoolHex = randomPool.toString('hex');
    randomOffset = 0;
  }
  const at = randomOffset;
  randomOffset += 8;
  const h = 2 * at;
  return `${head}${SEQ_HEX[seq]}-${VARIANT_HEX[randomPool[at]! & 0x3]}${randomPoolHex.slice(h + 1, h + 4)}-${randomPoolHex.slice(h + 4, h + 16)}`;
}
