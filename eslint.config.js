import js from "@eslint/js";
import tseslint from "typescript-eslint";

// TypeScript files are linted with type information. The program is tsconfig.test.json, which covers
// every TypeScript file (sources, plugins, examples, tests); the project service would pick the
// nearest tsconfig.json, which leaves the tests out. The .mjs scripts have no types and get the
// untyped rules.
export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".cache/", ".es/", "fixtures/**/*.jsonl"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { project: "./tsconfig.test.json", tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      // Methods of the async interfaces (SearchIndex, encoders, legs) are async even where nothing
      // is awaited, so that bad input reaches the caller as a rejected promise, never as a throw.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    extends: [...tseslint.configs.recommended],
    rules: { "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }] },
  },
  {
    // Test cases and benchmarks read JSON (CLI output, recorded requests, Elasticsearch
    // responses) and hand hostile values to the API on purpose, so values typed any are their
    // daily bread; typing every parsed line would add casts, not safety. The other type-aware
    // rules stay on for them, and every rule for the shared test helpers.
    files: ["test/**/*.test.ts", "test/bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  { rules: { "no-console": "error" } },
  {
    files: ["src/cli/**", "examples/**", "test/**", "fixtures/**"],
    rules: { "no-console": "off" },
  },
  {
    files: ["scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly", Buffer: "readonly", fetch: "readonly", setTimeout: "readonly", AbortSignal: "readonly" } },
    rules: { "no-console": "off" },
  },
);
