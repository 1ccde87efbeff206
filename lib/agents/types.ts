import type { Database } from "../db/client";

/** Normalised events an adapter emits; the engine appends them to execution_events. */
export type AgentEvent =
  | { type: "output"; text: string; stream?: "stdout" | "stderr" | "assistant" }
  | { type: "message"; role: "assistant" | "user" | "system"; text: string }
  | { type: "tool_call"; id?: string; name: string; input?: unknown }
  | { type: "tool_result"; id?: string; name?: string; output?: unknown; isError?: boolean }
  | { type: "progress"; message: string; percent?: number }
  | { type: "usage"; inputTokens?: number; outputTokens?: number; costUsd?: number; model?: string }
  | { type: "error"; message: string; detail?: unknown };

/** What a person is asked while a task is WAITING. */
export interface HumanQuestion {
  kind: "approval" | "question";
  prompt: string;
  /** For approvals: what the agent wants to do (tool name and input). */
  tool?: { name: string; input?: unknown };
  /** Offered answers, if any (e.g. ["approve", "deny"]). */
  options?: string[];
}

export interface HumanAnswer {
  /** For approvals. */
  approved?: boolean;
  /** Free-text answer or the chosen option. */
  text?: string;
  answeredBy: string;
}

export interface SkillForAgent {
  name: string;
  description: string;
  instructions: string;
  /** Folder holding SKILL.md and its files. */
  path: string;
  allowedTools: string[];
}

export interface AgentRunInput {
  task: { id: string; attempt: number; userId: string; projectId: string | null; agentType: string };
  prompt: string;
  context: Record<string, unknown>;
  /** Working directory for CLI agents (the project's checkout or a fresh folder). */
  workspace: string;
  skills: SkillForAgent[];
  /** Aborted on cancel, timeout or lost claim: stop the backend and return promptly. */
  signal: AbortSignal;
  emit: (event: AgentEvent) => void;
  /** Moves the task to WAITING until someone answers; rejects if the task is cancelled meanwhile. */
  askHuman: (question: HumanQuestion) => Promise<HumanAnswer>;
  /** Per-agent settings (env defaults merged with the admin's stored config, secrets decrypted). */
  config: AgentSettings;
}

export interface AgentRunResult {
  /** The final answer or summary shown as the task's result. */
  output: string;
  /** Anything else worth keeping (session id for --resume, model, usage …). */
  data?: Record<string, unknown>;
}

export interface AgentProbe {
  available: boolean;
  reason?: string;
  version?: string;
}

export type AgentSettings = Record<string, string | number | boolean | undefined>;

export interface AgentAdapter {
  /** The agent_type clients send: claude, claude-code, goose, auggie, ollama, opendevin, … */
  type: string;
  displayName: string;
  description: string;
  /** How it is driven, for the UI: "Anthropic Messages API", "claude CLI (stream-json)", … */
  backend: string;
  aliases?: string[];
  /** True when a run interrupted by a node loss may be replayed safely (default false). */
  resumable?: boolean;
  /**
   * Whether runs work on files (CLI agents: a git worktree or scratch repository is prepared and
   * its changes are shown); API-only agents get a plain folder. A function decides per task.
   */
  usesWorkspace?: boolean | ((task: { prompt: string; context: Record<string, unknown> }) => boolean);
  probe(config: AgentSettings): Promise<AgentProbe>;
  /** Throws on failure (the message becomes the task's error); resolves with the result. */
  run(input: AgentRunInput): Promise<AgentRunResult>;
}

/** Reads an agent's effective settings; implemented in lib/agents/config.ts. */
export type AgentConfigLoader = (db: Database, agentType: string) => Promise<AgentSettings>;
