// Lint rules for the TypeScript sources, the labs and the tests (flat config).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'templates/**',
      'labs/*/solution/**',
      'labs/*/starter/**',
      'labs/*/broken/**',
      'labs/*/alternatives/**',
      'bench/**/*.js',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Scripts (benchmarks, bin) run on Node.js.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      // Unused names are mistakes, except those marked as deliberately ignored.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Engine API and parser payloads are loosely typed at the edges; `any` is allowed there, sparingly.
      '@typescript-eslint/no-explicit-any': 'off',
      // Control characters in regular expressions are how terminal and wire protocols are matched.
      'no-control-regex': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
  {
    // Engine tests read the engine through a gate that is undefined until the suite starts: `engine!?.docker` is deliberate there.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-extra-non-null-assertion': 'off' },
  },
  {
    // Labs are written against the lab-kit alone: one import path, whatever docklab's insides become.
    files: ['labs/*/lab.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./\\.\\./src/(?!lab-kit/index\\.js$)', message: 'a lab imports only ../../src/lab-kit/index.js' }] },
      ],
    },
  },
  {
    // The engine and the images know nothing of checks, labs or commands.
    files: ['src/engine/**/*.ts', 'src/images/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(checks|labs|lab-kit|cli|report)/', message: 'layers point one way: cli → runner → lab-kit → engine/images' }] },
      ],
    },
  },
);
