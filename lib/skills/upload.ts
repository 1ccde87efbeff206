import type { Database } from "../db/client";
import { AppError, isAppError } from "../errors";
import { recordAudit } from "../security/audit";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { installSkillFromArchive, installSkillFromPath, type InstallResult } from "./install";
import { SKILL_LIMITS } from "./limits";
import { actorOf } from "./store";

/** Content types an uploaded archive may arrive as (besides multipart/form-data). */
export const SKILL_ARCHIVE_TYPES = [
  "application/zip",
  "application/x-zip-compressed",
  "application/gzip",
  "application/x-gzip",
  "application/x-tar+gzip",
  "application/x-compressed-tar",
  "application/octet-stream",
] as const;
const ARCHIVE_TYPES = new Set<string>(SKILL_ARCHIVE_TYPES);
/** Room for multipart boundaries and part headers around the file. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** An uploaded body as a transport hands it over: its type, and a reader that stops at a limit. */
export interface SkillUpload {
  contentType: string;
  read(limitBytes: number): Promise<Buffer>;
}

export type SkillSource = { upload: SkillUpload } | { path: string };

const truthy = (v: unknown) => v === true || v === "true" || v === "1" || v === "yes";

/**
 * Install from an archive (multipart field `file`, or a raw zip / tar.gz body) or from a folder
 * on the server. Refusals are audited as failed installs; nothing else is kept.
 */
export async function installSkill(db: Database, ctx: AuthContext, source: SkillSource, opts: { replace?: boolean }): Promise<InstallResult> {
  await authorize(ctx, "skill:install");
  try {
    if ("path" in source) return await installSkillFromPath(db, ctx, source.path, opts);
    return await installUpload(db, ctx, source.upload, opts);
  } catch (error) {
    if (isAppError(error)) {
      await recordAudit(db, {
        eventType: "skill.installed",
        action: "skill:install",
        outcome: "failure",
        ...actorOf(ctx),
        resourceType: "skill",
        details: { code: error.code, reason: error.message },
      });
    }
    throw error;
  }
}

async function installUpload(db: Database, ctx: AuthContext, upload: SkillUpload, opts: { replace?: boolean }): Promise<InstallResult> {
  const mediaType = upload.contentType.split(";")[0].trim().toLowerCase();
  if (mediaType === "multipart/form-data") {
    const raw = await readArchive(upload, SKILL_LIMITS.maxCompressedBytes + MULTIPART_OVERHEAD);
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { "content-type": upload.contentType } }).formData();
    } catch {
      throw new AppError("bad_request", "The multipart body cannot be read");
    }
    const file = form.get("file");
    if (!file || typeof file === "string") throw new AppError("validation_failed", "Send the archive in a form field named file");
    if (file.size > SKILL_LIMITS.maxCompressedBytes) throw tooLarge();
    const archive = Buffer.from(await file.arrayBuffer());
    return installSkillFromArchive(db, ctx, archive, { replace: opts.replace || truthy(form.get("replace")) });
  }
  if (ARCHIVE_TYPES.has(mediaType)) return installSkillFromArchive(db, ctx, await readArchive(upload, SKILL_LIMITS.maxCompressedBytes), opts);
  throw new AppError(
    "unsupported_media_type",
    "Send multipart/form-data with a file field, a raw application/zip or application/gzip body, or application/json {path}",
  );
}

async function readArchive(upload: SkillUpload, limit: number): Promise<Buffer> {
  try {
    const raw = await upload.read(limit);
    if (raw.length === 0) throw new AppError("bad_request", "The request body is empty");
    return raw;
  } catch (error) {
    // The transport's generic limit message becomes one about archives.
    if (isAppError(error) && error.code === "payload_too_large") throw tooLarge();
    throw error;
  }
}

function tooLarge(): AppError {
  return new AppError("payload_too_large", `The archive is larger than ${SKILL_LIMITS.maxCompressedBytes} bytes`, {
    limit_bytes: SKILL_LIMITS.maxCompressedBytes,
  });
}
