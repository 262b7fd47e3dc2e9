import fs from 'node:fs';
import path from 'node:path';

/**
 * The layout rules of src/ (README, "Architecture"), checked from the import specifiers:
 * - the folders import each other without a cycle (dependencies point one way: low → high in the README's list);
 * - an import from another folder goes through that folder's index.ts, never its internals;
 * - a file never imports its own folder's index (load order of decorated classes stays that of the imports);
 * - no file in src/ is over 400 lines.
 */

const SRC = path.resolve(__dirname, '../src');
const MAX_LINES = 400;

/** The folders of src/, lowest first: each imports only folders before it (README, "Architecture", lists them so). */
const LAYERS = [
  'common',
  'config',
  'secrets',
  'auth',
  'observability',
  'security',
  'realtime',
  'db',
  'access',
  'graphql',
  'audit',
  'users',
  'devices',
  'credentials',
  'pki',
  'certificates',
  'organizations',
  'history',
  'mqtt',
  'commands',
  'fleet',
  'testclient',
  'app',
];

/** Cross-folder imports allowed to bypass the index, each with its reason (none today). */
const INDEX_EXCEPTIONS: Record<string, string> = {};

interface Import {
  from: string;
  spec: string;
  target: string;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The top-level folder of a file in src/ ('.' for src/main.ts). */
const folderOf = (file: string): string => {
  const parts = path.relative(SRC, file).split(path.sep);
  return parts.length > 1 ? parts[0]! : '.';
};

const rel = (file: string): string => path.relative(SRC, file).split(path.sep).join('/');

function resolveSpec(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  return fs.existsSync(`${base}.ts`) ? `${base}.ts` : path.join(base, 'index.ts');
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

const files = sourceFiles(SRC);
const imports: Import[] = files.flatMap((from) => [...fs.readFileSync(from, 'utf8').matchAll(SPECIFIER)].map((m) => ({ from, spec: m[1]!, target: resolveSpec(from, m[1]!) })));
/** Imports between two folders of src/ (targets outside src/, such as migrations/, are not folders of it). */
const crossFolder = imports.filter((i) => i.target.startsWith(SRC + path.sep) && folderOf(i.from) !== folderOf(i.target));

/** A cycle of the folder graph as its folders in order, or null. */
function findCycle(edges: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next];
      if (!state.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of [...edges.keys()].sort()) {
    if (state.has(node)) continue;
    const found = visit(node);
    if (found) return found;
  }
  return null;
}

describe('architecture of src/', () => {
  it('has no import cycle between folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of crossFolder) {
      const a = folderOf(i.from);
      if (!edges.has(a)) edges.set(a, new Set());
      edges.get(a)!.add(folderOf(i.target));
    }
    const cycle = findCycle(edges);
    const explain = (cycle ?? []).slice(1).map((b, k) => {
      const a = cycle![k]!;
      const examples = crossFolder.filter((i) => folderOf(i.from) === a && folderOf(i.target) === b).slice(0, 3);
      return `  ${a} -> ${b}: ${examples.map((i) => `${rel(i.from)} imports '${i.spec}'`).join('; ')}`;
    });
    expect(cycle ? `cycle ${cycle.join(' -> ')}\n${explain.join('\n')}` : 'no cycle').toBe('no cycle');
  });

  it('has the folders of the README, each importing only folders below it', () => {
    const folders = fs
      .readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect([...folders].sort()).toEqual([...LAYERS].sort());
    const readme = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8').replace(/\s+/g, ' ');
    expect(readme).toContain(LAYERS.map((f) => `\`${f}\``).join(', '));
    const upward = crossFolder
      .filter((i) => folderOf(i.from) !== '.' && LAYERS.indexOf(folderOf(i.target)) > LAYERS.indexOf(folderOf(i.from)))
      .map((i) => `${rel(i.from)} imports '${i.spec}' (${folderOf(i.target)} is above ${folderOf(i.from)})`);
    expect(upward).toEqual([]);
  });

  it('imports another folder only through its index.ts', () => {
    const bypassing = crossFolder
      .filter((i) => path.basename(i.target) !== 'index.ts' || path.dirname(i.target) !== path.join(SRC, folderOf(i.target)))
      .map((i) => `${rel(i.from)} imports '${i.spec}'`)
      .filter((line) => !(line in INDEX_EXCEPTIONS));
    expect(bypassing).toEqual([]);
  });

  it("never imports a file's own folder through its index", () => {
    const own = imports
      .filter((i) => folderOf(i.from) !== '.' && folderOf(i.from) === folderOf(i.target) && i.target === path.join(SRC, folderOf(i.from), 'index.ts') && i.from !== i.target)
      .map((i) => `${rel(i.from)} imports '${i.spec}'`);
    expect(own).toEqual([]);
  });

  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => {
        const text = fs.readFileSync(f, 'utf8');
        return { file: rel(f), lines: text.split('\n').length - (text.endsWith('\n') ? 1 : 0) };
      })
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });
});
