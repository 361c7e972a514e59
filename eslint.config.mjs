import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import moduleBoundaries from './scripts/eslint-rules/module-boundaries.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', '.bench/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
  {
    // Lib indexes only, no libs → apps (docs/architecture.md); proven by scripts/eslint-rules/module-boundaries.spec.ts.
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    plugins: { 'td-sync': { rules: { 'module-boundaries': moduleBoundaries } } },
    rules: { 'td-sync/module-boundaries': 'error' },
  },
  {
    // Modules the server does not keep loaded (docs/performance.md, Memory;
    // apps/td-sync/test/resident-modules.e2e-spec.ts).
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'libs/http/src/validation/class-validator-modules.d.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'class-validator',
              allowTypeImports: true,
              message: "Its index loads all of validator.js and libphonenumber-js: take the decorators from @td-sync/http (validation/validators.ts).",
            },
            { name: '@nestjs/schedule', message: 'It loads cron and luxon for a timer: use setInterval in the provider\'s lifecycle hooks.' },
            { name: '@nestjs/config', message: 'Settings are read once, from SYNC_* variables, into SyncConfig (apps/td-sync/src/config): inject that.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Command-line scripts talk to the terminal.
    files: ['scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
