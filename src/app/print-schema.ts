import { lexicographicSortSchema, printSchema } from 'graphql';

import { printableSchema } from './schema.js';

/** The SDL checked in as schema/schema.graphql. */
export async function schemaSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await printableSchema())) + '\n';
}

if (require.main === module) {
  schemaSdl().then(
    (sdl) => process.stdout.write(sdl),
    (err: unknown) => {
      // eslint-disable-next-line no-console -- a command-line tool: the error goes to stderr
      console.error(err);
      process.exitCode = 1;
    },
  );
}
