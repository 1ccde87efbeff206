import { eq } from "drizzle-orm";
import type { DbOrTx } from "../db/client";
import { skills, type Skill } from "../db/schema";
import type { AuthContext } from "../security/context";

/** What the catalogue API returns for one skill (snake_case, the public JSON shape). */
export interface SkillSummary {
  name: string;
  description: string;
  version: string | null;
  allowed_tools: string[];
  source: string;
  enabled: boolean;
  /** Whether the caller may use it in a task (permission, policies, enabled). */
  usable: boolean;
  file_count: number;
  size_bytes: number;
  installed_at: string;
  updated_at: string;
}

export interface SkillDetails extends SkillSummary {
  instructions: string;
  license: string | null;
  metadata: Record<string, string>;
  files: { path: string; size_bytes: number }[];
  /** Set when the folder on disk no longer matches a valid skill. */
  problem?: string;
}

/** Sources whose folder is managed outside the app (the skills directory); installs may not delete them. */
export const DIRECTORY_SOURCES = ["bundled", "directory"] as const;
export type SkillSource = (typeof DIRECTORY_SOURCES)[number] | "upload" | "path";

export function isDirectorySource(source: string): boolean {
  return (DIRECTORY_SOURCES as readonly string[]).includes(source);
}

export async function findSkill(db: DbOrTx, name: string): Promise<Skill | undefined> {
  const [row] = await db.select().from(skills).where(eq(skills.name, name)).limit(1);
  return row;
}

export function toSummary(row: Skill, usable: boolean): SkillSummary {
  return {
    name: row.name,
    description: row.description,
    version: row.version,
    allowed_tools: row.allowedTools,
    source: row.source,
    enabled: row.enabled,
    usable,
    file_count: row.fileCount,
    size_bytes: row.sizeBytes,
    installed_at: row.installedAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** The audit fields that say who acted, from the request's context. */
export function actorOf(ctx: AuthContext | null) {
  return {
    actorUserId: ctx?.user.id ?? null,
    sessionId: ctx?.session?.id ?? null,
    deviceId: ctx?.session?.deviceId ?? null,
    ip: ctx?.ip ?? null,
  };
}
