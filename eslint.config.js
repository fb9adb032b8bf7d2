// ESLint (flat config): typescript-eslint's strict type-checked and stylistic type-checked rules
// over src/ and test/ (typed through tsconfig.eslint.json), the plain recommended rules over the
// JavaScript in bench/, scripts/ and test/. `npm run lint`; .ci/run runs it before the tests.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/work/**', 'fixtures/**', 'wheelhouse/**', 'tmp/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // strict's no-non-null-assertion forbids `x!`; stylistic's non-nullable-type-assertion-style
      // demands `x!` in place of `x as T`. They contradict each other (typescript-eslint says not
      // to enable both), so the stricter one stays: no `!` anywhere.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // `const { index: _index, ...fields } = s` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Messages print offsets, sizes and counts ("program header 3 (p_offset=0x4000) ...");
      // numbers and bigints format exactly in a template, so wrapping each in String() would
      // add noise without catching anything. Objects, nullish values and booleans stay errors.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowAny: false, allowBoolean: false, allowNullish: false, allowRegExp: false, allowNever: false },
      ],
    },
  },
  {
    // Plain JavaScript (benchmarks, build scripts, test drivers): no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // House style: a function over 80 lines carries a comment above it saying why it must be
    // long: an `eslint-disable-next-line max-lines-per-function -- <reason>` comment.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Tests: the same rules, three of them relaxed where test code reads better without them.
    files: ['test/**/*.ts'],
    rules: {
      // `expect(() => parse(bad)).toThrow()` is how a throw is asserted.
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // Failure messages print values that may be absent (a regex group, an exit status that
      // is null after a signal): "undefined" or "null" in the message is what a reader needs.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowNullish: true, allowAny: false, allowBoolean: false, allowRegExp: false, allowNever: false },
      ],
      // Tests match ANSI colour escapes and NUL bytes in output.
      'no-control-regex': 'off',
    },
  },
);
