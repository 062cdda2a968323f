// Lint rules. The workflow override is a guard rail: workflow code runs in Temporal's
// deterministic sandbox, so it may not import Node built-ins or any I/O package.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioPackages = ['sequelize', 'mysql2', 'mysql2/*', 'bull', 'ioredis', 'nodemailer', 'pdf-lib', '@pdf-lib/*',
  'express', 'pino', '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'harfbuzzjs', 'opossum'];

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.run/', 'coverage/', 'workflow-bundle.js', 'docker/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': 'error',
      // Japanese text legitimately uses U+3000 (ideographic space) between family and given names.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipTemplates: true, skipRegExps: true, skipComments: true }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: nodeBuiltins.map((name) => ({ name, message: 'workflows are deterministic: no Node built-ins' })),
        patterns: [
          { group: ioPackages, message: 'workflows do no I/O: call an activity instead' },
          { group: ['../activities', '../activities/*', '../db/*', '../api/*', '../adapters/*', '../common/*'],
            allowTypeImports: true, message: 'workflows import only types from outside workflows/' },
        ],
      }],
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'process', 'require'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
  },
  {
    files: ['tests/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', 'no-console': 'off' },
  },
);
