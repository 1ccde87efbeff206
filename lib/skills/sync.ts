import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import type { Database } from "../db/client";
import { skills } from "../db/schema";
import { isAppError } from "../errors";
import { log } from "../log";
import { recordAudit } from "../security/audit";
import { scanSkillFolder, type ScannedSkill } from "./folder";
import { tidyInstalledSkills } from "./housekeeping";
import { configuredSkillsDir, isInside, shippedSkillsDir } from "./paths";
import { isDirectorySource } from "./store";

export interface SyncReport {
  dir: string;
  source: "bundled" | "directory";
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
  /** Folders that are not valid skills, or whose name an installed skill already holds. */
  skipped: { folder: string; reason: string }[];
}

/** Arbitrary constant naming the advisory lock that serialises syncs across nodes. */
const SKILLS_SYNC_LOCK = 7_203_313;

/**
 * Bring the catalogue in line with a skills directory (one sub-folder per skill). Idempotent:
 * new skills are added, changed ones (by checksum) updated, ones gone from the directory
 * removed; an admin's enable/disable choice survives updates. A skill installed by upload
 * or path keeps its name: the directory's copy is skipped. Bundled folders are used in place.
 */
export async function syncSkillsDirectory(
  db: Database,
  dir: string = configuredSkillsDir(),
  opts: { source?: "bundled" | "directory" } = {},
): Promise<SyncReport> {
  const root = path.resolve(dir);
  const source = opts.source ?? (root === shippedSkillsDir() ? "bundled" : "directory");
  const report: SyncReport = { dir: root, source, added: [], updated: [], removed: [], unchanged: [], skipped: [] };
  // Start-up is also when a crash's leftovers in the installed skills folder get repaired.
  await tidyInstalledSkills(db);
  if (!existsSync(root)) {
    log.warn({ dir: root }, "skills directory does not exist; catalogue left as it is");
    return report;
  }

  // Read and validate every folder before opening the transaction: file I/O stays outside it.
  const found: { folder: string; scanned: ScannedSkill }[] = [];
  for (const item of await readdir(root, { withFileTypes: true })) {
    if (item.name.startsWith(".")) continue;
    if (item.isSymbolicLink()) {
      report.skipped.push({ folder: item.name, reason: "symbolic links are not followed" });
      continue;
    }
    if (!item.isDirectory()) continue;
    const folder = path.join(root, item.name);
    try {
      found.push({ folder, scanned: await scanSkillFolder(folder, { folderName: item.name }) });
    } catch (error) {
      const reason = isAppError(error) ? error.message : String(error);
      report.skipped.push({ folder: item.name, reason });
      log.warn({ folder, reason }, "skipping invalid skill folder");
    }
  }

  // One transaction: the rows and their audit events change together, one node at a time.
  await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SKILLS_SYNC_LOCK})`);
    const rows = await tx.select().from(skills);
    const byName = new Map(rows.map((r) => [r.name, r]));
    for (const { folder, scanned } of found) {
      const m = scanned.manifest;
      const existing = byName.get(m.name);
      const values = {
        description: m.description,
        version: m.version,
        allowedTools: m.allowedTools,
        instructions: m.instructions,
        path: folder,
        source,
        checksum: scanned.checksum,
        fileCount: scanned.fileCount,
        sizeBytes: scanned.sizeBytes,
      };
      const details = { source, path: folder, version: m.version, checksum: scanned.checksum };
      if (!existing) {
        await tx.insert(skills).values({ name: m.name, ...values });
        await recordAudit(tx, { eventType: "skill.installed", action: "skill:sync", resourceType: "skill", resourceId: m.name, details });
        report.added.push(m.name);
      } else if (!isDirectorySource(existing.source)) {
        report.skipped.push({ folder: path.basename(folder), reason: `an installed skill (${existing.source}) already has the name ${m.name}` });
      } else if (existing.checksum !== scanned.checksum || existing.path !== folder || existing.source !== source) {
        await tx.update(skills).set({ ...values, updatedAt: new Date() }).where(eq(skills.id, existing.id));
        await recordAudit(tx, {
          eventType: "skill.modified",
          action: "skill:sync",
          resourceType: "skill",
          resourceId: m.name,
          details: { ...details, previous_checksum: existing.checksum },
        });
        report.updated.push(m.name);
      } else {
        report.unchanged.push(m.name);
      }
    }
    // Directory skills that vanished (or became invalid) leave the catalogue; so do rows
    // whose folder no longer exists at all (the directory was moved or reconfigured).
    const present = new Set(found.map((f) => f.scanned.manifest.name));
    for (const row of rows) {
      if (!isDirectorySource(row.source) || present.has(row.name)) continue;
      if (!isInside(root, row.path) && existsSync(path.join(row.path, "SKILL.md"))) continue;
      await tx.delete(skills).where(eq(skills.id, row.id));
      await recordAudit(tx, {
        eventType: "skill.deleted",
        action: "skill:sync",
        resourceType: "skill",
        resourceId: row.name,
        details: { source: row.source, path: row.path, reason: "no longer in the skills directory" },
      });
      report.removed.push(row.name);
    }
  });
  if (report.added.length || report.updated.length || report.removed.length) {
    log.info({ dir: root, added: report.added, updated: report.updated, removed: report.removed }, "skills synced");
  }
  return report;
}
