/** One file of a unified diff (git format), split into the lines a viewer shows. */
export interface DiffFile {
  path: string;
  binary: boolean;
  lines: Array<{ kind: "add" | "del" | "ctx" | "hunk"; text: string }>;
}

/** Split `git diff` output per file; header lines are dropped, hunk headers kept. */
export function parseUnifiedDiff(diff: string): DiffFile[] {
  const files: DiffFile[] = [];
  for (const chunk of diff.split(/^diff --git /m).slice(1)) {
    const rows = chunk.split("\n");
    const header = /^a\/(.+?) b\/(.+)$/.exec(rows[0] ?? "");
    const plus = rows.find((r) => r.startsWith("+++ "));
    const path = plus && plus !== "+++ /dev/null" ? plus.slice(6) : (header?.[2] ?? rows[0]);
    const file: DiffFile = { path, binary: rows.some((r) => r.startsWith("Binary files ")), lines: [] };
    let inHunk = false;
    for (const row of rows.slice(1)) {
      if (row.startsWith("@@")) {
        inHunk = true;
        file.lines.push({ kind: "hunk", text: row });
      } else if (!inHunk || row.startsWith("\\ No newline")) continue;
      else if (row.startsWith("+")) file.lines.push({ kind: "add", text: row.slice(1) });
      else if (row.startsWith("-")) file.lines.push({ kind: "del", text: row.slice(1) });
      else if (row.startsWith(" ")) file.lines.push({ kind: "ctx", text: row.slice(1) });
    }
    files.push(file);
  }
  return files;
}

const LANGUAGES: Record<string, string> = {
  ts: "typescript", tsx: "tsx", js: "javascript", jsx: "jsx", mjs: "javascript", cjs: "javascript", json: "json", md: "markdown",
  py: "python", go: "go", rs: "rust", css: "css", html: "html", yml: "yaml", yaml: "yaml", sh: "bash", java: "java", rb: "ruby",
  c: "c", h: "c", cpp: "cpp", toml: "toml", sql: "sql", kt: "kotlin", swift: "swift", php: "php",
};

/** The shiki language for a path, or "text". */
export function languageOf(path: string): string {
  const ext = path.split(".").pop()?.toLowerCase() ?? "";
  return LANGUAGES[ext] ?? "text";
}
