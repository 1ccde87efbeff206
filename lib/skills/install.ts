import { randomUUID } from "node:crypto";
import { chmod, copyFile, constants as fsConstants, lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { skills, type Skill } from "../db/schema";
import { AppError } from "../errors";
import { recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { resolveInside, skillLayout, type ArchiveEntry } from "./archive-paths";
import { scanSkillFolder, type ScannedSkill } from "./folder";
import { asidePath } from "./housekeeping";
import { installedSkillsRoot, isInside } from "./paths";
import { actorOf, findSkill } from "./store";

export interface InstallResult {
  skill: Skill;
  scanned: ScannedSkill;
  replaced: boolean;
}

export type ArchiveFormat = "zip" | "tar.gz";

/** Tell zip from gzip by their magic bytes; the declared content type is only a hint. */
export function detectArchiveFormat(data: Buffer): ArchiveFormat | null {
  if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && (data[2] === 0x03 || data[2] === 0x05) && (data[3] === 0x04 || data[3] === 0x06)) {
    return "zip";
  }
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) return "tar.gz";
  return null;
}

/** Install a skill from an uploaded .zip or .tar.gz held in memory. */
export async function installSkillFromArchive(db: Database, ctx: AuthContext, archive: Buffer, opts: { replace?: boolean } = {}): Promise<InstallResult> {
  await authorize(ctx, "skill:install");
  const format = detectArchiveFormat(archive);
  if (!format) throw new AppError("unsupported_media_type", "Upload a .zip or .tar.gz archive holding the skill folder");
  // The archive readers (tar, yauzl) load with the first upload, not with every node.
  const entries = format === "zip" ? await (await import("./read-zip")).readZip(archive) : await (await import("./read-tar-gz")).readTarGz(archive);
  const layout = skillLayout(entries);
  return stageAndCommit(db, ctx, {
    source: "upload",
    replace: opts.replace ?? false,
    folderName: layout.folderName ?? undefined,
    details: { format },
    fill: (staging) => writeEntries(staging, layout.entries),
  });
}

/** Install a skill by copying a folder that already exists on the server. */
export async function installSkillFromPath(db: Database, ctx: AuthContext, sourcePath: string, opts: { replace?: boolean } = {}): Promise<InstallResult> {
  await authorize(ctx, "skill:install");
  if (!path.isAbsolute(sourcePath)) throw new AppError("validation_failed", "path must be an absolute path on the server");
  const source = path.resolve(sourcePath);
  if (isInside(installedSkillsRoot(), source)) {
    throw new AppError("validation_failed", "path points into the installed skills folder; name a folder outside it");
  }
  // Validate the original first so a bad folder is refused before anything is copied.
  const original = await scanSkillFolder(source, { folderName: path.basename(source) });
  return stageAndCommit(db, ctx, {
    source: "path",
    replace: opts.replace ?? false,
    folderName: path.basename(source),
    details: { from: source },
    expectChecksum: original.checksum,
    fill: async (staging) => {
      for (const file of original.files) {
        const target = resolveInside(staging, file.path);
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(path.join(source, file.path), target, fsConstants.COPYFILE_EXCL);
      }
    },
  });
}

interface StageSpec {
  source: "upload" | "path";
  replace: boolean;
  folderName?: string;
  details: Record<string, unknown>;
  expectChecksum?: string;
  fill: (staging: string) => Promise<void>;
}

/**
 * Extract into a private staging folder, validate the result as a skill, then move it into
 * place with a rename and record it. On any failure the staging folder is removed and a
 * replaced folder is put back, so a refused install leaves neither a row nor a folder.
 */
async function stageAndCommit(db: Database, ctx: AuthContext, spec: StageSpec): Promise<InstallResult> {
  const root = installedSkillsRoot();
  const staging = path.join(root, ".staging", randomUUID());
  try {
    await mkdir(staging, { recursive: true });
    await spec.fill(staging);
    const scanned = await scanSkillFolder(staging, { folderName: spec.folderName });
    if (spec.expectChecksum && scanned.checksum !== spec.expectChecksum) {
      throw new AppError("conflict", "The skill folder changed while it was being copied; try again");
    }
    return await withNameLock(scanned.manifest.name, () => commit(db, ctx, spec, staging, scanned));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function commit(db: Database, ctx: AuthContext, spec: StageSpec, staging: string, scanned: ScannedSkill): Promise<InstallResult> {
  const root = installedSkillsRoot();
  const { manifest } = scanned;
  const existing = await findSkill(db, manifest.name);
  if (existing && !spec.replace) {
    throw new AppError("conflict", `A skill named "${manifest.name}" is already installed; send replace=true to replace it`, { name: manifest.name });
  }
  const target = path.join(root, manifest.name);
  // A folder without a row (left by a crash) or the replaced skill's folder moves aside first.
  let aside: string | null = null;
  if (await exists(target)) {
    aside = asidePath(manifest.name);
    await mkdir(path.dirname(aside), { recursive: true });
    await rename(target, aside);
  }
  let moved = false;
  try {
    await rename(staging, target);
    moved = true;
    const values = {
      name: manifest.name,
      description: manifest.description,
      version: manifest.version,
      allowedTools: manifest.allowedTools,
      instructions: manifest.instructions,
      path: target,
      source: spec.source,
      checksum: scanned.checksum,
      fileCount: scanned.fileCount,
      sizeBytes: scanned.sizeBytes,
      installedBy: ctx.user.id,
      installedAt: new Date(),
      updatedAt: new Date(),
    };
    // The row and its audit event commit together, or neither does.
    const skill = await db.transaction(async (tx) => {
      const [row] = existing
        ? await tx.update(skills).set(values).where(eq(skills.id, existing.id)).returning()
        : await tx.insert(skills).values(values).returning();
      await recordAudit(tx, {
        eventType: "skill.installed",
        action: "skill:install",
        ...actorOf(ctx),
        resourceType: "skill",
        resourceId: manifest.name,
        details: {
          ...spec.details,
          source: spec.source,
          version: manifest.version,
          checksum: scanned.checksum,
          file_count: scanned.fileCount,
          size_bytes: scanned.sizeBytes,
          replaced: Boolean(existing),
        },
      });
      return row;
    });
    if (aside) await rm(aside, { recursive: true, force: true });
    return { skill, scanned, replaced: Boolean(existing) };
  } catch (error) {
    if (moved) await rm(target, { recursive: true, force: true });
    if (aside) await rename(aside, target);
    throw error;
  }
}

async function writeEntries(staging: string, entries: ArchiveEntry[]): Promise<void> {
  for (const entry of entries) {
    const target = resolveInside(staging, entry.path);
    if (entry.kind === "directory") {
      await mkdir(target, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true });
    // wx: never follow or overwrite something already there.
    await writeFile(target, entry.data, { flag: "wx", mode: 0o644 });
    if (entry.executable) await chmod(target, 0o755);
  }
}

async function exists(p: string): Promise<boolean> {
  return lstat(p).then(
    () => true,
    () => false,
  );
}

const nameLocks = new Map<string, Promise<unknown>>();

/** Serialise installs of one name within this process (the unique index guards across nodes). */
async function withNameLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = nameLocks.get(name) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(fn);
  nameLocks.set(name, current);
  try {
    return await current;
  } finally {
    if (nameLocks.get(name) === current) nameLocks.delete(name);
  }
}
