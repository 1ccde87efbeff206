import type { FullConfig } from "@playwright/test";
import postgres from "postgres";
import { randomBytes } from "node:crypto";
import { buildIfNeeded } from "../../scripts/lib/build";
import { findChromium, NO_BROWSER_HELP } from "./browser";
import { startFakeGithub } from "../../tests/fakes/github-server";
import { startFakeTelegram } from "../../tests/fakes/telegram-server";
import { startFakeWebhook } from "../../tests/fakes/webhook-receiver";
import { saveE2eState, startE2eServer, stopE2eServer } from "./server";

/**
 * Fails loudly when no browser is installed (never skips), then starts the production
 * server on a fresh database — a new Postgres database when TEST_DATABASE_URL is set, else a
 * new embedded PGlite folder — seeded with one user per role (see e2e/support/seed.ts).
 */
export default async function globalSetup(_config: FullConfig) {
  if (!findChromium()) throw new Error(NO_BROWSER_HELP);
  // Build before the server's start-up clock runs: on a busy machine the build alone can take minutes.
  buildIfNeeded(process.cwd(), (line) => process.stdout.write(`[e2e] ${line}\n`));
  let databaseUrl: string | null = null;
  let dropDatabase: (() => Promise<void>) | undefined;
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `clawlink_e2e_${randomBytes(5).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    };
  }
  // Pull requests go to a loopback fake of GitHub's REST API (tokens: ghp_valid).
  const github = await startFakeGithub();
  process.env.GITHUB_API_URL = github.url;
  // Notifications go to a loopback fake of the Telegram Bot API and a fake incoming-webhook receiver.
  const telegram = await startFakeTelegram();
  const webhook = await startFakeWebhook();
  Object.assign(process.env, { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_URL: telegram.url, TELEGRAM_BOT_USERNAME: "clawlink_test_bot", NOTIFY_ALLOW_HTTP_WEBHOOKS: "1", E2E_FAKE_WEBHOOK_URL: webhook.url });
  const { state, child } = await startE2eServer({ databaseUrl, name: "main", seed: true });
  saveE2eState(state);
  return async () => {
    await stopE2eServer(child, state.dataDir);
    await github.close();
    await telegram.close();
    await webhook.close();
    await dropDatabase?.();
  };
}
