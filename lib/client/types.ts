import type { z, ZodType } from "zod";
import type { OperationName, Operations } from "../operations";

// The API's shapes for the browser, derived from the operation registry's schemas (types only:
// nothing of the server is bundled). Renaming a field in an output schema breaks the UI's build.

type Schema<N extends OperationName, K extends "output" | "body" | "query"> = NonNullable<Operations[N][K]>;

/** What an operation answers (its output schema, as parsed JSON). */
export type ApiOutput<N extends OperationName> = Schema<N, "output"> extends ZodType ? z.output<Schema<N, "output">> : never;
/** What an operation accepts as its JSON body. */
export type ApiBody<N extends OperationName> = Schema<N, "body"> extends ZodType ? z.input<Schema<N, "body">> : never;
/** An operation's query parameters, before coercion. */
export type ApiQuery<N extends OperationName> = Schema<N, "query"> extends ZodType ? z.input<Schema<N, "query">> : never;

/** One element of a list an operation answers. */
export type ItemOf<T> = T extends readonly (infer I)[] ? I : never;
