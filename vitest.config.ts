import path from "node:path";
import { defineConfig } from "vitest/config";

// Two projects: pure unit tests, and integration tests that each get a fresh database.
// TEST_DB=postgres runs the integration project against TEST_DATABASE_URL instead of PGlite.
export default defineConfig({
  resolve: { alias: { "@": path.resolve(import.meta.dirname) } },
  test: {
    // next-auth imports "next/server" without an extension; let Vite resolve it.
    server: { deps: { inline: ["next-auth", "@auth/core"] } },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "tests/unit/**/*.test.ts"],
          exclude: ["**/*.int.test.ts", "node_modules/**"],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["lib/**/*.int.test.ts", "tests/integration/**/*.int.test.ts"],
          // *.postgres.int.test.ts need a server (other processes, sessions to terminate, a link to cut): PostgreSQL runs only.
          exclude: process.env.TEST_DB === "postgres" ? [] : ["**/*.postgres.int.test.ts"],
          environment: "node",
          globalSetup: ["tests/support/global-setup.ts"],
          setupFiles: ["tests/support/setup-env.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: "forks",
          maxWorkers: 2,
        },
      },
    ],
  },
});
