import { Ajv2020 } from "ajv/dist/2020.js";
import { openApiDocument } from "../../lib/operations";

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });

type Doc = { components: object; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>> };

/** The JSON Schema the node's OpenAPI document gives for one response. */
export function responseSchema(path: string, method: string, status = 200): object {
  const doc = openApiDocument() as unknown as Doc;
  const schema = doc.paths[path]?.[method]?.responses[String(status)]?.content?.["application/json"]?.schema;
  if (!schema) throw new Error(`no JSON response schema for ${method.toUpperCase()} ${path} ${status}`);
  // Refs point into the document (#/components/schemas/Error): carry the components along.
  return { ...schema, components: doc.components };
}

/** Throws with Ajv's errors unless `value` matches the documented response. */
export function expectMatchesResponse(value: unknown, path: string, method: string, status = 200): void {
  const validate = ajv.compile(responseSchema(path, method, status));
  if (!validate(value)) throw new Error(`${method.toUpperCase()} ${path} ${status}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value, null, 2)}`);
}
