/** The skills catalogue: Agent Skills folders recorded in the `skills` table. */
export { deleteSkill, getSkillFor, listSkillsFor, loadSkillsForTask, setSkillEnabled } from "./catalogue";
export { installSkillFromArchive, installSkillFromPath, type InstallResult } from "./install";
export { installSkill, SKILL_ARCHIVE_TYPES, type SkillSource, type SkillUpload } from "./upload";
export { syncSkillsDirectory, type SyncReport } from "./sync";
export { tidyInstalledSkills, type TidyReport } from "./housekeeping";
export { parseSkillManifest, skillNameSchema, SKILL_NAME_PATTERN, type SkillManifest } from "./manifest";
export { SKILL_LIMITS } from "./limits";
export { configuredSkillsDir, installedSkillsRoot, shippedSkillsDir } from "./paths";
export type { SkillDetails, SkillSummary } from "./store";
