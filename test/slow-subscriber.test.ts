/**
 * A client that stops reading: what waits to be sent to it stays bounded (PORTICO_MQTT_MAX_OUTGOING_BUFFER_BYTES) and
 * its connection ends (src/mqtt/wire-guard.ts). MQTT leaves a client that does not read to the server (MQTT 5.0 §4.13:
 * the server may close the Network Connection). aedes holds a routing slot per delivery waiting for that socket to
 * drain and frees them when the connection closes; with many publishers each slot adds a message to that socket's
 * buffer. A socket whose peer does not read is stood in for by a stream that never completes a write (a real one first
 * fills the loopback's kernel buffers, up to tens of MB here).
 */
import { Duplex } from 'node:stream';

import { WireGuard } from '../src/mqtt/wire-guard';

/** A socket whose peer does not read: writes are accepted into its buffer and never complete. */
function stuckSocket(): Duplex {
  return new Duplex({ read() {}, write() {}, writableHighWaterMark: 1024 });
}

it('a client with more than maxOutgoingBytes waiting to be sent is disconnected, and the write refused', () => {
  const socket = stuckSocket();
  const guard = new WireGuard(socket, { connectMaxBytes: 1024, maxPacketBytes: 512, maxOutgoingBytes: 4096 });
  const errors: Error[] = [];
  guard.on('error', (err) => errors.push(err));
  const packet = Buffer.alloc(1000, 1);
  for (let i = 0; i < 4; i++) guard.write(packet); // 4,000 bytes waiting: within the limit
  expect(guard.destroyed).toBe(false);
  guard.write(packet); // one more: over it
  expect(guard.destroyed).toBe(true);
  expect(guard.problem).toBe('client not reading: more than 4096 bytes waiting to be sent');
  expect(socket.destroyed).toBe(true);
});

it('the limit is at least twice the largest packet, so one large packet never ends a reading client', () => {
  const guard = new WireGuard(stuckSocket(), { connectMaxBytes: 1024, maxPacketBytes: 8192, maxOutgoingBytes: 1024 });
  guard.on('error', () => undefined);
  guard.write(Buffer.alloc(8000, 1));
  guard.write(Buffer.alloc(8000, 1));
  expect(guard.destroyed).toBe(false);
  guard.write(Buffer.alloc(8000, 1));
  expect(guard.problem).toBe('client not reading: more than 16384 bytes waiting to be sent');
});
