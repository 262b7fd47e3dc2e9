/** Re-renders the markdown table of a results JSON: `node dist/bench/render.js bench/results/<file>.json`. */
import fs from 'node:fs';

import { type BenchResults, computeRatios, markdown } from './lib/report.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node dist/bench/render.js <results.json>\n');
  process.exit(2);
}
const results = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
results.ratios = computeRatios(results);
process.stdout.write(markdown(results));
