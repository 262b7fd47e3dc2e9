/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // aedes 1.x and its helpers, and jose, are ESM-only: Jest needs them compiled to CommonJS.
    '^.+\\.(t|j)sx?$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(aedes|aedes-[^/]+|mqemitter|mqemitter-[^/]+|hyperid|fastfall|fastparallel|fastseries|reusify|retimer|uuid-parse|jose)/)'],
  // Sources import './x.js' (nodenext); map them back to the .ts files for Jest.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 30000,
};
