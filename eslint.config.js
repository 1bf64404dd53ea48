import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Type-aware rules (tseslint.configs.recommendedTypeChecked, with parserOptions.project pointing at
// tsconfig.test.json, which covers every TypeScript file) are not on yet: turning them on changes
// most files, which is best done when no other change is in flight.
export default tseslint.config(
  { ignores: ["dist/", "node_modules/", ".cache/", ".es/", "fixtures/**/*.jsonl"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "no-console": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
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
