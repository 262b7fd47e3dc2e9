import { EventEmitter } from 'node:events';

export interface StorageHealthEvents {
  change: [{ ok: boolean; reason: string | null }];
}

/**
 * Whether the database accepts writes right now. Writers mark it failed when a write is refused for a
 * storage reason and ok when one succeeds again; readiness (`GET /readyz`) and metrics read it.
 */
export class StorageHealth extends EventEmitter<StorageHealthEvents> {
  private state: { ok: boolean; reason: string | null } = { ok: true, reason: null };
  private timer: NodeJS.Timeout | null = null;
  private probing = false;

  /**
   * @param probe a small write; while the storage is marked failed it runs every `probeIntervalMs` and marks it
   *   ok again when it succeeds (so readiness comes back even when nothing else writes).
   */
  constructor(
    private readonly probe?: () => Promise<void>,
    private readonly probeIntervalMs = 500,
  ) {
    super();
  }

  get ok(): boolean {
    return this.state.ok;
  }

  get reason(): string | null {
    return this.state.reason;
  }

  markFailed(reason: string): void {
    if (!this.state.ok && this.state.reason === reason) return;
    const wasOk = this.state.ok;
    this.state = { ok: false, reason };
    if (wasOk) this.startProbing();
    this.emit('change', this.state);
  }

  markOk(): void {
    if (this.state.ok) return;
    this.state = { ok: true, reason: null };
    this.stopProbing();
    this.emit('change', this.state);
  }

  /** Stops probing (shutdown). */
  close(): void {
    this.stopProbing();
  }

  private startProbing(): void {
    if (!this.probe || this.timer) return;
    const probe = this.probe;
    this.timer = setInterval(() => {
      if (this.probing) return;
      this.probing = true;
      probe()
        .then(
          () => this.markOk(),
          () => undefined,
        )
        .finally(() => (this.probing = false));
    }, this.probeIntervalMs);
    this.timer.unref();
  }

  private stopProbing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** The storage probe: rewrites the one row of `storage_probe` (a real write, refused when the storage cannot write). */
export function storageProbe(ds: { query(sql: string): Promise<unknown> }, clock: () => Date): () => Promise<void> {
  return async () => {
    const at = clock().getTime();
    await ds.query(`INSERT INTO storage_probe (id, at) VALUES (1, ${at}) ON CONFLICT (id) DO UPDATE SET at = ${at}`);
  };
}
