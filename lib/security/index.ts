/**
 * The security layer's public surface. next-auth wiring (auth.ts, sign-in-gate.ts) is left
 * out on purpose: importing it pulls in the whole Auth.js stack; import it directly where needed.
 */
export type { AuthContext } from "./context";
export { PERMISSIONS, ROLES, ROLE_PERMISSIONS, PENDING_DEVICE_PERMISSIONS, permissionsFor, narrowForDevice, isPermission, type Permission } from "./permissions";
export { authenticate, contextForUser } from "./authenticate";
export { authorize, canActForOthers, hasTrustedCredential, type OwnedResource, type Requirement } from "./authorize";
export { credentialFromHeaders, refuseCredentialsInUrl, type Credential } from "./credentials";
export { recordAudit, actorOf, chainHash, canonicalJson, AUDIT_EVENT_TYPES, GENESIS_HASH, type AuditEventType, type AuditInput } from "./audit";
export { verifyAuditChain, verifyAuditTrailAgainstCheckpoints, type ChainReport } from "./audit-verify";
export { sealAuditChain, sealAuditBatch, chainHead } from "./audit-seal";
export { startAuditSealer, type AuditSealer } from "./audit-sealer";
export { writeCheckpoint, listCheckpoints, type Checkpoint } from "./audit-checkpoints";
export { listAuditEvents, iterateAuditEvents, auditEventJson } from "./audit-query";
export { assertPolicies, isAllowed, decide } from "./policies";
export { resolveSessionToken, sweepExpiredSessions, SESSION_IDLE_TTL_MS } from "./runtime-sessions";
export { openSession } from "./open-session";
export { bindSession, bindSessionFilter, type SessionBinding } from "./session-binding";
export { pinClientAddress } from "./client-address";
export { createApiToken, resolveApiToken, revokeApiToken } from "./api-tokens";
export { getMemory, putMemory, deleteMemory, listMemory, MEMORY_LIMITS } from "./session-memory";
export { now, setClock, manualClock } from "./clock";
export { checkSignIn, signInThrottle, SIGN_IN_LIMITS } from "./sign-in";
