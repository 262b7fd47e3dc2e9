import type { Aedes, AedesPublishPacket, Client } from 'aedes';

/** The device a client authenticated as (what the fleet view needs of it). */
export interface TappedDevice {
  id: string;
  organizationId: string;
}

/** What the fleet view is told of each device's traffic on this instance. */
export interface TrafficSink {
  /** A packet from the device arrived (PUBLISH, PINGREQ, SUBSCRIBE, UNSUBSCRIBE, PUBACK/PUBCOMP). */
  seen(device: TappedDevice): void;
  /** The device's CONNECT was accepted (CONNACK sent; its last seen time was written with its ONLINE status). */
  connected(device: TappedDevice): void;
  /** The device published a message (`bytes`: payload size); `live`: it came now (not its will, sent for it later). */
  messageIn(device: TappedDevice, bytes: number, live: boolean): void;
  /** A message (from a device or the platform) goes to the device (`bytes`: payload size). */
  messageOut(device: TappedDevice, bytes: number): void;
}

const payloadBytes = (payload: Buffer | string | undefined): number => (payload == null ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length);

/**
 * Listens to a running aedes broker through its public events ('client', 'publish', 'ping', 'subscribe',
 * 'unsubscribe', 'ack') and its public `authorizeForward` handler (wrapped: what it lets through is a message out to
 * that client). `deviceOf` names the device of a client (null: not an authenticated device). Returns the detach.
 */
export function tapBroker(broker: Aedes, deviceOf: (client: Client) => TappedDevice | null, sink: TrafficSink): () => void {
  const seen = (_: unknown, client: Client | null) => {
    const device = client && deviceOf(client);
    if (device) sink.seen(device);
  };
  const onClient = (client: Client) => {
    const device = deviceOf(client);
    if (!device) return;
    sink.connected(device);
  };
  const onPublish = (packet: AedesPublishPacket, client: Client | null) => {
    // Without a client: the platform's own messages ($SYS, commands). A closed client's: its will, sent for it.
    const device = client && deviceOf(client);
    if (!device) return;
    sink.messageIn(device, payloadBytes(packet.payload), !client.closed);
  };
  const forward = broker.authorizeForward;
  const counted: Aedes['authorizeForward'] = function (this: Aedes, client, packet) {
    const out = forward.call(this, client, packet);
    if (out) {
      const device = deviceOf(client);
      if (device) sink.messageOut(device, payloadBytes(out.payload));
    }
    return out;
  };
  broker.authorizeForward = counted;
  broker.on('client', onClient);
  broker.on('publish', onPublish);
  broker.on('ping', seen);
  broker.on('subscribe', seen);
  broker.on('unsubscribe', seen);
  broker.on('ack', seen);
  return () => {
    if (broker.authorizeForward === counted) broker.authorizeForward = forward;
    broker.off('client', onClient);
    broker.off('publish', onPublish);
    broker.off('ping', seen);
    broker.off('subscribe', seen);
    broker.off('unsubscribe', seen);
    broker.off('ack', seen);
  };
}
