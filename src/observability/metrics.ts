import { Counter, Gauge, Registry } from 'prom-client';
import type { Services } from '../services.js';

/**
 * Prometheus metrics of one app instance (`GET /metrics`), on a registry of its own (several apps may share a
 * process in tests). Values are read from the services when scraped: nothing is counted twice.
 */
export function createMetrics(services: Services): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ instance_id: services.instanceId });
  const { deviceEvents, connectionLog, messageServer, storageHealth } = services;

  new Gauge({
    name: 'portico_storage_available',
    help: '1 while the database accepts writes, 0 during a storage fault (readiness is false then).',
    registers: [registry],
    collect() {
      this.set(storageHealth.ok ? 1 : 0);
    },
  });
  new Gauge({
    name: 'portico_process_resident_memory_bytes',
    help: 'Resident memory of the process.',
    registers: [registry],
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  new Gauge({
    name: 'portico_mqtt_connections',
    help: 'Open MQTT client connections on this instance.',
    registers: [registry],
    collect() {
      this.set(messageServer.connectionCount);
    },
  });
  const counter = (name: string, help: string, read: () => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  counter('portico_device_events_stored_total', 'Device events committed to the database.', () => deviceEvents.writer.written);
  counter('portico_device_events_dropped_total', 'Device events given up on: QoS 0 events while the database could not write, and rows it refused.', () => deviceEvents.droppedQos0 + deviceEvents.writer.dropped);
  counter('portico_connection_log_stored_total', 'Connection log rows committed to the database.', () => connectionLog.writer.written);
  new Gauge({
    name: 'portico_write_buffer_rows',
    help: 'Rows waiting to be written, by table.',
    labelNames: ['table'],
    registers: [registry],
    collect() {
      this.set({ table: 'device_events' }, deviceEvents.writer.pending);
      this.set({ table: 'connection_logs' }, connectionLog.writer.pending);
    },
  });
  return registry;
}
