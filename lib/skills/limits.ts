/** Bounds on what one skill may hold; installs beyond them are refused before anything is kept. */
export const SKILL_LIMITS = {
  /** Upload size as sent (the .zip / .tar.gz). */
  maxCompressedBytes: 5 * 1024 * 1024,
  /** Sum of all file sizes once extracted. */
  maxUncompressedBytes: 20 * 1024 * 1024,
  /** Regular files in the skill, SKILL.md included. */
  maxFiles: 200,
  /** Archive entries of any kind (files and folders); bounds folder spam. */
  maxEntries: 1000,
  /** SKILL.md itself. */
  maxManifestBytes: 512 * 1024,
  /** One path inside the skill. */
  maxPathLength: 512,
  /** Folder depth inside the skill. */
  maxDepth: 16,
} as const;

export type SkillLimits = typeof SKILL_LIMITS;
