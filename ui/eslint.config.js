// Lint rules for the UI: TypeScript's recommended set and the rules of hooks.
import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/lib/bindings"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended, reactHooks.configs.flat.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      globals: globals.browser,
    },
    rules: {
      // useLoad(fn, deps, tags) takes its dependencies as useEffect does: check them the same way.
      "react-hooks/exhaustive-deps": ["warn", { additionalHooks: "^useLoad$" }],
    },
  },
);
