/** Gap between cards when a column is appended to or renumbered. */
export const POSITION_STEP = 1024;

/**
 * A position strictly between two neighbours (either may be missing: top or bottom of the
 * column). Returns null when floating point has run out of room between them, which tells
 * the caller to renumber the column first.
 */
export function positionBetween(above: number | null, below: number | null): number | null {
  if (above === null && below === null) return POSITION_STEP;
  if (above === null) return below! - POSITION_STEP;
  if (below === null) return above + POSITION_STEP;
  if (!(above < below)) return null;
  const middle = above + (below - above) / 2;
  return middle > above && middle < below ? middle : null;
}

/** Evenly spaced positions for a column of `count` cards, in their current order. */
export function renumberedPositions(count: number): number[] {
  return Array.from({ length: count }, (_, i) => (i + 1) * POSITION_STEP);
}
