export * from "./lifecycle";
export { CHANNELS } from "./channels";
export { appendEvents, readEvents, type EventInput } from "./event-log";
export { transitionTask, type TransitionInput, type TransitionResult } from "./transitions";
export { announceWork, claimTasks, renewLeases, releaseTask, type ClaimedTask } from "./queue";
export { sweep } from "./sweeper";
export { EventHub, eventHubFor, type EventSubscription } from "./event-hub";
export { createEngine, newNodeId, DEFAULT_TIMINGS, type Engine, type EngineOptions, type EngineTimings } from "./engine";
export type { EngineDeps } from "./task-run";
