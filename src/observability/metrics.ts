import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Operation names kept as label values; later new names count as `other` (a client chooses them). */
const MAX_OPERATION_NAMES = 200;
const GRAPHQL_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;

/** A batch writer's figures. */
interface WriterCounts {
  readonly written: number;
  readonly dropped: number;
  readonly pending: number;
}

/**
 * The services' counters the metrics read when scraped, by shape only: the app passes its services, and
 * observability/ (low in the layers) imports no feature.
 */
export interface ScrapedServices {
  storageHealth: { readonly ok: boolean };
  messageServer: {
    connectionsByListener(): Iterable<[string, number]>;
    observer: {
      counts: {
        connects: { values(): Iterable<{ listener: string; result: string; count: number }> };
        authFailures: Iterable<[string, number]>;
        messagesReceived: number;
        messagesSent: number;
        payloadBytesReceived: number;
        payloadBytesSent: number;
      };
    };
  };
  deviceEvents: { readonly droppedQos0: number; writer: WriterCounts };
  connectionLog: { writer: WriterCounts };
  testClients: { readonly activeSessions: number };
}

/** What the metrics read from outside the services when scraped. */
export interface MetricSources {
  services: ScrapedServices;
  /** Open graphql-ws subscriptions on this instance. */
  openSubscriptions: () => number;
}

/**
 * Prometheus metrics of one app instance (`GET /metrics`), on a registry of its own (several apps may share a
 * process in tests), every series labelled with the instance id. Histograms are observed when things happen; the
 * other series read the services' own counters when scraped, so nothing is counted twice. Node process metrics
 * (prom-client's defaults) carry the `portico_` prefix.
 */
export class AppMetrics {
  readonly registry = new Registry();
  private readonly batchCommit: Histogram<'table'>;
  private readonly graphqlOperations: Counter<'operation_name' | 'type' | 'result'>;
  private readonly graphqlDuration: Histogram<'operation_name' | 'type'>;
  private readonly operationNames = new Set<string>();

  constructor(instanceId: string) {
    this.registry.setDefaultLabels({ instance_id: instanceId });
    collectDefaultMetrics({ register: this.registry, prefix: 'portico_' });
    const registers = [this.registry];
    this.batchCommit = new Histogram({
      name: 'portico_batch_commit_seconds',
      help: 'Duration of each committed batch transaction of buffered rows (device events, connection log), by table.',
      labelNames: ['table'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.graphqlOperations = new Counter({
      name: 'portico_graphql_operations_total',
      help: `GraphQL operations over HTTP by operation name (anonymous ones: "anonymous"; names beyond the first ${MAX_OPERATION_NAMES}: "other"), type and result (ok, or error when the response has errors).`,
      labelNames: ['operation_name', 'type', 'result'],
      registers,
    });
    this.graphqlDuration = new Histogram({
      name: 'portico_graphql_operation_duration_seconds',
      help: 'Duration of GraphQL operations over HTTP, from request to response, by operation name and type.',
      labelNames: ['operation_name', 'type'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** A batch of buffered rows committed in `seconds`. */
  batchCommitted(table: string, seconds: number): void {
    this.batchCommit.observe({ table }, seconds);
  }

  /** A GraphQL operation over HTTP answered. */
  graphqlOperation(name: string | null | undefined, type: string, result: 'ok' | 'error', seconds: number): void {
    const operation_name = this.operationLabel(name);
    this.graphqlOperations.inc({ operation_name, type, result });
    this.graphqlDuration.observe({ operation_name, type }, seconds);
  }

  /** Stops collecting (the app closed): the registry lets go of the services. */
  close(): void {
    this.registry.clear();
  }

  private operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (!GRAPHQL_NAME.test(name) || this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  /** Series read from the services when scraped. */
  observe({ services, openSubscriptions }: MetricSources): void {
    const { deviceEvents, connectionLog, messageServer, storageHealth, testClients } = services;
    const registers = [this.registry];
    const mqtt = messageServer.observer.counts;
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });

    gauge('portico_storage_available', '1 while the database accepts writes, 0 during a storage fault (readiness is false then).', () => (storageHealth.ok ? 1 : 0));
    new Gauge({
      name: 'portico_mqtt_connections',
      help: 'Open MQTT client connections on this instance (authenticated or not), by listener.',
      labelNames: ['listener'],
      registers,
      collect() {
        for (const [listener, n] of messageServer.connectionsByListener()) this.set({ listener }, n);
      },
    });
    new Counter({
      name: 'portico_mqtt_connects_total',
      help: 'MQTT connection attempts by listener and result: accepted, or why they were refused (bad_credentials, not_authorized, blocked, rate_limited, server_unavailable, tls_handshake_failed).',
      labelNames: ['listener', 'result'],
      registers,
      collect() {
        this.reset();
        for (const { listener, result, count } of mqtt.connects.values()) this.inc({ listener, result }, count);
      },
    });
    new Counter({
      name: 'portico_mqtt_auth_failures_total',
      help: 'Refused MQTT authentications by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of mqtt.authFailures) this.inc({ reason }, count);
      },
    });
    counter('portico_mqtt_messages_received_total', 'PUBLISH packets from MQTT clients accepted by the message server (stored and forwarded).', () => mqtt.messagesReceived);
    counter('portico_mqtt_messages_sent_total', 'PUBLISH packets sent to MQTT clients.', () => mqtt.messagesSent);
    counter('portico_mqtt_payload_bytes_received_total', 'Payload bytes of the PUBLISH packets received from MQTT clients.', () => mqtt.payloadBytesReceived);
    counter('portico_mqtt_payload_bytes_sent_total', 'Payload bytes of the PUBLISH packets sent to MQTT clients.', () => mqtt.payloadBytesSent);
    counter('portico_device_events_stored_total', 'Device events committed to the database.', () => deviceEvents.writer.written);
    counter(
      'portico_device_events_dropped_total',
      'Device events given up on: QoS 0 events while the database could not write, and rows it refused.',
      () => deviceEvents.droppedQos0 + deviceEvents.writer.dropped,
    );
    counter('portico_connection_log_stored_total', 'Connection log rows committed to the database.', () => connectionLog.writer.written);
    new Gauge({
      name: 'portico_write_buffer_rows',
      help: 'Rows waiting to be written, by table.',
      labelNames: ['table'],
      registers,
      collect() {
        this.set({ table: 'device_events' }, deviceEvents.writer.pending);
        this.set({ table: 'connection_logs' }, connectionLog.writer.pending);
      },
    });
    gauge('portico_graphql_subscriptions', 'Open GraphQL subscriptions (graphql-ws) on this instance.', openSubscriptions);
    gauge('portico_test_client_sessions', 'Test client sessions connecting or connected on this instance.', () => testClients.activeSessions);
  }
}
