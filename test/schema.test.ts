import fs from 'node:fs';
import path from 'node:path';

import { schemaSdl } from '../src/app/print-schema';

it('schema/schema.graphql is the SDL the code generates (run `npm run schema` after changing the API)', async () => {
  const checkedIn = fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
  expect(checkedIn).toBe(await schemaSdl());
});
