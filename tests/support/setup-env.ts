// Runs in every integration test worker before the test file.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

(process.env as Record<string, string>).NODE_ENV = "test";
process.env.AUTH_SECRET ??= "test-secret-test-secret-test-secret-0123456789";
process.env.LOG_LEVEL ??= "silent";
// Most suites run many tasks of one user at once; the fairness suite sets its own limits.
process.env.RUNNING_TASKS_PER_USER ??= "ADMIN=1000,DEVELOPER=1000,VIEWER=1000,GUEST=1000";
// Each test file its own DATA_DIR: node-local state (the audit checkpoint key and latest
// checkpoint) must not leak between files that each have their own database.
process.env.DATA_DIR = mkdtempSync(path.join(tmpdir(), "clawlink-test-data-"));
