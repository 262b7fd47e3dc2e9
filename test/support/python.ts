import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';

/** Debian's interpreter: python3-paho-mqtt (1.6) is installed for it, not for other pythons on PATH. */
export const PYTHON = '/usr/bin/python3';

/** Whether Debian's paho-mqtt can be imported (tests that need it skip, saying so, when it cannot). */
export const hasPaho: boolean = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import paho.mqtt.client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export const PAHO_MISSING = 'needs Debian python3-paho-mqtt (apt-get install -y python3-paho-mqtt) at /usr/bin/python3';

/** A script under test/fixtures. */
export const fixture = (name: string): string => path.join(__dirname, '..', 'fixtures', name);

/** Runs a command; resolves with its stdout when it exits with `expectedCode`, else rejects with its output. */
export function run(cmd: string, args: string[], expectedCode = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? -1) : 0;
      if (code !== expectedCode) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
