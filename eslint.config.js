import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = [
  'fs', 'fs/promises', 'http', 'https', 'net', 'tls', 'child_process', 'os', 'dgram', 'dns', 'worker_threads',
  'undici', 'better-sqlite3', 'commander', 'libsodium-wrappers',
].flatMap((name) => (name.includes('/') || !/^[a-z_]+$/.test(name) ? [name] : [name, `node:${name}`]));

export default tseslint.config(
  // test/e2e/strapi/app: the CommonJS project files of the real Strapi the e2e tests install.
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test/e2e/strapi/app/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', structuredClone: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', queueMicrotask: 'readonly', performance: 'readonly', setImmediate: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The pure core and the renderers do no I/O and read no clock or environment: callers pass them in.
    files: ['src/core/**/*.ts', 'src/render/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ioModules.map((name) => ({ name, message: 'src/core and src/render are pure: do I/O in an adapter and pass the result in.' })),
        patterns: [{ group: ['**/io/*', '**/providers/*', '**/store/*', '**/server/*', '**/sinks/*', '**/engine/*', '**/cli/*', '**/github/*'], message: 'src/core and src/render import only pure modules.' }],
      }],
      'no-restricted-properties': ['error',
        { object: 'process', property: 'env', message: 'Pass configuration in; the core reads no environment.' },
        { object: 'Date', property: 'now', message: 'Pass `now` in; the core reads no clock.' },
        { object: 'Math', property: 'random', message: 'The core is deterministic.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pass `now` in; the core reads no clock.' },
      ],
      'no-restricted-globals': ['error', { name: 'fetch', message: 'The core does no I/O.' }, { name: 'process', message: 'The core reads no process state.' }],
    },
  },
  {
    // The CLI parses, asks and renders; it reaches adapters (files, providers, the store, the server, sinks,
    // GitHub) only through src/engine, so every command's logic can be called and tested without it.
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/io/*', '**/providers/*', '**/store/*', '**/server/*', '**/sinks/*', '**/github/*'], message: 'src/cli reaches adapters only through src/engine.' }],
      }],
    },
  },
);
