// Lint rules for the whole tree: typescript-eslint's recommended set (syntax-only, so it runs in
// seconds) and the few project conventions below. Formatting is prettier's job, not ESLint's.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tmp/**', 'data/**', 'coverage/**', 'test-results/**', 'tools/**', 'apps/console/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_name` marks a binding left unused on purpose (a field destructured away, a parameter a callback shape requires).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Scripts and tool configuration files are CommonJS, run by Node as they are.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The console's pages: Vue single-file components with TypeScript, run in the browser.
  // `essential` holds the rules that catch errors; layout is prettier's, as for the rest.
  ...pluginVue.configs['flat/essential'],
  {
    files: ['apps/console/**/*.ts', 'apps/console/**/*.vue', 'apps/console/**/*.mts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      // Page files are named by what they show (DashboardPage.vue), App.vue and Shell.vue by role.
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    // End-to-end specs read JSON bodies of every shape the API answers.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
