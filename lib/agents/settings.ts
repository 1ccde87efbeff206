/**
 * What each agent can be configured with. A value comes from, in order of precedence: the
 * admin's stored setting (agent_configs), the environment variable named here, the default.
 * Secrets are stored encrypted and never leave the server.
 */
export interface SettingSpec {
  /** camelCase key in AgentSettings; the public API uses its snake_case form. */
  key: string;
  label: string;
  type: "string" | "url" | "number" | "boolean" | "enum";
  env?: string;
  default?: string | number | boolean;
  secret?: boolean;
  options?: readonly string[];
  min?: number;
  max?: number;
  help?: string;
  /** For strings: the value must match, else 422 with `patternMessage`. */
  pattern?: RegExp;
  patternMessage?: string;
}

export const CREDENTIAL_ENV_NAME = /^[A-Z][A-Z0-9_]*_(API_KEY|KEY|TOKEN)$/;

const idleTimeout = (env: string, fallback: number): SettingSpec => ({
  key: "idleTimeoutSeconds",
  label: "Idle watchdog (seconds)",
  type: "number",
  env,
  default: fallback,
  min: 0,
  max: 86_400,
  help: "Fail the run when the CLI prints nothing for this long; 0 turns the watchdog off",
});

const bin = (env: string, name: string): SettingSpec => ({
  key: "bin",
  label: "Executable",
  type: "string",
  env,
  default: name,
  help: "Name on PATH or absolute path",
});

const providerKey = (env: string): SettingSpec => ({ key: "apiKey", label: "Provider API key", type: "string", env, secret: true });

const providerKeyEnv = (hint: string): SettingSpec => ({
  key: "apiKeyEnv",
  label: "Pass the API key as",
  type: "string",
  help: `Environment variable the agent reads the key from; ${hint}`,
  // Only credential-like names: this must not become a way to set PATH or LD_PRELOAD.
  pattern: CREDENTIAL_ENV_NAME,
  patternMessage: "must be an environment variable name ending in _API_KEY, _KEY or _TOKEN",
});

const maxTurns = (env: string): SettingSpec => ({ key: "maxTurns", label: "Max turns", type: "number", env, min: 1, max: 10_000 });

export const AGENT_SETTINGS: Record<string, readonly SettingSpec[]> = {
  claude: [
    { key: "apiKey", label: "Anthropic API key", type: "string", env: "ANTHROPIC_API_KEY", secret: true },
    { key: "baseUrl", label: "API base URL", type: "url", env: "ANTHROPIC_BASE_URL", default: "https://api.anthropic.com" },
    { key: "model", label: "Model", type: "string", env: "ANTHROPIC_MODEL", default: "claude-sonnet-5-5" },
    { key: "maxTokens", label: "Max output tokens", type: "number", env: "ANTHROPIC_MAX_TOKENS", default: 8192, min: 1, max: 200_000 },
    { key: "maxRetries", label: "Retries on 429/5xx", type: "number", default: 2, min: 0, max: 10 },
    { key: "systemPrompt", label: "System prompt", type: "string", help: "Prepended to the skills' instructions" },
  ],
  "claude-code": [
    bin("CLAUDE_CODE_BIN", "claude"),
    { key: "apiKey", label: "Anthropic API key", type: "string", env: "ANTHROPIC_API_KEY", secret: true, help: "Passed to the CLI; leave empty to use its own login" },
    { key: "baseUrl", label: "API base URL", type: "url", env: "ANTHROPIC_BASE_URL" },
    { key: "model", label: "Model", type: "string", env: "CLAUDE_CODE_MODEL" },
    {
      key: "permissionMode",
      label: "Permission mode",
      type: "enum",
      env: "CLAUDE_CODE_PERMISSION_MODE",
      default: "default",
      options: ["default", "acceptEdits", "plan", "bypassPermissions"],
    },
    {
      key: "approvals",
      label: "Ask a person to approve tool use",
      type: "boolean",
      env: "CLAUDE_CODE_APPROVALS",
      default: true,
      help: "Off: tools the permission mode does not allow are denied without asking",
    },
    maxTurns("CLAUDE_CODE_MAX_TURNS"),
    idleTimeout("CLAUDE_CODE_IDLE_TIMEOUT", 600),
  ],
  goose: [
    bin("GOOSE_BIN", "goose"),
    { key: "provider", label: "Provider", type: "string", env: "GOOSE_PROVIDER", help: "anthropic, openai, ollama, …" },
    { key: "model", label: "Model", type: "string", env: "GOOSE_MODEL" },
    providerKey("GOOSE_API_KEY"),
    providerKeyEnv("derived from the provider when empty"),
    { key: "ollamaHost", label: "Ollama host (ollama provider)", type: "url", env: "OLLAMA_HOST" },
    idleTimeout("GOOSE_IDLE_TIMEOUT", 600),
  ],
  auggie: [
    bin("AUGGIE_BIN", "auggie"),
    {
      key: "sessionAuth",
      label: "Augment session (AUGMENT_SESSION_AUTH JSON)",
      type: "string",
      env: "AUGMENT_SESSION_AUTH",
      secret: true,
      help: "Leave empty to use `auggie login` of the server's user",
    },
    { key: "model", label: "Model", type: "string", env: "AUGGIE_MODEL" },
    {
      key: "allowIndexing",
      label: "Let Auggie index the workspace without asking",
      type: "boolean",
      env: "AUGGIE_ALLOW_INDEXING",
      default: false,
      help: "Off: the first task on a workspace waits for a person to allow or refuse indexing",
    },
    idleTimeout("AUGGIE_IDLE_TIMEOUT", 600),
  ],
  gemini: [
    bin("GEMINI_BIN", "gemini"),
    { key: "apiKey", label: "Gemini API key", type: "string", env: "GEMINI_API_KEY", secret: true, help: "Leave empty to use the server user's Gemini CLI login" },
    { key: "model", label: "Model", type: "string", env: "GEMINI_MODEL" },
    idleTimeout("GEMINI_IDLE_TIMEOUT", 600),
  ],
  opencode: [
    bin("OPENCODE_BIN", "opencode"),
    providerKey("OPENCODE_API_KEY"),
    providerKeyEnv("e.g. ANTHROPIC_API_KEY or OPENAI_API_KEY"),
    {
      key: "configJson",
      label: "opencode.json contents",
      type: "string",
      env: "OPENCODE_CONFIG_CONTENT",
      help: "Providers and models (e.g. an OpenAI-compatible base URL); passed as OPENCODE_CONFIG_CONTENT",
    },
    idleTimeout("OPENCODE_IDLE_TIMEOUT", 600),
  ],
  acp: [
    { key: "bin", label: "Executable", type: "string", env: "ACP_AGENT_BIN", help: "Name on PATH or absolute path of an agent that speaks ACP on stdio" },
    { key: "args", label: "Arguments", type: "string", env: "ACP_AGENT_ARGS", help: "e.g. `acp` or `--experimental-acp`; quotes group" },
    {
      key: "envVars",
      label: "Environment",
      type: "string",
      env: "ACP_AGENT_ENV",
      help: "KEY=value pairs, one per line (PATH, HOME, LD_* and NODE_OPTIONS are refused)",
    },
    providerKey("ACP_AGENT_API_KEY"),
    providerKeyEnv("e.g. ANTHROPIC_API_KEY"),
    idleTimeout("ACP_AGENT_IDLE_TIMEOUT", 600),
  ],
  ollama: [
    { key: "host", label: "Ollama URL", type: "url", env: "OLLAMA_HOST", default: "http://127.0.0.1:11434" },
    { key: "model", label: "Model", type: "string", env: "OLLAMA_MODEL", default: "qwen2.5-coder:7b" },
    { key: "apiKey", label: "API key (ollama.com cloud only)", type: "string", env: "OLLAMA_API_KEY", secret: true },
    { key: "systemPrompt", label: "System prompt", type: "string" },
    { key: "keepAlive", label: "Keep model loaded", type: "string", default: "5m" },
  ],
  opendevin: [
    { key: "url", label: "OpenHands app server URL", type: "url", env: "OPENHANDS_URL" },
    { key: "apiKey", label: "OpenHands API key", type: "string", env: "OPENHANDS_API_KEY", secret: true },
    { key: "pollIntervalMs", label: "Poll interval (ms)", type: "number", env: "OPENHANDS_POLL_INTERVAL_MS", default: 1000, min: 10, max: 60_000 },
    { key: "startTimeoutSeconds", label: "Sandbox start timeout (s)", type: "number", default: 900, min: 1, max: 86_400 },
    {
      key: "confirmation",
      label: "Ask a person to confirm actions",
      type: "boolean",
      env: "OPENHANDS_CONFIRMATION",
      default: false,
    },
  ],
};

export function settingSpecs(agentType: string): readonly SettingSpec[] {
  return AGENT_SETTINGS[agentType] ?? [];
}

/** Parse an environment string as the setting's type; undefined when unset or malformed. */
export function parseEnvValue(spec: SettingSpec, raw: string | undefined): string | number | boolean | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = raw.trim();
  switch (spec.type) {
    case "number": {
      const n = Number(value);
      return Number.isFinite(n) ? n : undefined;
    }
    case "boolean":
      if (["1", "true", "yes", "on"].includes(value.toLowerCase())) return true;
      if (["0", "false", "no", "off"].includes(value.toLowerCase())) return false;
      return undefined;
    case "enum":
      return spec.options?.includes(value) ? value : undefined;
    default:
      return spec.secret ? raw : value;
  }
}

export const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
export const toCamel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
