import { createHash } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../errors";
import { expandsTooMuch, tooManyFiles } from "./archive-errors";
import { SKILL_LIMITS } from "./limits";
import { parseSkillManifest, type SkillManifest } from "./manifest";

export interface SkillFile {
  /** Relative to the skill folder, forward slashes. */
  path: string;
  sizeBytes: number;
}

export interface ScannedSkill {
  manifest: SkillManifest;
  files: SkillFile[];
  fileCount: number;
  sizeBytes: number;
  /** sha256 over every file's path and content: equal checksums mean equal skills ("" if not computed). */
  checksum: string;
}

/**
 * Walk a skill folder on disk and validate it: SKILL.md present and valid, name equal to
 * the folder's name, only regular files and folders (a symlink could point anywhere),
 * and within the limits. Used for the skills directory, server-side paths, and every
 * extracted upload before it is accepted.
 */
export async function scanSkillFolder(dir: string, opts: { folderName?: string; checksum?: boolean } = {}): Promise<ScannedSkill> {
  const root = path.resolve(dir);
  const rootStat = await lstat(root).catch(() => null);
  if (!rootStat) throw new AppError("validation_failed", `No skill folder at ${root}`);
  if (!rootStat.isDirectory()) throw new AppError("validation_failed", `${root} is not a folder (symbolic links are not followed)`);

  const files: SkillFile[] = [];
  let total = 0;
  let entries = 0;
  const walk = async (relDir: string, depth: number): Promise<void> => {
    if (depth > SKILL_LIMITS.maxDepth) throw new AppError("validation_failed", `Folders nest deeper than ${SKILL_LIMITS.maxDepth} levels`);
    const listing = await readdir(path.join(root, relDir), { withFileTypes: true });
    for (const item of listing) {
      const rel = relDir ? `${relDir}/${item.name}` : item.name;
      if (++entries > SKILL_LIMITS.maxEntries) throw tooManyFiles(`The skill folder has more than ${SKILL_LIMITS.maxEntries} entries`);
      const stat = await lstat(path.join(root, rel));
      if (stat.isSymbolicLink()) throw refused(rel, "symbolic links are not allowed");
      if (stat.isDirectory()) {
        await walk(rel, depth + 1);
        continue;
      }
      if (!stat.isFile()) throw refused(rel, "only regular files and folders are allowed");
      if (stat.nlink > 1) throw refused(rel, "hard-linked files are not allowed");
      files.push({ path: rel, sizeBytes: stat.size });
      if (files.length > SKILL_LIMITS.maxFiles) throw tooManyFiles();
      total += stat.size;
      if (total > SKILL_LIMITS.maxUncompressedBytes) throw expandsTooMuch();
    }
  };
  await walk("", 0);

  const manifestFile = files.find((f) => f.path === "SKILL.md");
  if (!manifestFile) throw new AppError("validation_failed", "The skill has no SKILL.md at the top of its folder");
  if (manifestFile.sizeBytes > SKILL_LIMITS.maxManifestBytes) {
    throw new AppError("validation_failed", `SKILL.md is larger than ${SKILL_LIMITS.maxManifestBytes} bytes`);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  // Reading every file for the checksum is skipped when only the listing is wanted (GET details).
  let checksum = "";
  if (opts.checksum !== false) {
    const hash = createHash("sha256");
    for (const file of files) {
      const content = await readFile(path.join(root, file.path));
      hash.update(file.path).update("\0").update(String(content.length)).update("\0").update(content);
    }
    checksum = hash.digest("hex");
  }
  const manifestText = await readFile(path.join(root, "SKILL.md"), "utf8");
  const manifest = parseSkillManifest(manifestText, { folderName: opts.folderName });
  return { manifest, files, fileCount: files.length, sizeBytes: total, checksum };
}

function refused(rel: string, why: string): AppError {
  return new AppError("validation_failed", `"${rel}" in the skill folder is refused: ${why}`, { entry: rel, reason: why });
}
