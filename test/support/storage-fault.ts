import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import type { DataSource } from 'typeorm';

import { tempDir } from './app';

/**
 * A storage fault the test controls, on a filesystem of its own: a small tmpfs mounted for the test, filled up
 * with a filler file (real ENOSPC: SQLite answers SQLITE_FULL) and freed again. Where mounting is not permitted,
 * the database is held at its current size with SQLite's `max_page_count` (SQLITE_FULL too, injected through
 * the connection the test controls). Never touches the machine's own filesystems beyond the mount point.
 */
export interface StorageFault {
  kind: 'tmpfs' | 'max_page_count';
  dataDir: string;
  /** The disk is full from now on. */
  fill(ds: DataSource): Promise<void>;
  /** Space is back. */
  free(ds: DataSource): Promise<void>;
  dispose(): void;
}

export function storageFault(sizeMb = 48): StorageFault {
  const dataDir = tempDir('portico-fault-');
  let mounted = false;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dataDir], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
  const filler = path.join(dataDir, 'filler');
  if (mounted) {
    return {
      kind: 'tmpfs',
      dataDir,
      fill: async () => {
        const fd = fs.openSync(filler, 'w');
        try {
          for (const size of [1 << 20, 64 << 10, 4 << 10, 512]) {
            const chunk = Buffer.alloc(size, 1);
            try {
              for (;;) fs.writeSync(fd, chunk);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
            }
          }
        } finally {
          fs.closeSync(fd);
        }
      },
      free: async () => fs.rmSync(filler, { force: true }),
      dispose: () => {
        try {
          execFileSync('umount', ['-l', dataDir], { stdio: 'ignore' });
        } finally {
          fs.rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  }
  return {
    kind: 'max_page_count',
    dataDir,
    fill: async (ds) => {
      const [{ page_count }] = (await ds.query('PRAGMA page_count')) as Array<{ page_count: number }>;
      await ds.query(`PRAGMA max_page_count = ${page_count}`);
    },
    free: async (ds) => void (await ds.query('PRAGMA max_page_count = 1073741823')),
    dispose: () => fs.rmSync(dataDir, { recursive: true, force: true }),
  };
}
