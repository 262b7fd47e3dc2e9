// Bundles GraphiQL (page, CSS, codicon font, Monaco workers) from node_modules into dist/graphiql with esbuild.
// Run by `npm run build`; the server serves the result at GET /graphql (browsers) and /graphiql/*.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'graphiql');
mkdirSync(outdir, { recursive: true });

const common = {
  bundle: true,
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
  absWorkingDir: root,
};

await Promise.all([
  build({
    ...common,
    entryPoints: { graphiql: 'web/graphiql/main.tsx' },
    outdir,
    format: 'iife',
    jsx: 'automatic',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
    assetNames: '[name]-[hash]',
    target: 'es2022',
  }),
  build({
    ...common,
    entryPoints: {
      'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js',
      'json.worker': 'monaco-editor/esm/vs/language/json/json.worker.js',
      'graphql.worker': 'monaco-graphql/esm/graphql.worker.js',
    },
    outdir,
    format: 'iife',
    target: 'es2022',
  }),
]);
writeFileSync(join(outdir, 'BUILT'), new Date().toISOString() + '\n');
