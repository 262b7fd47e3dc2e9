import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';

const ROOT = path.resolve(__dirname, '..', '..');

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  graphqlUrl: string;
  mqttPort: number;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
}

/**
 * Starts Portico as a real process (`src/main.ts`, transpiled on load) on ephemeral ports with SQLite in `dataDir`,
 * and resolves once it printed its ready line. For tests that kill it (`SIGKILL`) or stop it (`SIGTERM`).
 */
export function startChildServer(dataDir: string, env: Record<string, string> = {}, opts: { stderrFile?: string } = {}): Promise<ChildServer> {
  const proc = spawn(process.execPath, ['-r', path.join(ROOT, 'test', 'support', 'ts-register.js'), path.join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: '0',
      PORTICO_HOST: '127.0.0.1',
      PORTICO_MQTT_HOST: '127.0.0.1',
      PORTICO_MQTT_PORT: '0',
      PORTICO_MQTTS_PORT: 'off',
      PORTICO_MQTTS_MUTUAL_PORT: 'off',
      PORTICO_DATA_DIR: dataDir,
      PORTICO_LOG_LEVEL: 'error',
      PORTICO_PASSWORD_HASH_COST: '1024',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  if (opts.stderrFile) proc.stderr!.pipe(fs.createWriteStream(opts.stderrFile, { flags: 'a' }));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start within 30 s: ${stderr}`));
    }, 30_000);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited before it was ready (${code ?? signal}): ${stderr}`));
    });
    lines.on('line', (line) => {
      if (!line.startsWith('{"ready":true')) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { http: number; mqtt: number };
      const url = `http://127.0.0.1:${ready.http}`;
      resolve({
        proc,
        url,
        graphqlUrl: `${url}/graphql`,
        mqttPort: ready.mqtt,
        exited,
        gql: async (query, variables, token) => {
          const res = await fetch(`${url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
            body: JSON.stringify({ query, variables }),
          });
          return (await res.json()) as never;
        },
      });
    });
  });
}
