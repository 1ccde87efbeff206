/**
 * Input every operation refuses before its own schema sees it, whatever the transport: text
 * with a NUL character (PostgreSQL cannot store one in text or jsonb, file paths cannot hold
 * one) and JSON nested deeper than anything legitimate (serialising it later overflows the stack).
 * One check here covers every string field, key and filter of every operation.
 */

/** Deepest nesting accepted in a body (objects and arrays); real inputs stay far below it. */
export const MAX_INPUT_DEPTH = 64;

export interface InputProblem {
  /** Dotted path to the offending value ("" for the root). */
  path: string;
  message: string;
  code: "nul_character" | "too_deep";
}

interface Pending {
  value: unknown;
  depth: number;
  key: string | number | null;
  parent: Pending | null;
}

/** The first problem in a parsed input, or null. Iterative, so hostile depth cannot overflow the stack. */
export function findInputProblem(value: unknown): InputProblem | null {
  const stack: Pending[] = [{ value, depth: 0, key: null, parent: null }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const v = entry.value;
    if (typeof v === "string") {
      if (v.includes("\u0000")) return { path: pathOf(entry), message: "must not contain the NUL character (\\u0000)", code: "nul_character" };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (entry.depth >= MAX_INPUT_DEPTH) return { path: pathOf(entry), message: `is nested deeper than ${MAX_INPUT_DEPTH} levels`, code: "too_deep" };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: entry.depth + 1, key: i, parent: entry });
      continue;
    }
    for (const [key, child] of Object.entries(v)) {
      const childEntry: Pending = { value: child, depth: entry.depth + 1, key, parent: entry };
      if (key.includes("\u0000")) return { path: pathOf(childEntry), message: "has a key containing the NUL character (\\u0000)", code: "nul_character" };
      stack.push(childEntry);
    }
  }
  return null;
}

function pathOf(entry: Pending): string {
  const keys: string[] = [];
  for (let e: Pending | null = entry; e && e.key !== null; e = e.parent) keys.push(String(e.key).replaceAll("\u0000", "\\u0000").slice(0, 100));
  return keys.reverse().join(".");
}
