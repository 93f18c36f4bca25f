/**
 * Per-key token buckets with a bounded number of keys, for what unauthenticated callers can make
 * the server do: how often one source address may ask /boot, how often it may cause an event.
 * Pure apart from the clock, which is passed in.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `key`; false when its bucket is empty. The least recently seen key goes first when the table is full. */
  take(key: string): boolean {
    const at = this.now();
    const bucket = this.buckets.get(key);
    let tokens = this.burst;
    if (bucket) {
      this.buckets.delete(key);
      tokens = Math.min(this.burst, bucket.tokens + ((at - bucket.at) / 1000) * this.perSecond);
    } else if (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    const allowed = tokens >= 1;
    this.buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at });
    return allowed;
  }

  /** Whether take(key) would succeed now; takes nothing. */
  wouldTake(key: string): boolean {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.burst >= 1;
    return Math.min(this.burst, bucket.tokens + ((this.now() - bucket.at) / 1000) * this.perSecond) >= 1;
  }

  /** Seconds until `key` may ask again (at least 1). */
  retryAfter(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket || bucket.tokens >= 1) return 1;
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  get size(): number {
    return this.buckets.size;
  }
}

/** At most one of a kind of thing per key and interval: one event per node and minute, not one per request. */
export class Throttle {
  private readonly limiter: RateLimiter;

  constructor(intervalMs: number, maxKeys = 10_000, now: () => number = Date.now) {
    this.limiter = new RateLimiter(1000 / intervalMs, 1, maxKeys, now);
  }

  allow(key: string): boolean {
    return this.limiter.take(key);
  }

  /** Whether allow(key) would say yes now, without counting this as the one. */
  wouldAllow(key: string): boolean {
    return this.limiter.wouldTake(key);
  }
}
