// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // the kernel and gradient tables are typed through their signatures; `any` stays where a table is generic
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Libraries, apps and benches use core's public API only: the engine and a tensor's storage
    // handle are core's internals (tests may still inspect them).
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'apps/*/browser/**/*.ts', 'bench/src/**/*.ts'],
    ignores: ['packages/core/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.name='engine']",
          message:
            'engine() is internal to @peftjs/core: use its public API (tidy, keep, activeBackend, currentGenerator, tensor(data, { backend }), ...).',
        },
        {
          selector: 'MemberExpression[property.name=/^(ref|layoutState|outputIndex)$/]',
          message:
            "A tensor's storage handle and graph fields are internal to @peftjs/core: use tensor.backend, tensor.layout and the ops.",
        },
      ],
    },
  },
  {
    // reference values from arbitrary-precision sources keep all their digits
    files: ['**/test/**'],
    rules: { 'no-loss-of-precision': 'off' },
  },
);
