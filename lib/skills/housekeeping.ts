import { randomUUID } from "node:crypto";
import { lstat, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { DbOrTx } from "../db/client";
import { skills } from "../db/schema";
import { log } from "../log";
import { installedSkillsRoot } from "./paths";
import { isDirectorySource } from "./store";

/**
 * Installs and deletes move a skill's folder aside to `.trash/<name>.<uuid>` before the
 * database commits, so a failure can put it back. This names that place.
 */
export function asidePath(name: string): string {
  return path.join(installedSkillsRoot(), ".trash", `${name}.${randomUUID()}`);
}

/** Scratch older than this cannot belong to a request still in flight. */
const ABANDONED_AFTER_MS = 10 * 60 * 1000;

export interface TidyReport {
  restored: string[];
  removed: string[];
}

/**
 * Repair what a crash mid-install or mid-delete can leave in the installed skills folder:
 * a skill whose folder was moved aside gets it back; abandoned staging folders, trash, and
 * folders without a catalogue row are removed. Only touches entries older than ten minutes.
 */
export async function tidyInstalledSkills(db: DbOrTx, now = Date.now()): Promise<TidyReport> {
  const root = installedSkillsRoot();
  const report: TidyReport = { restored: [], removed: [] };
  const rows = await db.select({ name: skills.name, path: skills.path, source: skills.source }).from(skills);
  const owned = new Map(rows.filter((r) => !isDirectorySource(r.source)).map((r) => [r.name, r.path]));
  const old = async (p: string) => now - (await lstat(p)).mtimeMs > ABANDONED_AFTER_MS;
  const exists = async (p: string) => lstat(p).then(() => true, () => false);
  const remove = async (p: string) => {
    await rm(p, { recursive: true, force: true });
    report.removed.push(path.relative(root, p));
  };

  for (const entry of await list(path.join(root, ".trash"))) {
    const full = path.join(root, ".trash", entry);
    if (!(await old(full))) continue;
    const name = entry.split(".")[0];
    const expected = owned.get(name);
    if (expected && !(await exists(expected))) {
      await rename(full, expected);
      report.restored.push(name);
    } else {
      await remove(full);
    }
  }
  for (const entry of await list(path.join(root, ".staging"))) {
    const full = path.join(root, ".staging", entry);
    if (await old(full)) await remove(full);
  }
  for (const entry of await list(root)) {
    if (entry.startsWith(".")) continue;
    const full = path.join(root, entry);
    if (owned.get(entry) !== full && (await old(full))) await remove(full);
  }
  if (report.restored.length || report.removed.length) log.warn({ root, ...report }, "tidied the installed skills folder after an interrupted install or delete");
  return report;
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
