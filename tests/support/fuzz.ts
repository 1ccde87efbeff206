/**
 * A small seeded generator of hostile HTTP input for the fuzz test: deterministic for a seed, so
 * a failure names a seed and a request index that reproduce it.
 */

/** mulberry32: tiny, fast, good enough to spread choices; not for secrets. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
}

/** Strings that have broken parsers, databases, file systems and serialisers somewhere. */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "%",
  "%00",
  "%E0%A4%A",
  "..",
  "../../etc/passwd",
  "C:\\Windows\\system32",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "1.5",
  "2147483648",
  "-2147483649",
  "99999999999999999999",
  "1e309",
  "0x7fffffff",
  "' OR 1=1 --",
  "\"; DROP TABLE users; --",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "😀🚀",
  "\uD800",
  "\uFFFF",
  "\u202Eabc",
  "a".repeat(5_000),
  "__proto__",
  "constructor",
  "true",
  "[]",
  "{}",
  "0001-01-01",
  "-100000-01-01",
  "+275760-09-13T00:00:00Z",
  "9999-12-31T23:59:59.999Z",
  "2026-02-30",
  "ccl_pat_not-a-token",
  "\r\nX-Injected: 1",
  "*",
  "?",
  "#",
];

const NUMBERS: readonly number[] = [0, -1, 1, 1.5, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e21, 1e300, -1e300, Number.MIN_VALUE];

type Schema = Record<string, unknown>;

/** A value shaped like the JSON schema says (valid or close to it), for mutation afterwards. */
export function valueFor(rng: Rng, schema: Schema | undefined, ids: readonly string[], depth = 0): unknown {
  if (!schema || depth > 6) return null;
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches?.length) return valueFor(rng, rng.pick(branches), ids, depth + 1);
  if (Array.isArray(schema.enum)) return rng.pick(schema.enum as unknown[]);
  if ("const" in schema) return schema.const;
  const type = Array.isArray(schema.type) ? rng.pick(schema.type as string[]) : schema.type;
  switch (type) {
    case "string": {
      if (schema.format === "uuid") return rng.chance(0.6) && ids.length ? rng.pick(ids) : rng.uuid();
      if (schema.format === "date-time") return new Date(Date.UTC(2026, rng.int(12), 1 + rng.int(28))).toISOString();
      if (schema.format === "email") return `fuzz-${rng.int(1e6)}@example.com`;
      const min = Number(schema.minLength ?? 1);
      const max = Math.min(Number(schema.maxLength ?? 24), 24);
      const length = Math.max(min, Math.min(max, 3 + rng.int(10)));
      return Array.from({ length }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[rng.int(36)]).join("");
    }
    case "integer":
    case "number": {
      const min = Number(schema.minimum ?? 0);
      const max = Number(schema.maximum ?? min + 100);
      const value = min + rng.int(Math.max(1, Math.min(max - min, 1000) + 1));
      return type === "integer" ? value : value + (rng.chance(0.5) ? 0.5 : 0);
    }
    case "boolean":
      return rng.chance(0.5);
    case "null":
      return null;
    case "array":
      return Array.from({ length: rng.int(3) }, () => valueFor(rng, schema.items as Schema, ids, depth + 1));
    case "object":
    default: {
      const out: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      for (const [key, sub] of Object.entries(properties)) if (required.has(key) || rng.chance(0.5)) out[key] = valueFor(rng, sub, ids, depth + 1);
      return out;
    }
  }
}

/** A value that is wrong for almost any field. */
export function hostileValue(rng: Rng): unknown {
  switch (rng.int(9)) {
    case 0:
      return rng.pick(NASTY_STRINGS);
    case 1:
      return rng.pick(NUMBERS);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return [rng.pick(NASTY_STRINGS), rng.pick(NUMBERS)];
    case 5: {
      const out = {};
      setOwn(out, rng.pick(NASTY_STRINGS), rng.pick(NASTY_STRINGS));
      return out;
    }
    case 6:
      return `x${"\u0000".repeat(1 + rng.int(3))}y`;
    case 7:
      return nested(rng, 50 + rng.int(700)); // deeper ones go as raw text (hostileBodyText): JSON.stringify itself overflows
    default:
      return "é".repeat(1 + rng.int(200_000));
  }
}

function nested(rng: Rng, depth: number): unknown {
  let value: unknown = rng.pick(NASTY_STRINGS);
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

/** Mutate a value in place at a random spot: replace, drop, add a key, or wrap it. */
export function mutate(rng: Rng, value: unknown): unknown {
  if (value === null || typeof value !== "object" || rng.chance(0.15)) return hostileValue(rng);
  const container = value as Record<string, unknown> | unknown[];
  const keys = Object.keys(container);
  const roll = rng.int(10);
  if (keys.length === 0 || roll === 0) {
    setOwn(container, rng.pick(["__proto__", "constructor", "prototype", "extra", "\u0000", "a".repeat(300), "$where"]), hostileValue(rng));
    return value;
  }
  const key = rng.pick(keys);
  if (roll === 1 && !Array.isArray(container)) {
    delete (container as Record<string, unknown>)[key];
    return value;
  }
  const current = (container as Record<string, unknown>)[key];
  setOwn(container, key, current !== null && typeof current === "object" && rng.chance(0.5) ? mutate(rng, current) : hostileValue(rng));
  return value;
}

/** An own, enumerable property even for "__proto__" (plain assignment would set the prototype instead). */
function setOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A body that is not the JSON the operation wants at all. */
export function hostileBodyText(rng: Rng): string {
  return rng.pick([
    "",
    "{",
    "}",
    "[",
    "nul",
    "null",
    "true",
    "123",
    '"text"',
    "[]",
    "[{}]",
    '{"a":1,"a":2}',
    '{"__proto__":{"isAdmin":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    "\u0000",
    '{"a":"\\u0000"}',
    '{"a":"\\ud800"}',
    "{'single':'quotes'}",
    '{"n":1e999999}',
    '{"n":-0}',
    "\uFEFF{}",
    "[".repeat(100_000) + "]".repeat(100_000),
    `{"a":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
    "a=1&b=2",
    "<xml/>",
    Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3]).toString("latin1"),
  ]);
}

/** A path parameter value, already encoded for the URL (sometimes with a malformed escape on purpose). */
export function pathValue(rng: Rng, ids: readonly string[]): string {
  const roll = rng.int(10);
  if (roll < 4 && ids.length) return rng.pick(ids);
  if (roll < 5) return rng.uuid();
  if (roll < 6) return rng.pick(["%", "%E0%A4%A", "%zz", "%C0%AF", "%00", "a%2Fb", "%2e%2e"]);
  const value = rng.pick(NASTY_STRINGS);
  try {
    return encodeURIComponent(value) || "x";
  } catch {
    return "%ED%A0%80";
  }
}
