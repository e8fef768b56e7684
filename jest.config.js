/** Unit (.spec), real-store (.int-spec) and over-HTTP (.e2e-spec) tests, all TypeScript. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true, diagnostics: false }] },
  moduleNameMapper: {
    '^@registry/(domain|event-store|read-store|projections|ingest|linkage)$': '<rootDir>/libs/$1/src',
    '^@registry/(domain|event-store|read-store|projections|ingest|linkage)/(.*)$': '<rootDir>/libs/$1/src/$2',
  },
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 60000,
};
