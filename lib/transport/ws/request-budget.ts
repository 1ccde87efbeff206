/**
 * A token bucket per connection: `burst` requests at once, refilled at `perSecond`. In memory on
 * purpose: a socket lives on one node, so its budget does too (HTTP's buckets are shared in the database).
 */
export class RequestBudget {
  private tokens: number;
  private last: number;
  private refusedInARow = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = clock();
  }

  /** Spend one token; false when the budget is exhausted. */
  take(): boolean {
    const at = this.clock();
    this.tokens = Math.min(this.burst, this.tokens + ((at - this.last) / 1000) * this.perSecond);
    this.last = at;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusedInARow = 0;
      return true;
    }
    this.refusedInARow++;
    return false;
  }

  /** Milliseconds until the next token. */
  retryAfterMs(): number {
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
  }

  /** Requests refused since the last one allowed: a client that ignores refusals gets closed. */
  get refusals(): number {
    return this.refusedInARow;
  }
}
