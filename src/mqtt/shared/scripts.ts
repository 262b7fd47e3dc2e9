import type { ChainableCommander, Redis } from 'ioredis';

/**
 * Lua scripts of the shared MQTT state: each multi-key change is one atomic step, so an instance killed in the
 * middle of an operation never leaves a queue, a will or a session record half-written.
 */
const SCRIPTS = {
  // KEYS: out list, packets hash; ARGV: entry key, packet. Queues a packet once.
  porticoEnqueue: {
    numberOfKeys: 2,
    lua: `if redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[1]) end return 1`,
  },
  // KEYS: out list, packets hash, entry→message id, message id→entry; ARGV: entry key, message id, packet (queued when missing).
  porticoUpdate: {
    numberOfKeys: 4,
    lua: `if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[3]) redis.call('RPUSH', KEYS[1], ARGV[1]) end
local old = redis.call('HGET', KEYS[3], ARGV[1])
if old and old ~= ARGV[2] and redis.call('HGET', KEYS[4], old) == ARGV[1] then redis.call('HDEL', KEYS[4], old) end
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2]) redis.call('HSET', KEYS[4], ARGV[2], ARGV[1]) return 1`,
  },
  // KEYS: packets hash, entry→message id, message id→entry; ARGV: message id, packet. Replaces the entry (PUBREL).
  porticoReplace: {
    numberOfKeys: 3,
    lua: `local key = redis.call('HGET', KEYS[3], ARGV[1]) if not key then return 0 end
redis.call('HSET', KEYS[1], key, ARGV[2]) redis.call('HSET', KEYS[2], key, ARGV[1]) return 1`,
  },
  // KEYS: out list, packets hash, entry→message id, message id→entry; ARGV: message id. Returns the packet removed.
  porticoClear: {
    numberOfKeys: 4,
    lua: `local key = redis.call('HGET', KEYS[4], ARGV[1]) if not key then return false end
local packet = redis.call('HGET', KEYS[2], key)
redis.call('LREM', KEYS[1], 1, key) redis.call('HDEL', KEYS[2], key) redis.call('HDEL', KEYS[3], key) redis.call('HDEL', KEYS[4], ARGV[1])
return packet`,
  },
  // KEYS: subscriptions hash, clients set; ARGV: client id, filters... Removes them, and the client when none is left.
  porticoUnsubscribe: {
    numberOfKeys: 2,
    lua: `for i = 2, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end return 1`,
  },
  // KEYS: a hash; ARGV: field. Gets and deletes.
  porticoTake: {
    numberOfKeys: 1,
    lua: `local v = redis.call('HGET', KEYS[1], ARGV[1]) if v then redis.call('HDEL', KEYS[1], ARGV[1]) end return v`,
  },
  // KEYS: live hash, expiring zset, due-wills zset, due-will bodies; ARGV: client id, record, now (ms).
  // A client registered on this instance: cancels its pending expiry and any delayed will of its previous
  // connection (on another instance) that is not due yet. Returns the previous record.
  porticoRegister: {
    numberOfKeys: 4,
    lua: `local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) redis.call('ZREM', KEYS[2], ARGV[1])
if old then
  local member = string.sub(old, 1, string.find(old, '|', 1, true) - 1) .. '|' .. ARGV[1]
  local due = redis.call('ZSCORE', KEYS[3], member)
  if due and tonumber(due) > tonumber(ARGV[3]) then redis.call('ZREM', KEYS[3], member) redis.call('HDEL', KEYS[4], member) end
end
return old`,
  },
  // KEYS: live hash, expiring zset; ARGV: client id, run id, expire at (ms, 0 = no timed expiry).
  // The client's connection on run ARGV[2] ended: forgets it unless another connection holds the client id now.
  porticoRelease: {
    numberOfKeys: 2,
    lua: `local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or string.sub(cur, 1, #ARGV[2] + 1) ~= ARGV[2] .. '|' then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if tonumber(ARGV[3]) > 0 then redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1]) end return 1`,
  },
  // KEYS: live hash, expiring zset; ARGV: client id. Claims a due session expiry (never of a connected client).
  porticoClaimExpiry: {
    numberOfKeys: 2,
    lua: `if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('ZREM', KEYS[2], ARGV[1]) return 0 end
return redis.call('ZREM', KEYS[2], ARGV[1])`,
  },
  // KEYS: due-wills zset, due-will bodies; ARGV: member. Claims a due will (once, cluster-wide).
  porticoClaimWill: {
    numberOfKeys: 2,
    lua: `if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then return false end
local v = redis.call('HGET', KEYS[2], ARGV[1]) redis.call('HDEL', KEYS[2], ARGV[1]) return v`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | Buffer | number;
export type ScriptCall = (...args: Arg[]) => Promise<unknown>;
export type Scripted<T> = T & { [K in ScriptName]: ScriptCall } & { [K in `${ScriptName}Buffer`]: ScriptCall };
export type ScriptedPipeline = ChainableCommander & { [K in ScriptName]: (...args: Arg[]) => ScriptedPipeline };

/** The client with the scripts defined (idempotent). */
export function withScripts(redis: Redis): Scripted<Redis> {
  for (const [name, s] of Object.entries(SCRIPTS)) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') redis.defineCommand(name, s);
  }
  return redis as Scripted<Redis>;
}
