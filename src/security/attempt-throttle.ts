import crypto from 'node:crypto';

import type { Logger } from '../common/index.js';
import type { FailureLimit } from '../config/index.js';
import { addressKey } from './address.js';
import type { ConnectAdmission, ConnectThrottle } from './connect-throttle.js';
import { type CounterStore, FailureLimiter } from './failure-limiter.js';

/** A subject as a counter key: long ones (whatever a client sends) hashed, so keys stay small. */
const subjectKey = (subject: string): string => (subject.length <= 128 ? subject : `sha256:${crypto.createHash('sha256').update(subject).digest('hex')}`);

/** Throttles authentication attempts of a subject (account, client id) and of a remote address. */
export type AttemptThrottle = ConnectThrottle;

/**
 * Back-off for failed authentications, per subject (an e-mail, an MQTT client id) and per remote address:
 *
 * - per subject, every attempt is counted when it is admitted (so concurrent attempts cannot slip past the limit),
 *   and a success forgets the subject's count: at most `maxFailures` wrong attempts per window, then the subject is
 *   refused for `blockSeconds`, whatever the password, and may try again after that;
 * - per address, only failures count (a success does not add up, so many good clients behind one NAT reconnecting
 *   at once are not refused): after `maxFailuresPerAddress` failures in a window the address is refused for
 *   `blockSeconds`, whatever the subject. A success does not forgive an address's failures. Addresses are keyed by
 *   addressKey (IPv6 by /64).
 *
 * A refused attempt is refused at once, without looking at credentials.
 */
export class FailureThrottle implements AttemptThrottle {
  private readonly perSubject: FailureLimiter;
  private readonly perAddress: FailureLimiter | null;

  constructor(
    /** For log messages and counter keys, e.g. `login`, `mqtt-auth`. */
    private readonly name: string,
    /** What a subject is, for log messages, e.g. `account`, `client id`. */
    private readonly subjectKind: string,
    limit: FailureLimit,
    store: CounterStore,
    private readonly log: Logger,
  ) {
    const timing = { windowSeconds: limit.windowSeconds, blockSeconds: limit.blockSeconds };
    this.perSubject = new FailureLimiter(`${name}:subject`, { points: limit.maxFailures, ...timing }, store);
    // Failures are counted after the fact: the one that reaches the limit starts the block.
    const addressPoints = limit.maxFailuresPerAddress - 1;
    this.perAddress = limit.maxFailuresPerAddress > 0 ? new FailureLimiter(`${name}:address`, { points: addressPoints, ...timing }, store) : null;
  }

  async admit(subject: string, address: string): Promise<ConnectAdmission> {
    const addr = addressKey(address);
    const addressBlockedMs = this.perAddress ? await this.perAddress.blockedFor(addr) : 0;
    if (addressBlockedMs > 0) {
      this.log.debug(`${this.name}: attempt from ${addr} refused (address throttled for ${addressBlockedMs} ms)`);
      return { allowed: false, retryAfterMs: addressBlockedMs };
    }
    const key = subjectKey(subject);
    const take = await this.perSubject.take(key);
    if (!take.refused) return { allowed: true };
    if (take.crossed) this.log.warn(`${this.name}: too many failed attempts for ${this.subjectKind} ${JSON.stringify(key)} (last from ${addr}); refused for ${Math.ceil(take.retryAfterMs / 1000)} s`);
    else this.log.debug(`${this.name}: attempt for ${this.subjectKind} ${JSON.stringify(key)} from ${addr} refused (throttled for ${take.retryAfterMs} ms)`);
    return { allowed: false, retryAfterMs: take.retryAfterMs };
  }

  async failed(_subject: string, address: string): Promise<void> {
    if (!this.perAddress) return;
    const addr = addressKey(address);
    const take = await this.perAddress.take(addr);
    if (take.crossed) this.log.warn(`${this.name}: too many failed attempts from ${addr}; refused for ${Math.ceil(take.retryAfterMs / 1000)} s`);
  }

  async succeeded(subject: string): Promise<void> {
    await this.perSubject.reset(subjectKey(subject));
  }
}
