/** Per-device token buckets: a device may send `rate` messages per second, with bursts of up to `burst`. */

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, Bucket>();
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;

  /** `rate` 0 turns throttling off. */
  constructor(rate: number, burst: number, now: () => number = () => performance.now()) {
    this.#rate = rate;
    this.#burst = Math.max(1, burst);
    this.#now = now;
  }

  /** Takes one token for `key`; false when the device is over its rate. */
  take(key: string): boolean {
    if (this.#rate === 0) return true;
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      // Buckets of quiet devices go when the map grows large; a full bucket is what a new one gets anyway.
      if (this.#buckets.size >= 100_000) this.#sweep(now);
      bucket = { tokens: this.#burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.#burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  #sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.#rate >= this.#burst) this.#buckets.delete(key);
    }
  }
}
