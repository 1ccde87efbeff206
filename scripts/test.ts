/**
 * `npm test`: the whole suite, in order — typecheck, lint, unit, integration on PGlite,
 * integration on Postgres (when TEST_DATABASE_URL is set), browser tests in Chromium.
 * Stops at the first failing step and says which.
 */
import { spawnSync } from "node:child_process";
import { findChromium, NO_BROWSER_HELP } from "../e2e/support/browser";

interface Step {
  name: string;
  command: string[];
  env?: Record<string, string>;
}

const bin = (name: string) => `node_modules/.bin/${name}`;
const postgresUrl = process.env.TEST_DATABASE_URL;

const steps: Step[] = [
  { name: "typecheck", command: [bin("tsc"), "--noEmit"] },
  { name: "lint", command: [bin("eslint"), ".", "--max-warnings=0"] },
  { name: "unit tests", command: [bin("vitest"), "run", "--project", "unit"] },
  { name: "integration tests on PGlite", command: [bin("vitest"), "run", "--project", "integration"], env: { TEST_DB: "pglite" } },
];
if (postgresUrl) {
  steps.push({ name: "integration tests on PostgreSQL", command: [bin("vitest"), "run", "--project", "integration"], env: { TEST_DB: "postgres" } });
}
steps.push({ name: "browser tests (Playwright, Chromium)", command: [bin("playwright"), "test"] });

const say = (line: string) => process.stdout.write(`\n\x1b[1m[test]\x1b[0m ${line}\n`);

if (!postgresUrl) say("TEST_DATABASE_URL is not set: integration tests run on PGlite only (set it to postgres://… to add the PostgreSQL run).");
if (!findChromium()) {
  process.stderr.write(`\n${NO_BROWSER_HELP}\n`);
  process.exit(1);
}

const started = Date.now();
for (const [index, step] of steps.entries()) {
  say(`(${index + 1}/${steps.length}) ${step.name}…`);
  const t0 = Date.now();
  const result = spawnSync(step.command[0]!, step.command.slice(1), { stdio: "inherit", env: { ...process.env, ...step.env } });
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  if (result.status !== 0) {
    say(`✗ ${step.name} failed after ${seconds}s (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
  say(`✓ ${step.name} (${seconds}s)`);
}
say(`All ${steps.length} steps passed in ${((Date.now() - started) / 1000).toFixed(0)}s.`);
