import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { probeBinary } from "../binary";
import { CREDENTIAL_ENV_NAME } from "../settings";
import type { AgentAdapter, AgentProbe, AgentRunInput, AgentSettings } from "../types";
import type { AcpLaunch } from "./run";

const text = (v: unknown) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);
const home = () => process.env.HOME ?? "";

/** Variables the generic agent's admin may not set: they change what runs, not how it is configured. */
const RESERVED_ENV = /^(PATH|HOME|LD_.*|DYLD_.*|NODE_OPTIONS|BASH_ENV|ENV|IFS|CLAWLINK_.*)$/i;

/** `KEY=value` pairs separated by newlines or spaces (values with spaces go one per line). */
export function parseEnvList(list: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!list) return env;
  const entries = list.includes("\n") ? list.split("\n") : list.split(/\s+/);
  for (const entry of entries.map((e) => e.trim()).filter(Boolean)) {
    const eq = entry.indexOf("=");
    const key = eq > 0 ? entry.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || RESERVED_ENV.test(key)) continue;
    env[key] = entry.slice(eq + 1);
  }
  return env;
}

/** Arguments from one string: whitespace separates, double or single quotes group. */
export function parseArgs(line: string | undefined): string[] {
  const args: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of (line ?? "").matchAll(pattern)) args.push(m[1] ?? m[2] ?? m[3]);
  return args;
}

/** The provider key under the variable the CLI reads (only credential-like names). */
function keyEnv(config: AgentSettings, fallback?: string): Record<string, string | undefined> {
  const name = text(config.apiKeyEnv) ?? fallback;
  return name && CREDENTIAL_ENV_NAME.test(name) ? { [name]: text(config.apiKey) } : {};
}

const idleMs = (config: AgentSettings) => Number(config.idleTimeoutSeconds ?? 0) * 1000;

/** Binary present, then the agent's own check (login, provider) where the CLI can tell. */
async function probeWith(bin: string, envName: string, check?: () => string | undefined): Promise<AgentProbe> {
  const found = await probeBinary(bin, envName);
  if (!found.available) return found;
  const problem = check?.();
  return problem ? { available: false, reason: problem, version: found.version } : found;
}

interface AcpAgentSpec {
  type: string;
  displayName: string;
  description: string;
  aliases?: string[];
  binEnv: string;
  defaultBin?: string;
  skillsDir: string;
  launch: (config: AgentSettings, input: AgentRunInput) => Pick<AcpLaunch, "args" | "env">;
  /** Why the agent cannot run although its binary is there (no login, no provider), if it can tell. */
  check?: (config: AgentSettings) => string | undefined;
}

function acpAdapter(spec: AcpAgentSpec): AgentAdapter {
  const binOf = (config: AgentSettings) => text(config.bin) ?? spec.defaultBin;
  return {
    type: spec.type,
    displayName: spec.displayName,
    description: spec.description,
    backend: "Agent Client Protocol (stdio)",
    usesWorkspace: true,
    aliases: spec.aliases,
    async probe(config) {
      const bin = binOf(config);
      if (!bin) return { available: false, reason: `No command configured: set ${spec.binEnv} or the agent's Executable setting` };
      return probeWith(bin, spec.binEnv, spec.check && (() => spec.check!(config)));
    },
    run(input) {
      const bin = binOf(input.config);
      if (!bin) throw new Error(`No command configured for ${spec.displayName}: set ${spec.binEnv}`);
      const { args, env } = spec.launch(input.config, input);
      // The ACP client (SDK, terminals, updates) loads with the first run: about 6 MB of heap a node
      // that never runs an ACP agent need not carry.
      return import("./run").then(({ runAcp }) => runAcp(input, { label: spec.displayName, bin, args, env, skillsDir: spec.skillsDir, idleTimeoutMs: idleMs(input.config) }));
    },
  };
}

/** Where each goose provider reads its key (goose's own provider env names). */
const GOOSE_PROVIDER_KEY_ENV: Record<string, string> = {
  anthropic: "ANTHROPIC_API_KEY",
  openai: "OPENAI_API_KEY",
  google: "GOOGLE_API_KEY",
  gemini: "GOOGLE_API_KEY",
  openrouter: "OPENROUTER_API_KEY",
  groq: "GROQ_API_KEY",
  mistral: "MISTRAL_API_KEY",
  xai: "XAI_API_KEY",
  deepseek: "DEEPSEEK_API_KEY",
};

export const gooseAgent = acpAdapter({
  type: "goose",
  displayName: "Goose",
  description: "Block's open-source goose agent over ACP (goose acp); tool use waits for approval",
  binEnv: "GOOSE_BIN",
  defaultBin: "goose",
  skillsDir: ".agents/skills",
  launch: (config) => {
    const provider = text(config.provider)?.toLowerCase();
    return {
      args: ["acp"],
      env: {
        GOOSE_PROVIDER: text(config.provider),
        GOOSE_MODEL: text(config.model),
        OLLAMA_HOST: text(config.ollamaHost),
        ...keyEnv(config, provider ? GOOSE_PROVIDER_KEY_ENV[provider] : undefined),
      },
    };
  },
  check: (config) =>
    text(config.provider) || existsSync(path.join(home(), ".config", "goose", "config.yaml"))
      ? undefined
      : "Goose has no model provider: set GOOSE_PROVIDER (and its API key), or run `goose configure` as the server's user",
});

/** Is there an Augment login the CLI will find? (AUGMENT_SESSION_AUTH, else ~/.augment/session.json) */
export function augmentLoginProblem(sessionAuth: string | undefined, homeDir = home()): string | undefined {
  const hasToken = (json: string) => {
    try {
      const parsed = JSON.parse(json) as { accessToken?: unknown; tenantURL?: unknown };
      return typeof parsed.accessToken === "string" && parsed.accessToken !== "" && typeof parsed.tenantURL === "string";
    } catch {
      return false;
    }
  };
  if (sessionAuth) return hasToken(sessionAuth) ? undefined : "AUGMENT_SESSION_AUTH is not a session JSON with accessToken and tenantURL";
  const file = path.join(homeDir, ".augment", "session.json");
  if (!existsSync(file)) return "Auggie is not signed in: set AUGMENT_SESSION_AUTH, or run `auggie login` as the server's user";
  try {
    return hasToken(readFileSync(file, "utf8")) ? undefined : `${file} holds no usable session: run \`auggie login\` again`;
  } catch {
    return `${file} cannot be read by the server`;
  }
}

export const auggieAgent = acpAdapter({
  type: "auggie",
  displayName: "Auggie",
  description: "Augment Code's auggie CLI over ACP (auggie --acp); tool use waits for approval",
  binEnv: "AUGGIE_BIN",
  defaultBin: "auggie",
  skillsDir: ".augment/skills",
  launch: (config, input) => ({
    args: [
      "--acp",
      "--workspace-root",
      input.workspace,
      ...(text(config.model) ? ["--model", text(config.model)!] : []),
      // Without it auggie first asks whether it may index (upload) the workspace: a person answers.
      ...(config.allowIndexing === true ? ["--allow-indexing"] : []),
    ],
    env: { AUGMENT_SESSION_AUTH: text(config.sessionAuth) },
  }),
  check: (config) => augmentLoginProblem(text(config.sessionAuth)),
});

export const geminiAgent = acpAdapter({
  type: "gemini",
  displayName: "Gemini CLI",
  description: "Google's Gemini CLI over ACP (gemini --acp)",
  binEnv: "GEMINI_BIN",
  defaultBin: "gemini",
  skillsDir: ".gemini/skills",
  launch: (config) => ({
    args: ["--acp", ...(text(config.model) ? ["--model", text(config.model)!] : [])],
    env: { GEMINI_API_KEY: text(config.apiKey) },
  }),
  check: (config) =>
    text(config.apiKey) || existsSync(path.join(home(), ".gemini", "oauth_creds.json"))
      ? undefined
      : "Gemini CLI is not signed in: set GEMINI_API_KEY, or sign in once with `gemini` as the server's user",
});

export const openCodeAgent = acpAdapter({
  type: "opencode",
  displayName: "OpenCode",
  description: "sst's OpenCode agent over ACP (opencode acp)",
  binEnv: "OPENCODE_BIN",
  defaultBin: "opencode",
  skillsDir: ".opencode/skills",
  launch: (config) => ({
    args: ["acp"],
    env: { ...keyEnv(config), OPENCODE_CONFIG_CONTENT: text(config.configJson) },
  }),
});

export const genericAcpAgent = acpAdapter({
  type: "acp",
  displayName: "ACP agent",
  description: "Any agent that speaks the Agent Client Protocol on stdio, run with the command line an administrator configured",
  binEnv: "ACP_AGENT_BIN",
  skillsDir: ".agents/skills",
  launch: (config) => ({ args: parseArgs(text(config.args)), env: { ...parseEnvList(text(config.envVars)), ...keyEnv(config) } }),
});

export const ACP_AGENTS = [gooseAgent, auggieAgent, geminiAgent, openCodeAgent, genericAcpAgent] as const;
