import fs from 'node:fs';
import path from 'node:path';

/**
 * The trimmed contents of `<dataDir>/<name>`, written with `generate()` first when the file is missing or blank.
 * When several processes start at once, the first to create the file wins and every one reads its value.
 */
export function readOrCreateDataFile(dataDir: string, name: string, generate: () => string, mode = 0o644): string {
  const file = path.join(dataDir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  let existing: string | null = null;
  try {
    existing = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing) return existing;
  try {
    fs.writeFileSync(file, generate() + '\n', { mode, flag: existing === null ? 'wx' : 'w' });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}
