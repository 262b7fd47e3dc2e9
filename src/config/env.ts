/** Reading typed settings from environment variables, with clear errors (used by config.ts only). */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

export function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  }
  return value;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be a boolean, got "${raw}"`);
}

/** A port number, `off` (listener disabled) or the default. */
export function port(env: Env, name: string, fallback: number | null): number | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(off|none|disabled)$/i.test(raw)) return null;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new ConfigError(`${name} must be a port (0–65535) or "off", got "${raw}"`);
  return value;
}

export function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

export function wsPath(env: Env): string {
  const raw = env.PORTICO_MQTT_WS_PATH || '/mqtt';
  if (!/^\/[A-Za-z0-9._~/-]*$/.test(raw) || raw === '/graphql' || raw.startsWith('/graphiql')) {
    throw new ConfigError(`PORTICO_MQTT_WS_PATH must be a URL path such as /mqtt, other than /graphql, got "${raw}"`);
  }
  return raw;
}

/** A Redis key prefix: letters, digits and `_ . : -`, at most 64 characters. */
export function keyPrefix(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(raw)) throw new ConfigError(`${name} may only use letters, digits and _ . : - (at most 64), got "${raw}"`);
  return raw;
}
