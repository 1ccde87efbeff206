import { z, type ZodType } from "zod";
import { ERROR_STATUS } from "../errors";
import type { Operation } from "./define";

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, the dialect OpenAPI 3.1 uses) for one zod schema. */
export function jsonSchemaOf(schema: ZodType, io: "input" | "output"): JsonSchema {
  const converted = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", reused: "inline", override: tidy }) as JsonSchema;
  delete converted.$schema;
  return converted;
}

/**
 * Dates travel as ISO 8601 strings (zod's date has no JSON form), and a named format (uuid,
 * date-time, email) says enough without zod's several-hundred-character regex beside it.
 */
function tidy(ctx: { zodSchema: unknown; jsonSchema: JsonSchema }): void {
  const def = (ctx.zodSchema as { _zod?: { def?: { type?: string } } })._zod?.def;
  if (def?.type === "date") Object.assign(ctx.jsonSchema, { type: "string", format: "date-time" });
  if (typeof ctx.jsonSchema.format === "string" && typeof ctx.jsonSchema.pattern === "string") delete ctx.jsonSchema.pattern;
}

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No content",
  400: "Malformed path or query parameter, or a body that is not JSON",
  401: "No valid credentials (session cookie, API token or runtime session token)",
  403: "The caller lacks the permission (audited as permission.denied)",
  404: "Not found, or not the caller's to see",
  409: "Conflicts with the current state",
  413: "Body too large",
  415: "Body is not application/json",
  422: "The body failed validation; details.issues names the fields",
  429: "Rate limited; retry after the Retry-After header",
  503: "Temporarily unavailable (the database is unreachable, or the node is shedding large bodies): retry after the Retry-After header",
};

const ERROR_REF = { $ref: "#/components/schemas/Error" };

/** Properties of an object schema, including the members of an intersection (allOf). */
function objectFields(json: JsonSchema): { properties: Record<string, JsonSchema>; required: Set<string> } {
  const properties: Record<string, JsonSchema> = { ...((json.properties ?? {}) as Record<string, JsonSchema>) };
  const required = new Set((json.required as string[] | undefined) ?? []);
  for (const member of (json.allOf ?? []) as JsonSchema[]) {
    const inner = objectFields(member);
    Object.assign(properties, inner.properties);
    for (const name of inner.required) required.add(name);
  }
  return { properties, required };
}

function parametersOf(op: Operation): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [
    ["path", op.params],
    ["query", op.query],
  ] as const) {
    if (!schema) continue;
    const { properties, required } = objectFields(jsonSchemaOf(schema, "input"));
    for (const [name, prop] of Object.entries(properties)) {
      const { description, ...rest } = prop;
      out.push({
        name,
        in: where,
        required: where === "path" ? true : required.has(name) && !("default" in rest),
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

function errorStatuses(op: Operation): number[] {
  const statuses = new Set<number>(op.errors ?? []);
  if (op.params || op.query) statuses.add(400);
  if (op.body) {
    statuses.add(400);
    statuses.add(422);
  }
  if (op.access !== "public") statuses.add(401);
  if (op.access !== "public" && op.access !== "signed-in") statuses.add(403);
  if (op.params) statuses.add(404);
  // Every operation reads or writes the database: while it is unreachable the answer is 503 `unavailable`.
  statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/** "admin.users.list" → "adminUsersList". */
function operationId(op: Operation): string {
  return op.name.replace(/[._-]+(\w)/g, (_, c: string) => c.toUpperCase());
}

function operationObject(op: Operation): JsonSchema {
  const status = op.status ?? (op.output || op.stream ? 200 : 204);
  const success: JsonSchema = { description: STATUS_TEXT[status] ?? "Success" };
  if (op.stream) {
    success.description = op.stream.description;
    success.content = { [op.stream.contentType]: { schema: { type: "string" } } };
  } else if (op.output) {
    success.content = { "application/json": { schema: jsonSchemaOf(op.output, "output") } };
  }
  if (op.responseHeaders) {
    success.headers = Object.fromEntries(
      Object.entries(op.responseHeaders).map(([name, description]) => [name, { description, schema: { type: "string" } }]),
    );
  }
  const responses: Record<string, JsonSchema> = { [String(status)]: success };
  for (const [code, description] of Object.entries(op.alsoSucceeds ?? {})) responses[code] = { ...success, description };
  for (const code of errorStatuses(op)) {
    responses[String(code)] = { description: STATUS_TEXT[code] ?? "Error", content: { "application/json": { schema: ERROR_REF } } };
  }

  const parameters = parametersOf(op);
  const result: JsonSchema = {
    operationId: operationId(op),
    summary: op.summary,
    description: [op.description, accessNote(op)].filter(Boolean).join("\n\n"),
    tags: [op.tag],
    "x-operation": op.name,
    "x-permission": op.access,
    "x-scope": op.scope ?? "any",
    ...(op.audits?.length ? { "x-audit": [...op.audits] } : {}),
    ...(parameters.length ? { parameters } : {}),
    responses,
  };
  if (op.access === "public") result.security = [];
  const requestContent: Record<string, JsonSchema> = {};
  if (op.body) requestContent["application/json"] = { schema: jsonSchemaOf(op.body, "input") };
  const binary = { type: "string", contentEncoding: "binary" };
  for (const type of op.upload?.contentTypes ?? []) {
    requestContent[type] = { schema: type === "multipart/form-data" ? { type: "object", properties: { file: binary }, required: ["file"] } : binary };
  }
  if (Object.keys(requestContent).length) {
    result.requestBody = { required: true, ...(op.upload ? { description: op.upload.description } : {}), content: requestContent };
  }
  return result;
}

/** Who may call it, in words: the same `access` and `scope` that `invoke` and the services enforce. */
function accessNote(op: Operation): string {
  const who =
    op.access === "public"
      ? "Open to anyone."
      : op.access === "signed-in"
        ? "Any signed-in caller."
        : op.access === "trusted"
          ? "Any signed-in caller whose credential may write (not a session on a device that is not trusted)."
          : `Needs \`${op.access}\`.`;
  const scope = op.scope === "own" ? " Only the caller's own objects; others' answer 404 unless the caller may act for others." : "";
  return who + scope;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
}

/** The OpenAPI 3.1 document for a list of operations. */
export function buildOpenApiDocument(operations: readonly Operation[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const op of [...operations].sort((a, b) => a.path.localeCompare(b.path))) {
    const item = (paths[op.path] ??= {});
    const method = op.method.toLowerCase();
    if (item[method]) throw new Error(`OpenAPI registry lists ${op.method} ${op.path} twice`);
    item[method] = operationObject(op);
  }
  const tags = [...new Set(operations.map((o) => o.tag))].sort().map((name) => ({ name }));
  return {
    openapi: "3.1.0",
    info,
    servers: [{ url: "/" }],
    tags,
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "An API token (created under Account → API tokens) or a runtime session token (POST /api/runtime/sessions)",
        },
        sessionCookie: { type: "apiKey", in: "cookie", name: "authjs.session-token", description: "The portal's sign-in cookie" },
      },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message"],
              properties: {
                code: { type: "string", enum: Object.keys(ERROR_STATUS) },
                message: { type: "string" },
                details: {},
              },
            },
          },
        },
      },
    },
  };
}
