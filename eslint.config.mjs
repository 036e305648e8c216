// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: ['**/dist/**', 'dist-load/**', '**/node_modules/**', 'coverage/**', '.stack/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        module: 'writable',
        URL: 'readonly',
        TextEncoder: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Only src/config reads the environment (see src/config/README.md).
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through AppConfig.' },
      ],
    },
  },
  {
    // The demo runs in browsers, as plain ES modules.
    files: ['client/demo/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        alert: 'readonly',
      },
    },
  },
  {
    files: ['test/**', 'load/**', 'client/test/**', 'client/src/**/*.spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: [
      'src/config/load-config.ts',
      'scripts/**',
      'test/**',
      'load/**',
      'client/test/**',
      'client/scripts/**',
      '*.mjs',
      '*.ts',
    ],
    rules: { 'no-restricted-properties': 'off' },
  },
);
