/**
 * What a tool call edits, read from the inputs of the agents we drive: Claude Code's Edit /
 * MultiEdit / Write (file_path, old_string, new_string, content), ACP's edit kind (files,
 * locations), the test agent's write/delete (file_path). Null when the call edits no file.
 */
export interface ToolEdit {
  path: string;
  /** Lines removed and added, for a small inline diff; empty when only the path is known. */
  lines: Array<{ kind: "add" | "del"; text: string }>;
}

const EDIT_NAMES = /^(edit|multiedit|write|str_replace|str_replace_editor|create|delete|apply_patch|notebookedit|replace)$/i;

const record = (v: unknown): Record<string, unknown> | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);
const asLines = (text: string | undefined, kind: "add" | "del") => (text === undefined ? [] : text.replace(/\n$/, "").split("\n").map((t) => ({ kind, text: t })));

export function toolEdit(name: unknown, input: unknown): ToolEdit[] {
  const data = record(input);
  if (!data) return [];
  // ACP: { kind: "edit" | "delete" | "move", files?: [...], locations?: [...] }
  if (data.kind === "edit" || data.kind === "delete" || data.kind === "move") {
    const files = Array.isArray(data.files) ? data.files : Array.isArray(data.locations) ? data.locations : [];
    const raw = record(data.raw_input);
    const lines = raw ? [...asLines(str(raw.old_string) ?? str(raw.oldText), "del"), ...asLines(str(raw.new_string) ?? str(raw.newText) ?? str(raw.content), "add")] : [];
    return [...new Set(files.filter((f): f is string => typeof f === "string"))].map((path, i) => ({ path, lines: i === 0 ? lines : [] }));
  }
  if (typeof name !== "string" || !EDIT_NAMES.test(name)) return [];
  const path = str(data.file_path) ?? str(data.path) ?? str(data.notebook_path) ?? str(data.filename);
  if (!path) return [];
  if (Array.isArray(data.edits))
    return [{ path, lines: data.edits.flatMap((e) => { const r = record(e); return r ? [...asLines(str(r.old_string), "del"), ...asLines(str(r.new_string), "add")] : []; }) }];
  if (/^delete$/i.test(name)) return [{ path, lines: [] }];
  return [{ path, lines: [...asLines(str(data.old_string) ?? str(data.old_str), "del"), ...asLines(str(data.new_string) ?? str(data.new_str) ?? str(data.content) ?? str(data.file_text), "add")] }];
}
