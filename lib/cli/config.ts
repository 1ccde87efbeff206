import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import envPaths from "env-paths";
import { z } from "zod";
import { cliEnv } from "../env";
import { CliError, EXIT } from "./exit-codes";

/** What `clawlink login` saves: one node and its credential. */
const savedConfig = z.object({ url: z.string().url(), token: z.string().min(1), saved_at: z.string().optional() });
export type SavedConfig = z.infer<typeof savedConfig>;

export function configDir(): string {
  return cliEnv().CLAWLINK_CONFIG_DIR ?? envPaths("clawlink", { suffix: "" }).config;
}

export const configFile = () => path.join(configDir(), "config.json");

export function readSavedConfig(): SavedConfig | null {
  let text: string;
  try {
    text = readFileSync(configFile(), "utf8");
  } catch {
    return null;
  }
  const parsed = savedConfig.safeParse(parseJson(text));
  if (!parsed.success) throw new CliError(`${configFile()} is not a valid clawlink config; run \`clawlink login <url>\` again`, EXIT.auth, "bad_config");
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Written owner-only (0600, folder 0700) and atomically, so a crash never leaves half a token behind. */
export function saveConfig(config: Omit<SavedConfig, "saved_at">): string {
  const dir = configDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = configFile();
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ ...config, saved_at: new Date().toISOString() }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}

export function forgetConfig(): boolean {
  const file = configFile();
  const had = readSavedConfig() !== null;
  rmSync(file, { force: true });
  return had;
}

/** A node URL without a trailing slash, path or credentials; http(s) only. */
export function normaliseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `http://${input}`);
  } catch {
    throw new CliError(`Not a URL: ${input}`, EXIT.usage, "usage");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new CliError(`Only http:// and https:// node URLs are supported, not ${url.protocol}`, EXIT.usage, "usage");
  if (url.username || url.password) throw new CliError("Put no credentials in the node URL; `clawlink login` asks for a token", EXIT.usage, "usage");
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

export interface Target {
  url: string;
  token: string | null;
}

/**
 * The node and credential to use: CLAWLINK_URL / CLAWLINK_TOKEN win over the saved login. A saved
 * token is only ever sent to the URL it was saved for, never to another node named by CLAWLINK_URL.
 */
export function resolveTarget(): Target | null {
  const env = cliEnv();
  const saved = readSavedConfig();
  const url = env.CLAWLINK_URL ? normaliseUrl(env.CLAWLINK_URL) : saved?.url;
  if (!url) return null;
  const token = env.CLAWLINK_TOKEN ?? (saved && saved.url === url ? saved.token : null);
  return { url, token };
}
