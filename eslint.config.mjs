// ESLint flat config: @eslint/js and typescript-eslint recommended (not the type-checked presets: no type
// information, so linting stays fast), type-only imports marked as such, imports sorted.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import tseslint from 'typescript-eslint';

// Node's globals used by the few plain JavaScript files (TypeScript files are checked by tsc, not no-undef).
const nodeGlobals = {
  console: 'readonly',
  process: 'readonly',
  require: 'readonly',
  module: 'writable',
  __dirname: 'readonly',
  Buffer: 'readonly',
  URL: 'readonly',
};

export default defineConfig(
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    ignores: ['dist/', 'data/', 'coverage/', 'node_modules/', 'bench/results/', 'schema/', '.tmp/'],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: {
        // type-graphql and constructor injection read `design:type` / `design:paramtypes`: a class imported for a
        // decorated signature is used as a value, and consistent-type-imports must know it to leave the import alone.
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  {
    // Rules the code base already follows everywhere (each reported nothing when added): kept so it stays that way.
    rules: {
      'array-callback-return': 'error',
      'default-param-last': 'off',
      '@typescript-eslint/default-param-last': 'error',
      eqeqeq: ['error', 'smart'],
      'logical-assignment-operators': 'error',
      'no-constructor-return': 'error',
      'no-else-return': 'error',
      'no-eval': 'error',
      'no-lonely-if': 'error',
      'no-return-assign': 'error',
      'no-self-compare': 'error',
      'no-shadow': 'off',
      '@typescript-eslint/no-shadow': 'error',
      'no-template-curly-in-string': 'error',
      'no-throw-literal': 'error',
      'no-unneeded-ternary': 'error',
      'no-unreachable-loop': 'error',
      'no-useless-computed-key': 'error',
      'no-useless-concat': 'error',
      'no-useless-rename': 'error',
      'no-useless-return': 'error',
      'no-var': 'error',
      'object-shorthand': 'error',
      'operator-assignment': 'error',
      'prefer-arrow-callback': 'error',
      'prefer-exponentiation-operator': 'error',
      'prefer-object-spread': 'error',
      'prefer-promise-reject-errors': 'error',
      radix: 'error',
      '@typescript-eslint/consistent-type-assertions': 'error',
      '@typescript-eslint/no-useless-constructor': 'error',
      '@typescript-eslint/prefer-for-of': 'error',
      '@typescript-eslint/prefer-function-type': 'error',
      // Unused parameters and variables are allowed when named `_x` (as tsc's noUnusedParameters allows): resolver
      // arguments that only shape the GraphQL schema, rest-destructuring that drops a field.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The server logs through its logger; the two places that print (a CLI, a start failure before any logger) say so.
    files: ['src/**/*.ts', 'migrations/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests build GraphQL responses and MQTT packets as loose JSON and assert on them: typing each shape adds nothing.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
