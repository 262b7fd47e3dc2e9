import type { Logger, RegistryBus } from '../common/index.js';

/**
 * Scale-out: notices registry events this instance missed (Redis was down, or a publish failed) and then has the
 * message server re-check every live session and drop its cached credentials (`registryResync`).
 *
 * Every credential change bumps the registry generation in the database, in its own transaction, and its event
 * carries the new value. The instance records which generations it has seen; the database's generation is compared
 * with them every `intervalMs` and whenever Redis comes back. A generation still unseen one interval after it was
 * first noticed (at once after a Redis reconnect) was missed; the re-check reads the database after the generation
 * was read, so it covers every change up to it.
 */
export class RegistrySync {
  /** Every generation up to this one has been seen, or covered by a re-check. */
  private seenUpTo = 0;
  /** Generations seen above `seenUpTo` (events of concurrent changes may arrive out of order). */
  private readonly seenAbove = new Set<number>();
  /** The database's generation when a check last found one unseen; still unseen at the next check → missed. */
  private gapAt: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private immediateAgain = false;
  private stopped = false;
  /** How many re-checks this instance made (for tests and logs). */
  resyncs = 0;

  private readonly onEvent = (e: { generation?: number }) => {
    if (e.generation != null) this.note(e.generation);
  };

  constructor(
    private readonly bus: RegistryBus,
    private readonly readGeneration: () => Promise<number>,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  /** Starts from the database's generation now (nothing is cached and no session is live before the start). */
  async start(): Promise<void> {
    this.bus.on('deviceCredentialsChanged', this.onEvent);
    this.bus.on('certificateWithdrawn', this.onEvent);
    this.advanceTo(await this.readGeneration());
    this.timer = setInterval(() => void this.check(false), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.bus.off('deviceCredentialsChanged', this.onEvent);
    this.bus.off('certificateWithdrawn', this.onEvent);
    await this.running;
  }

  /**
   * Compares the database's generation with what was seen. `immediate` (Redis just came back: whatever was published
   * meanwhile is lost): any unseen generation is missed at once, without waiting an interval for it.
   */
  check(immediate: boolean): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      if (immediate) this.immediateAgain = true;
      return this.running;
    }
    this.running = this.compare(immediate)
      .catch((err: unknown) => this.log.warn('could not compare the registry generation (will retry)', err))
      .finally(() => {
        this.running = null;
        if (this.immediateAgain) {
          this.immediateAgain = false;
          void this.check(true);
        }
      });
    return this.running;
  }

  private async compare(immediate: boolean): Promise<void> {
    const current = await this.readGeneration();
    if (this.stopped) return;
    if (current <= this.seenUpTo) {
      this.gapAt = null;
      return;
    }
    if (!immediate && (this.gapAt === null || this.gapAt <= this.seenUpTo)) {
      // Unseen, but its event may still be on its way: missed if still unseen at the next check.
      this.gapAt = current;
      return;
    }
    const seen = this.seenUpTo;
    this.gapAt = null;
    this.advanceTo(current);
    this.resyncs += 1;
    this.log.warn(`registry events missed (generation ${current}, seen up to ${seen}): re-checking live sessions`);
    this.bus.emitLocal('registryResync', { reason: immediate ? 'Redis reconnected' : 'registry generation ahead of the events seen' });
  }

  private note(generation: number): void {
    if (generation <= this.seenUpTo) return;
    this.seenAbove.add(generation);
    while (this.seenAbove.delete(this.seenUpTo + 1)) this.seenUpTo += 1;
  }

  private advanceTo(generation: number): void {
    this.seenUpTo = Math.max(this.seenUpTo, generation);
    for (const g of this.seenAbove) if (g <= this.seenUpTo) this.seenAbove.delete(g);
    while (this.seenAbove.delete(this.seenUpTo + 1)) this.seenUpTo += 1;
  }
}
