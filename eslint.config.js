import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

import { boundaries, envAccess } from "./tooling/eslint/boundaries.js";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "**/dist/**",
      "**/.next/**",
      "**/gen/**",
      "**/*.gen.ts",
      "**/next-env.d.ts",
      "**/test-results/**",
      "**/playwright-report/**",
      "tooling/eslint/__fixtures__/**",
      "**/*.js",
      "**/*.mjs",
      "**/*.cjs",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/consistent-type-definitions": ["error", "type"],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "import-x/no-extraneous-dependencies": ["error", { includeTypes: true }],
      "no-empty": "error",
      complexity: ["warn", 10],
      "max-depth": ["warn", 3],
      "max-params": ["warn", 3],
      "max-lines": [
        "warn",
        { max: 300, skipBlankLines: true, skipComments: true },
      ],
    },
  },
  {
    files: [
      "**/*.test.ts",
      "**/*.test.tsx",
      "e2e/**",
      "**/scripts/**",
      "scripts/**",
    ],
    rules: {
      "max-lines": "off",
      complexity: "off",
      "max-params": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "import-x/no-extraneous-dependencies": [
        "error",
        { devDependencies: true, includeTypes: true },
      ],
    },
  },
  ...boundaries,
  envAccess,
);
