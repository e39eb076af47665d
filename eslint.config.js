// Lint: typescript-eslint's recommended rules everywhere, plus the determinism rule that makes
// simrun trustworthy: systems under test and lock backends reach time, randomness, timers and
// the disk only through the injected Env. A violation here would let a seed stop replaying.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nondeterministicGlobals = [
  ['Date', 'time comes from env.now()'],
  ['setTimeout', 'sleep with env.sleep()'],
  ['setInterval', 'loop over env.sleep()'],
  ['setImmediate', 'yield with env.sleep(0)'],
  ['clearTimeout', 'abort env.sleep() with an AbortSignal'],
  ['clearInterval', 'abort env.sleep() with an AbortSignal'],
  ['queueMicrotask', 'ordering must come from the scheduler'],
  ['performance', 'time comes from env.now()'],
].map(([name, hint]) => ({ name, message: `Nondeterminism outside the Env: ${hint}.` }));

export default tseslint.config(
  // test/byo/fixtures/**/*.cjs stand for unmodified third-party CommonJS libraries, linted by nobody.
  { ignores: ['dist/**', 'node_modules/**', 'reports/**', '.tmp/**', 'test/byo/fixtures/**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', performance: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', globalThis: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The report page's browser code. Its tsconfig loads Node's types (the data's types come from Node
    // modules), so these rules keep Node out of the page: it may read those modules' types, but its
    // only value import from outside the folder is the data contract both sides share.
    files: ['src/report/client/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...['process', 'Buffer', 'require', 'module', '__dirname', '__filename', 'global', 'setImmediate'].map((name) => ({ name, message: 'Node global in the report page: the page runs in a browser.' }))],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Node module in the report page: the page runs in a browser.' },
            { group: ['../*', '!../report-data.js'], allowTypeImports: true, message: 'The report page reads Node modules for their types only (import type); data comes through report-data.js.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/systems/**/*.ts', 'src/locks/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...nondeterministicGlobals],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Nondeterminism outside the Env: use env.random().' },
        { object: 'process', property: 'hrtime', message: 'Nondeterminism outside the Env: use env.now().' },
        { object: 'Date', property: 'now', message: 'Nondeterminism outside the Env: use env.now().' },
        { object: 'globalThis', property: 'Date', message: 'Nondeterminism outside the Env: use env.now().' },
        { object: 'globalThis', property: 'setTimeout', message: 'Nondeterminism outside the Env: use env.sleep().' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'timers', 'node:timers', 'timers/promises', 'node:timers/promises', 'perf_hooks', 'node:perf_hooks'].map((name) => ({
            name,
            message: 'Nondeterminism outside the Env: files and timers come through env.fs and env.sleep().',
          })),
        },
      ],
    },
  },
);
