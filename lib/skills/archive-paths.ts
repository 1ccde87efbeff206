import path from "node:path";
import { AppError } from "../errors";
import { SKILL_LIMITS } from "./limits";

/** One entry read from an archive, already checked for kind and size. */
export interface ArchiveEntry {
  /** Normalised relative path with forward slashes, no trailing slash. */
  path: string;
  kind: "file" | "directory";
  data: Buffer;
  executable: boolean;
}

/**
 * Check an archive entry's name and normalise it. Refuses what could escape the skill
 * folder or means something else on another OS: absolute paths, drive letters, `..`,
 * backslashes, NUL and other control characters.
 */
export function normaliseEntryPath(raw: string): { path: string; isDirectory: boolean } {
  const refuse = (why: string) =>
    new AppError("validation_failed", `Archive entry "${printable(raw)}" is refused: ${why}`, { entry: printable(raw), reason: why });
  if (raw === "") throw refuse("empty name");
  if (/[\u0000-\u001f\u007f]/.test(raw)) throw refuse("control characters in the name");
  if (raw.includes("\\")) throw refuse("backslashes are not allowed in paths");
  if (raw.startsWith("/") || /^[A-Za-z]:/.test(raw)) throw refuse("absolute paths are not allowed");
  const segments = raw.split("/");
  if (segments.includes("..")) throw refuse("'..' is not allowed in paths");
  const kept = segments.filter((s) => s !== "" && s !== ".");
  const isDirectory = raw.endsWith("/");
  if (kept.length === 0) {
    if (isDirectory) return { path: "", isDirectory };
    throw refuse("empty name");
  }
  const normalised = kept.join("/");
  if (normalised.length > SKILL_LIMITS.maxPathLength) throw refuse(`path longer than ${SKILL_LIMITS.maxPathLength} characters`);
  if (kept.length > SKILL_LIMITS.maxDepth) throw refuse(`nested deeper than ${SKILL_LIMITS.maxDepth} folders`);
  if (kept.some((s) => Buffer.byteLength(s) > 255)) throw refuse("a path segment is longer than 255 bytes");
  return { path: normalised, isDirectory };
}

/** Resolve a checked relative path under root, and prove it stays there (zip-slip defence in depth). */
export function resolveInside(root: string, relative: string): string {
  const base = path.resolve(root);
  const target = path.resolve(base, relative);
  if (target !== base && !target.startsWith(base + path.sep)) {
    throw new AppError("validation_failed", `Archive entry "${printable(relative)}" would be written outside the skill folder`);
  }
  return target;
}

/** Files some archivers add that belong to no skill. */
function isArchiverJunk(p: string): boolean {
  return p === "__MACOSX" || p.startsWith("__MACOSX/") || p === ".DS_Store" || p.endsWith("/.DS_Store");
}

/**
 * An archive holds a skill either at its root (SKILL.md at the top) or inside one top-level
 * folder (`my-skill/SKILL.md`), which is how zipping a folder usually comes out. Returns the
 * entries relative to the skill folder and that folder's name, if the archive had one.
 */
export function skillLayout(entries: ArchiveEntry[]): { entries: ArchiveEntry[]; folderName: string | null } {
  const kept = entries.filter((e) => e.path !== "" && !isArchiverJunk(e.path));
  const seen = new Map<string, ArchiveEntry["kind"]>();
  for (const entry of kept) {
    const previous = seen.get(entry.path);
    if (previous && !(previous === "directory" && entry.kind === "directory")) {
      throw new AppError("validation_failed", `Archive holds "${printable(entry.path)}" more than once`, { entry: entry.path });
    }
    seen.set(entry.path, entry.kind);
  }
  // A file may not also be used as a folder ("a" and "a/b").
  for (const entry of kept) {
    const parts = entry.path.split("/");
    for (let i = 1; i < parts.length; i++) {
      if (seen.get(parts.slice(0, i).join("/")) === "file") {
        throw new AppError("validation_failed", `Archive entry "${printable(entry.path)}" is inside a path that is also a file`);
      }
    }
  }
  if (kept.some((e) => e.kind === "file" && e.path === "SKILL.md")) return { entries: kept, folderName: null };
  const tops = new Set(kept.map((e) => e.path.split("/")[0]));
  const [top] = tops;
  if (tops.size === 1 && kept.some((e) => e.kind === "file" && e.path === `${top}/SKILL.md`)) {
    const inner = kept
      .filter((e) => e.path !== top)
      .map((e) => ({ ...e, path: e.path.slice(top.length + 1) }));
    return { entries: inner, folderName: top };
  }
  throw new AppError("validation_failed", "The archive has no SKILL.md at its root or inside a single top-level folder");
}

function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, "?").slice(0, 200);
}
