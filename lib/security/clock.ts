/**
 * The security layer's notion of "now". Expiry (sessions, tokens, invites) and throttling
 * windows read it, so tests can move time forward instead of waiting 24 hours.
 */
type ClockFn = () => Date;

const CLOCK_KEY = Symbol.for("coderclawlink.security.clock");
type GlobalWithClock = typeof globalThis & { [CLOCK_KEY]?: ClockFn };

export function now(): Date {
  const override = (globalThis as GlobalWithClock)[CLOCK_KEY];
  return override ? override() : new Date();
}

/** Replace the clock (tests only); pass undefined to restore the real one. */
export function setClock(fn: ClockFn | undefined): void {
  const g = globalThis as GlobalWithClock;
  if (fn) g[CLOCK_KEY] = fn;
  else delete g[CLOCK_KEY];
}

/** A clock fixed at `start` that tests advance by hand. */
export function manualClock(start = new Date()): { now: () => Date; advance: (ms: number) => void; set: (d: Date) => void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
    set: (d) => {
      current = d.getTime();
    },
  };
}
