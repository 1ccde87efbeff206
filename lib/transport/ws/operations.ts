import { z, type ZodType } from "zod";
import { AppError } from "../../errors";
import { findOperation as findRegistered, type Operation, type RawInput } from "../../operations";

/**
 * The runtime operations a WebSocket request may name, each one an entry of the operation
 * registry (lib/operations), called through its `invoke`: the same permission check (before the
 * input is parsed), the same schemas, the same function, the same audit as over HTTP.
 *
 * A request is flat, `{type, id, …input}`: a field named in `params` fills that path parameter
 * (`task_id` → `{id}`), a field of the operation's query schema goes to the query (JSON numbers,
 * booleans and arrays are written the way a URL would carry them), the rest is the body.
 */
export interface WsOperation {
  name: string;
  operation: Operation;
  /** WebSocket field → the operation's path parameter. */
  params: Record<string, string>;
}

const TASK = { task_id: "id" };

const TABLE: Record<string, { registry: string; params?: Record<string, string> }> = {
  submit: { registry: "tasks.submit" },
  state: { registry: "tasks.state", params: TASK },
  task: { registry: "tasks.get", params: TASK },
  events: { registry: "tasks.events", params: TASK },
  cancel: { registry: "tasks.cancel", params: TASK },
  answer: { registry: "tasks.input", params: TASK },
  retry: { registry: "tasks.retry", params: TASK },
  tasks: { registry: "tasks.list" },
  agents: { registry: "agents.list" },
  skills: { registry: "skills.list" },
};

export const WS_OPERATIONS: Record<string, WsOperation> = Object.fromEntries(
  Object.entries(TABLE).map(([name, { registry, params = {} }]) => {
    const operation = findRegistered(registry);
    if (!operation) throw new Error(`The operation registry has no "${registry}" for the WebSocket's "${name}"`);
    return [name, { name, operation, params }];
  }),
);

/** The live stream behind `subscribe` (the registry's SSE operation: same checks, same iterable). */
export const STREAM_OPERATION = { name: "subscribe", operation: findRegistered("tasks.stream")!, params: TASK } satisfies WsOperation;

export function findWsOperation(name: string): WsOperation | undefined {
  return Object.hasOwn(WS_OPERATIONS, name) ? WS_OPERATIONS[name] : undefined;
}

/** Split a request's flat fields into the registry's params, query and body. */
export function rawInputOf(ws: WsOperation, fields: Record<string, unknown>): RawInput {
  const queryKeys = new Set(Object.keys(shapeOf(ws.operation.query)));
  const params: Record<string, string> = {};
  const query: Record<string, string> = {};
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const param = ws.params[field];
    if (param) params[param] = typeof value === "string" ? value : JSON.stringify(value);
    else if (queryKeys.has(field)) query[field] = asQueryValue(value);
    else body[field] = value;
  }
  return { params, query, body: async () => body };
}

/**
 * The WebSocket's own input fields of an operation, for the published schema: path parameters
 * renamed (`task_id`), the query's fields beside them, and the body. `queryFields` names the
 * query's fields, which the socket also accepts as JSON values (see `asQueryValue`).
 */
export function wsInputParts(ws: WsOperation): { fields: ZodType; queryFields: string[]; body?: ZodType } {
  const renamed = Object.fromEntries(Object.entries(ws.params).map(([field, param]) => [field, shapeOf(ws.operation.params)[param] ?? z.string()]));
  const query = shapeOf(ws.operation.query);
  return { fields: z.object({ ...renamed, ...query }), queryFields: Object.keys(query), body: ws.operation.body };
}

/** Name the WebSocket field, not the path parameter, in validation issues (`task_id`, not `id`). */
export function renameParamIssues(ws: WsOperation, error: AppError): AppError {
  const details = error.details as { issues?: { path: string }[] } | undefined;
  if (error.code !== "bad_request" || !details?.issues) return error;
  const fieldOf = Object.fromEntries(Object.entries(ws.params).map(([field, param]) => [param, field]));
  const issues = details.issues.map((issue) => ({ ...issue, path: fieldOf[issue.path] ?? issue.path }));
  return new AppError(error.code, error.message, { ...details, issues }, error.headers);
}

function asQueryValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(",");
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}

function shapeOf(schema: ZodType | undefined): Record<string, ZodType> {
  return schema instanceof z.ZodObject ? (schema.shape as Record<string, ZodType>) : {};
}
