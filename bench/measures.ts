/**
 * Every figure of a run in one flat list, for bench/results.json (so a script can compare runs) and
 * for the target tables of bench/RESULTS.md. A target is met when `value` reaches `target`
 * (`higherIsBetter`) or stays at or under it.
 */
export interface Measure {
  name: string;
  value: number;
  unit: string;
  /** "postgres" | "pglite", or absent when the figure is not about one database. */
  database?: string;
  target?: number;
  higherIsBetter?: boolean;
  met?: boolean;
  note?: string;
}

export function measure(name: string, value: number, unit: string, extra: Omit<Measure, "name" | "value" | "unit"> = {}): Measure {
  const m: Measure = { name, value, unit, ...extra };
  if (m.target !== undefined) m.met = Number.isFinite(value) && (m.higherIsBetter ? value >= m.target : value <= m.target);
  return m;
}

/** "≤ 5 ms", "≥ 0.5 ×": how a target reads in the tables. */
export function targetText(m: Measure): string {
  if (m.target === undefined) return "";
  return `${m.higherIsBetter ? "≥" : "≤"} ${m.target} ${m.unit}`.trim();
}

export function valueText(m: Measure): string {
  if (!Number.isFinite(m.value)) return "n/a";
  const v = Math.abs(m.value);
  const digits = m.unit === "×" ? 2 : v < 10 ? 2 : v < 100 ? 1 : 0;
  return `${m.value.toFixed(digits)} ${m.unit}`;
}
