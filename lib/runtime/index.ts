export { LocalRuntime, localRuntime, runtimeFor, type Runtime } from "./local-runtime";
export { startWorker, defaultEngineDeps, workspaceFor, type StartWorkerOptions, type Worker } from "./worker";
export { submitTask, retryTask, DEFAULT_TASK_TIMEOUT_MS, type SubmitOptions } from "./submit";
export { ensureAgents } from "./agents";
export * from "./schemas";
