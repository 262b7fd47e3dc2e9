import { type Zippable, zipSync } from 'fflate';

export interface ZipEntry {
  name: string;
  content: string | Buffer;
  /** Modification time written into the archive; defaults to now. */
  date?: Date;
}

/**
 * A ZIP archive of stored (uncompressed) entries: small PEM files do not need deflate, and every unzip tool reads
 * stored entries. Entries are regular files readable by their owner only (rw-------, Unix attributes).
 */
export function createZip(entries: ZipEntry[]): Buffer {
  const files: Zippable = {};
  for (const entry of entries) {
    const data = typeof entry.content === 'string' ? Buffer.from(entry.content, 'utf8') : entry.content;
    files[entry.name] = [data, { level: 0, mtime: entry.date ?? new Date(), os: 3, attrs: (0o100600 << 16) >>> 0 }];
  }
  return Buffer.from(zipSync(files));
}
