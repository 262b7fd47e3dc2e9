/**
 * Lets a child `node` process run the TypeScript sources directly (tests that kill or signal a real server
 * process): each .ts file is transpiled on load with the options ts-jest uses (isolated modules, CommonJS,
 * decorators with metadata), and `./x.js` imports resolve to `./x.ts` as under nodenext.
 * Usage: node -r ./test/support/ts-register.js src/main.ts
 */
const fs = require('node:fs');
const Module = require('node:module');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  useDefineForClassFields: false,
  esModuleInterop: true,
  sourceMap: false,
};

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveTs(request, parent, ...rest) {
  if (parent && parent.filename && parent.filename.endsWith('.ts') && request.startsWith('.') && request.endsWith('.js')) {
    try {
      return resolve.call(this, request.slice(0, -3) + '.ts', parent, ...rest);
    } catch {
      // not a TypeScript source: resolve as written
    }
  }
  return resolve.call(this, request, parent, ...rest);
};
