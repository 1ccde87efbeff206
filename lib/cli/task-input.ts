import { readFileSync } from "node:fs";
import { call, type Connection } from "./client";
import { usageError } from "./exit-codes";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `--context @file.json` or inline JSON; it must be an object. */
export function parseContext(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  let text = value;
  if (value.startsWith("@")) {
    try {
      text = readFileSync(value.slice(1), "utf8");
    } catch (error) {
      throw usageError(`Cannot read the context file ${value.slice(1)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw usageError(`--context is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw usageError("--context must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** A prompt argument of `-` reads the prompt from stdin (for long prompts and pipes). */
export async function readPrompt(prompt: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  if (prompt !== "-") return prompt;
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (!text) throw usageError("The prompt read from stdin is empty");
  return text;
}

/** A project given by key (`WEB`) or id; keys are looked up in the projects the caller can read. */
export async function resolveProject(conn: Connection, keyOrId: string | undefined): Promise<string | undefined> {
  if (!keyOrId) return undefined;
  if (UUID.test(keyOrId)) return keyOrId;
  const key = keyOrId.toUpperCase();
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const { data, response, error } = await conn.api.GET("/api/projects", { params: { query: { limit: 500, ...(cursor ? { cursor } : {}) } } });
    const projects = await call(Promise.resolve({ data, response, error }));
    const found = projects.find((p) => p.key === key);
    if (found) return found.id;
    cursor = response.headers.get("x-next-cursor") ?? undefined;
    if (!cursor) break;
  }
  throw usageError(`No project with key ${key} (or you cannot see it); \`clawlink tasks --help\` lists filters, the portal lists projects`);
}

export function checkId(id: string, what = "task"): string {
  if (!UUID.test(id)) throw usageError(`Not a ${what} id: ${id} (ids are UUIDs, as the listing commands print them)`);
  return id;
}
