/**
 * Unit specs live beside the code (`*.spec.ts`); end-to-end specs in
 * `apps/td-sync/test` (`*.e2e-spec.ts`): one file per PROTOCOL.md section
 * there, the adversarial specs in `adversarial/`, shared helpers in `support/`.
 * SWC compiles TypeScript with decorator metadata, which Nest's dependency
 * injection needs.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const moduleNameMapper = {
  '^@td-sync/(memory|http|storage|auth|projects|sync|admin|testing)$': '<rootDir>/libs/$1/src',
};

const common = {
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Jest's cache stays in the checkout (per project: jest reads it there), so a run leaves nothing in the temp directory.
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
};

module.exports = {
  // Global only: jest ignores testTimeout inside `projects`.
  testTimeout: 60000,
  // Global only, too. How long a worker may take to exit once told to (jest's
  // default, 500 ms, then kills it and warns of leaked handles). A unit worker
  // that ran ~50 spec files leaves nothing open, but it exits holding a
  // 500-600 MB heap of dead spec-file contexts, which V8 unmaps page by page
  // on the way out (0.3 s of CPU on a 2-CPU VM), while the other worker does
  // the same and each worker's embedded PostgreSQL stops: 0.45-0.8 s measured.
  // A handle that really leaks still keeps its worker alive past this, and
  // still gets it killed and reported.
  workerGracefulExitTimeout: 3000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/apps/**/src/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/deploy/**/*.spec.ts', '<rootDir>/scripts/**/*.spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/libs/testing/src/unit-setup-after-env.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/td-sync/test/**/*.e2e-spec.ts'],
      setupFilesAfterEnv: ['<rootDir>/apps/td-sync/test/support/setup-after-env.ts'],
    },
  ],
};
