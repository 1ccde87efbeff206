/**
 * Links from the output to the Changes view: a tool card asks for a file, the Changes panel
 * opens, finds it (agents report absolute or workspace-relative paths) and scrolls to it.
 */
export const OPEN_FILE_EVENT = "clawlink:open-changed-file";

export function openChangedFile(path: string): void {
  window.dispatchEvent(new CustomEvent<string>(OPEN_FILE_EVENT, { detail: path }));
}

/** The changed file a tool's path names: the same path, or one it ends with (absolute paths). */
export function matchChangedFile(files: readonly string[], wanted: string): string | null {
  const clean = wanted.replace(/\\/g, "/").replace(/^\.\//, "");
  return files.find((f) => f === clean) ?? files.filter((f) => clean.endsWith(`/${f}`)).sort((a, b) => b.length - a.length)[0] ?? null;
}
