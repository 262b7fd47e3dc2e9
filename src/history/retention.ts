import { EventEmitter } from 'node:events';

import type { Logger } from '../common/index.js';
import type { MqttConfig } from '../config/index.js';
import type { ConnectionLogService } from './connection-log.service.js';
import type { DeviceEventService } from './device-event.service.js';

export interface RetentionResult {
  connectionLog: number;
  deviceEvents: number;
}

/** Deletes connection-log rows and device events beyond their retention, now and every interval. */
export class Retention extends EventEmitter<{ retention: [RetentionResult] }> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly config: Pick<MqttConfig, 'connectionLogRetention' | 'deviceEventRetention' | 'retentionIntervalMs'>,
    private readonly connectionLog: ConnectionLogService,
    private readonly deviceEvents: DeviceEventService,
    private readonly log: Logger,
  ) {
    super();
  }

  start(): void {
    this.timer = setInterval(() => void this.run().catch((err) => this.log.error('retention failed', err)), this.config.retentionIntervalMs);
    this.timer.unref();
  }

  /** One pass; returns how many rows went. Passes never overlap. */
  async run(): Promise<RetentionResult> {
    while (this.running) await this.running.catch(() => undefined);
    const run = (async () => ({
      connectionLog: await this.connectionLog.enforceRetention(this.config.connectionLogRetention),
      deviceEvents: await this.deviceEvents.enforceRetention(this.config.deviceEventRetention),
    }))();
    this.running = run;
    try {
      const result = await run;
      this.emit('retention', result);
      return result;
    } finally {
      this.running = null;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
