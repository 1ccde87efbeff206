import { z } from "zod";

export const pullRequestSchema = z.object({
  url: z.string(),
  number: z.number().int(),
  state: z.enum(["open", "closed", "merged"]),
  head: z.string(),
  base: z.string(),
  created_at: z.string(),
});

export const changedFileSchema = z.object({
  path: z.string(),
  old_path: z.string().nullable().describe("For renames and copies: where the file came from"),
  status: z.enum(["added", "modified", "deleted", "renamed", "copied", "type_changed"]),
  binary: z.boolean(),
  additions: z.number().int(),
  deletions: z.number().int(),
});

export const taskChangesSchema = z.object({
  task_id: z.string(),
  live: z.boolean().describe("True while the task runs: the working tree is read as it is now"),
  workspace: z
    .object({
      kind: z.enum(["worktree", "scratch", "folder"]),
      branch: z.string().nullable(),
      base_branch: z.string().nullable(),
      base_commit: z.string().nullable(),
      removed_at: z.string().nullable(),
      removal_reason: z.string().nullable(),
      retained_until: z.string().nullable().describe("When the retention policy removes it; null while its pull request is open or once removed"),
    })
    .nullable(),
  files: z.array(changedFileSchema),
  stats: z.object({ files: z.number().int(), additions: z.number().int(), deletions: z.number().int() }),
  diff: z.string().describe("Unified diff (git format, renames detected)"),
  diff_truncated: z.boolean(),
  commits: z.array(z.object({ sha: z.string(), author_name: z.string(), author_email: z.string(), date: z.string(), message: z.string() })),
  pull_request: pullRequestSchema.nullable(),
});
export type TaskChanges = z.infer<typeof taskChangesSchema>;
export type ChangedFile = z.infer<typeof changedFileSchema>;
