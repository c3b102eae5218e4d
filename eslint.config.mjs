// @ts-check
import eslint from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "out/", "node_modules/", ".pulumi-state/", "policy/node_modules/"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always"],
      "no-console": "off",
    },
  },
  {
    // tsc checks these itself (noUnusedLocals, noUnusedParameters in tsconfig.json), on every build and in npm test.
    files: ["**/*.ts"],
    rules: { "@typescript-eslint/no-unused-vars": "off" },
  },
  {
    // CommonJS on purpose (tools/transpile.cjs is loaded by ES modules and by compiled code alike).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
