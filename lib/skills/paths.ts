import path from "node:path";
import { env } from "../env";

/** Where installed (uploaded or copied) skills live: `${DATA_DIR}/skills/<name>/`. */
export function installedSkillsRoot(): string {
  return path.resolve(env().DATA_DIR, "skills");
}

/** The skills shipped with the product. */
export function shippedSkillsDir(): string {
  return path.resolve(process.cwd(), "skills");
}

/** The directory synced into the catalogue at start-up: SKILLS_DIR, else the shipped skills. */
export function configuredSkillsDir(): string {
  const configured = env().SKILLS_DIR;
  return configured ? path.resolve(configured) : shippedSkillsDir();
}

/** True when `child` is `parent` or lies inside it. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}
