import crypto from 'node:crypto';

import { readOrCreateDataFile } from '../common/index.js';

/**
 * Keys derived from the server secret. The secret itself is configured, or generated once into
 * `<dataDir>/server-secret` (mode 0600) and read back on later starts.
 */
export class Secrets {
  private readonly encKey: Buffer;
  private readonly hashKey: Buffer;
  readonly tokenKey: Buffer;

  constructor(master: Buffer) {
    if (master.length < 32) throw new Error('server secret must be at least 32 bytes');
    const derive = (info: string) => Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
    this.encKey = derive('portico/encrypt/v1');
    this.hashKey = derive('portico/keyed-hash/v1');
    this.tokenKey = derive('portico/token/v1');
  }

  /** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` in base64url. */
  encrypt(plaintext: string | Buffer): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encKey, iv);
    const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  decrypt(sealed: string): Buffer {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || data === undefined) throw new Error('unsupported ciphertext');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.encKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]);
  }

  /** HMAC-SHA256 of a value, hex; for lookups and constant-time verification without storing the value. */
  keyedHash(value: string): string {
    return crypto.createHmac('sha256', this.hashKey).update(value).digest('hex');
  }

  /** Constant-time comparison of a candidate against a stored keyed hash. */
  verifyKeyedHash(candidate: string, storedHex: string): boolean {
    const a = Buffer.from(this.keyedHash(candidate), 'hex');
    const b = Buffer.from(storedHex, 'hex');
    return a.length === b.length && crypto.timingSafeEqual(a, b);
  }
}

function parseSecret(text: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64,}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  return Buffer.from(trimmed, 'base64');
}

/** Loads the configured secret, or the one in dataDir, generating it (mode 0600) on first start. */
export function loadSecrets(dataDir: string, configured?: string): Secrets {
  if (configured) return new Secrets(parseSecret(configured));
  return new Secrets(parseSecret(readOrCreateDataFile(dataDir, 'server-secret', () => crypto.randomBytes(32).toString('base64'), 0o600)));
}
