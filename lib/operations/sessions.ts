import { z } from "zod";
import { localRuntime } from "../runtime";
import { openSessionSchema } from "../security/open-session";
import { memoryKeySchema } from "../security/session-memory";
import { operation } from "./define";
import { memoryEntrySchema, memoryListSchema, openedSessionSchema, sessionSchema } from "./shapes/security";

const TAG = "Sessions";
const uuid = z.string().uuid({ message: "must be a UUID" });
const idParams = z.object({ id: uuid });
const keyParams = z.object({ id: uuid, key: memoryKeySchema });
export const includeEndedQuery = z.object({ include_ended: z.enum(["true", "false"]).optional() });

/** Runtime sessions and their private memory scopes: part of the runtime contract (DESIGN.md §7). */
export const sessionOperations = {
  "sessions.open": operation({
    method: "POST",
    path: "/api/runtime/sessions",
    tag: TAG,
    summary: "Open a runtime session on a device",
    description:
      "Returns the session token once. A new device starts pending (read-only) until trusted. user_id (optional) must name the caller (id or email), else 403. Without device_id the credential's default device is used. Open it with an API token or the browser, not with another session's token. 429 quota_exceeded past MAX_SESSIONS_PER_USER live sessions or MAX_PENDING_DEVICES_PER_USER pending devices.",
    access: "trusted",
    audits: ["session.created", "permission.denied"],
    body: openSessionSchema,
    status: 201,
    output: openedSessionSchema,
    errors: [429],
    run: async ({ ctx, body }) => (await localRuntime()).openSession(ctx, body),
  }),
  "sessions.list": operation({
    method: "GET",
    path: "/api/runtime/sessions",
    tag: TAG,
    summary: "The caller's runtime sessions",
    access: "signed-in",
    scope: "own",
    query: includeEndedQuery,
    output: z.object({ sessions: z.array(sessionSchema) }),
    run: async ({ ctx, query }) => ({ sessions: await (await localRuntime()).listSessions(ctx, { includeEnded: query.include_ended === "true" }) }),
  }),
  "sessions.get": operation({
    method: "GET",
    path: "/api/runtime/sessions/{id}",
    tag: TAG,
    summary: "One session (own, or any for those who may act for others)",
    access: "signed-in",
    scope: "own",
    params: idParams,
    output: sessionSchema,
    run: async ({ ctx, params }) => (await localRuntime()).getSession(ctx, params.id),
  }),
  "sessions.end": operation({
    method: "DELETE",
    path: "/api/runtime/sessions/{id}",
    tag: TAG,
    summary: "End a session now",
    description: "A session may always end itself; ending another needs a credential that may write.",
    access: "signed-in",
    scope: "own",
    audits: ["session.deleted"],
    params: idParams,
    run: async ({ ctx, params }) => (await localRuntime()).endSession(ctx, params.id),
  }),
  "memory.list": operation({
    method: "GET",
    path: "/api/runtime/sessions/{id}/memory",
    tag: TAG,
    summary: "The session's private memory scope",
    access: "signed-in",
    scope: "own",
    params: idParams,
    output: memoryListSchema,
    run: async ({ ctx, params }) => (await localRuntime()).listMemory(ctx, params.id),
  }),
  "memory.clear": operation({
    method: "DELETE",
    path: "/api/runtime/sessions/{id}/memory",
    tag: TAG,
    summary: "Clear the session's memory",
    access: "task:submit",
    audits: ["resource.deleted"],
    scope: "own",
    params: idParams,
    errors: [409],
    run: async ({ ctx, params }) => (await localRuntime()).deleteMemory(ctx, params.id, null),
  }),
  "memory.get": operation({
    method: "GET",
    path: "/api/runtime/sessions/{id}/memory/{key}",
    tag: TAG,
    summary: "Read one memory key",
    access: "signed-in",
    scope: "own",
    params: keyParams,
    output: memoryEntrySchema,
    run: async ({ ctx, params }) => (await localRuntime()).getMemory(ctx, params.id, params.key),
  }),
  "memory.put": operation({
    method: "PUT",
    path: "/api/runtime/sessions/{id}/memory/{key}",
    tag: TAG,
    summary: "Set one memory key",
    description: 'Body `{"value": <any JSON>}`.',
    access: "task:submit",
    audits: ["resource.modified"],
    scope: "own",
    params: keyParams,
    body: z.object({ value: z.unknown() }).strict(),
    output: memoryEntrySchema,
    errors: [409, 413],
    run: async ({ ctx, params, body }) => (await localRuntime()).putMemory(ctx, params.id, params.key, body.value),
  }),
  "memory.delete": operation({
    method: "DELETE",
    path: "/api/runtime/sessions/{id}/memory/{key}",
    tag: TAG,
    summary: "Delete one memory key",
    access: "task:submit",
    audits: ["resource.deleted"],
    scope: "own",
    params: keyParams,
    errors: [409],
    run: async ({ ctx, params }) => (await localRuntime()).deleteMemory(ctx, params.id, params.key),
  }),
};
