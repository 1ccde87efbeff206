import { z } from "zod";

/**
 * Bounded building blocks for input schemas. Every number and date a client sends ends up in a
 * PostgreSQL column or parameter; one past the column's range is a database error (a 500) instead
 * of a clear 4xx, so the bounds live in the schema, once.
 */

/** The largest value an int4 column (and parameter) holds. */
export const INT4_MAX = 2_147_483_647;

/** An integer from a query string (or a JSON number), at most `max` (int4 by default). */
export function queryInt(opts: { min: number; max?: number }) {
  return z.coerce
    .number()
    .int()
    .min(opts.min)
    .max(opts.max ?? INT4_MAX);
}

/** Dates clients may send: years 1 to 9999 (PostgreSQL's timestamptz holds more; JavaScript's Date less beyond). */
export const MIN_DATE = new Date("0001-01-01T00:00:00.000Z");
export const MAX_DATE = new Date("9999-12-31T23:59:59.999Z");

/** A date (ISO 8601 or anything Date parses) within MIN_DATE…MAX_DATE. */
export function boundedDate() {
  return z.coerce
    .date()
    .min(MIN_DATE, { message: "must be in the years 0001 to 9999" })
    .max(MAX_DATE, { message: "must be in the years 0001 to 9999" });
}
