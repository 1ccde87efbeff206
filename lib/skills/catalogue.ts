import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { asc, eq, inArray } from "drizzle-orm";
import type { Database, DbOrTx } from "../db/client";
import { accessPolicies, skills, type Skill } from "../db/schema";
import { AppError, isAppError } from "../errors";
import { recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { decide } from "../security/policies";
import type { SkillForAgent } from "../agents/types";
import { scanSkillFolder } from "./folder";
import { asidePath } from "./housekeeping";
import { installedSkillsRoot, isInside } from "./paths";
import { actorOf, findSkill, isDirectorySource, toSummary, type SkillDetails, type SkillSummary } from "./store";

/** Admins (skill:install) also see disabled skills. */
function seesDisabled(ctx: AuthContext): boolean {
  return ctx.permissions.has("skill:install");
}

/** Whether the caller may use each skill: skill:execute, enabled, and the skill policies. */
async function usability(db: DbOrTx, ctx: AuthContext, rows: Skill[]): Promise<Map<string, boolean>> {
  const rules = await db.select().from(accessPolicies).where(eq(accessPolicies.kind, "skill"));
  const canExecute = ctx.permissions.has("skill:execute");
  return new Map(
    rows.map((row) => [
      row.name,
      canExecute && row.enabled && decide(rules.filter((r) => r.target === row.name || r.target === "*"), ctx),
    ]),
  );
}

/** The catalogue as the caller may see it (what GET /api/runtime/skills returns). */
export async function listSkillsFor(db: DbOrTx, ctx: AuthContext): Promise<SkillSummary[]> {
  await authorize(ctx, "skill:list");
  const rows = seesDisabled(ctx)
    ? await db.select().from(skills).orderBy(asc(skills.name))
    : await db.select().from(skills).where(eq(skills.enabled, true)).orderBy(asc(skills.name));
  const usable = await usability(db, ctx, rows);
  return rows.map((row) => toSummary(row, usable.get(row.name) ?? false));
}

/** One skill with its instructions and files; a disabled skill is hidden (404) from non-admins. */
export async function getSkillFor(db: DbOrTx, ctx: AuthContext, name: string): Promise<SkillDetails> {
  await authorize(ctx, "skill:list");
  const row = await findSkill(db, name);
  if (!row || (!row.enabled && !seesDisabled(ctx))) throw AppError.notFound("Skill");
  const usable = (await usability(db, ctx, [row])).get(row.name) ?? false;
  const details: SkillDetails = { ...toSummary(row, usable), instructions: row.instructions, license: null, metadata: {}, files: [] };
  try {
    const scanned = await scanSkillFolder(row.path, { folderName: row.name, checksum: false });
    details.license = scanned.manifest.license;
    details.metadata = scanned.manifest.metadata;
    details.files = scanned.files.map((f) => ({ path: f.path, size_bytes: f.sizeBytes }));
    if (scanned.fileCount !== row.fileCount || scanned.sizeBytes !== row.sizeBytes) {
      details.problem = "The folder on disk changed since the skill was recorded";
    }
  } catch (error) {
    details.problem = isAppError(error) ? error.message : "The skill folder cannot be read";
  }
  return details;
}

export async function setSkillEnabled(db: Database, ctx: AuthContext, name: string, enabled: boolean): Promise<SkillSummary> {
  await authorize(ctx, "skill:install");
  // The change and its audit event commit together.
  const row = await db.transaction(async (tx) => {
    const existing = await findSkill(tx, name);
    if (!existing) throw AppError.notFound("Skill");
    const [updated] = await tx.update(skills).set({ enabled, updatedAt: new Date() }).where(eq(skills.id, existing.id)).returning();
    await recordAudit(tx, {
      eventType: "skill.modified",
      action: "skill:install",
      ...actorOf(ctx),
      resourceType: "skill",
      resourceId: name,
      details: { enabled, previous_enabled: existing.enabled },
    });
    return updated;
  });
  const usable = (await usability(db, ctx, [row])).get(row.name) ?? false;
  return toSummary(row, usable);
}

/**
 * Remove an installed skill: its row and its folder. Skills from the skills directory are
 * managed there (a sync would bring them back), so they can only be disabled.
 */
export async function deleteSkill(db: Database, ctx: AuthContext, name: string): Promise<void> {
  await authorize(ctx, "skill:install");
  const row = await findSkill(db, name);
  if (!row) throw AppError.notFound("Skill");
  if (isDirectorySource(row.source)) {
    throw new AppError("invalid_state", `"${name}" comes from the skills directory (${row.source}); disable it, or remove its folder there`, {
      source: row.source,
    });
  }
  const root = installedSkillsRoot();
  const owned = isInside(root, row.path) && path.resolve(row.path) !== root;
  // Move the folder aside first so a failed transaction can put it back.
  const aside = owned ? asidePath(name) : null;
  if (aside) {
    await mkdir(path.dirname(aside), { recursive: true });
    await rename(row.path, aside).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }
  try {
    await db.transaction(async (tx) => {
      const deleted = await tx.delete(skills).where(eq(skills.id, row.id)).returning({ id: skills.id });
      if (deleted.length === 0) throw AppError.notFound("Skill");
      await recordAudit(tx, {
        eventType: "skill.deleted",
        action: "skill:install",
        ...actorOf(ctx),
        resourceType: "skill",
        resourceId: name,
        details: { source: row.source, version: row.version, checksum: row.checksum },
      });
    });
  } catch (error) {
    if (aside) await rename(aside, row.path).catch(() => undefined);
    throw error;
  }
  if (aside) await rm(aside, { recursive: true, force: true });
}

/**
 * The skills a task names, ready for an agent, in the order given. Unknown or disabled names
 * fail the whole request (422) listing every offender. Policies are checked separately by
 * assertPolicies at submit.
 */
export async function loadSkillsForTask(db: DbOrTx, names: string[]): Promise<SkillForAgent[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  const rows = await db.select().from(skills).where(inArray(skills.name, wanted));
  const byName = new Map(rows.map((r) => [r.name, r]));
  const unknown = wanted.filter((n) => !byName.has(n));
  const disabled = wanted.filter((n) => byName.get(n)?.enabled === false);
  if (unknown.length || disabled.length) {
    const parts = [unknown.length ? `unknown: ${unknown.join(", ")}` : "", disabled.length ? `disabled: ${disabled.join(", ")}` : ""].filter(Boolean);
    throw new AppError("validation_failed", `These skills cannot be used (${parts.join("; ")})`, { unknown, disabled });
  }
  return wanted.map((name) => {
    const row = byName.get(name)!;
    return { name: row.name, description: row.description, instructions: row.instructions, path: row.path, allowedTools: row.allowedTools };
  });
}
