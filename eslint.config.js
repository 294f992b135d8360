// CommonJS because package.json has no "type": ESLint loads this file with require().
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const { defineConfig, globalIgnores } = require('eslint/config');
const layering = require('./eslint-rules/layering');
const { LAYERS, PAIRS, FREE } = require('./eslint-rules/import-arrows');

const PURE = 'core is pure: time, randomness and config come in as arguments (see DESIGN.md), so plans are deterministic and testable.';

// Node's CommonJS globals, listed by hand rather than adding the `globals` package for six names.
const NODE_CJS_GLOBALS = {
  require: 'readonly',
  module: 'writable',
  exports: 'writable',
  __dirname: 'readonly',
  __filename: 'readonly',
  process: 'readonly',
  console: 'readonly',
};

module.exports = defineConfig([
  globalIgnores(['node_modules/', 'cdk.out/', 'coverage/']),
  { files: ['**/*.js'], extends: [js.configs.recommended], languageOptions: { sourceType: 'commonjs', globals: NODE_CJS_GLOBALS } },
  { files: ['**/*.ts'], extends: [js.configs.recommended, tseslint.configs.recommended] },
  {
    // Who may import whom, for every file: the rule finds the file's folder itself, so a
    // new folder without a row in the table is reported rather than left unchecked.
    // Tests beside the code they test are free, as everything under test/ is.
    files: ['**/*.ts', '**/*.js'],
    ignores: ['**/*.test.ts'],
    plugins: { stowage: { rules: { layering } } },
    rules: { 'stowage/layering': ['error', { root: __dirname, layers: LAYERS, pairs: PAIRS, free: FREE }] },
  },
  {
    // The rule that keeps core a pure function of its arguments: no I/O, no clock,
    // no randomness, no environment. The same code runs in Lambda, the simulator and
    // tests only because nothing in it reaches outside.
    files: ['core/**/*.ts'],
    ignores: ['core/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['aws-cdk-lib', 'constructs', 'dockerode', 'fs', 'fs/promises', 'child_process'].map((name) => ({ name, message: PURE })),
          patterns: [{ group: ['@aws-sdk/*', 'aws-cdk-lib/*', 'node:*'], message: PURE }],
        },
      ],
      // Globals rather than a syntax match on the name, so a local `process` variable is fine.
      'no-restricted-globals': ['error', { name: 'process', message: PURE }],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: PURE },
        { object: 'performance', property: 'now', message: PURE },
        { object: 'Math', property: 'random', message: PURE },
        { object: 'crypto', property: 'randomUUID', message: PURE },
        { object: 'crypto', property: 'getRandomValues', message: PURE },
        { object: 'globalThis', property: 'process', message: PURE },
      ],
      'no-restricted-syntax': [
        'error',
        // new Date(t) is fine (a given instant); new Date() and Date() read the clock.
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: PURE },
        { selector: "CallExpression[callee.name='Date']", message: PURE },
        { selector: 'ImportExpression', message: `${PURE} Dynamic import() loads code at run time.` },
      ],
    },
  },
]);
