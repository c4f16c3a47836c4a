/** Slows password guessing: after repeated failures for one account, logins wait with a growing delay. */

const FREE_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;
const MAX_DELAY_S = 15 * 60;

export class LoginThrottle {
  #failures = new Map<string, { count: number; last: number }>();

  secondsToWait(key: string, now = Date.now()): number {
    const entry = this.#failures.get(key);
    if (!entry || now - entry.last > WINDOW_MS) return 0;
    if (entry.count < FREE_FAILURES) return 0;
    const delay = Math.min(MAX_DELAY_S, 2 ** (entry.count - FREE_FAILURES));
    const remaining = Math.ceil((entry.last + delay * 1000 - now) / 1000);
    return Math.max(0, remaining);
  }

  fail(key: string, now = Date.now()): void {
    const entry = this.#failures.get(key);
    const count = entry && now - entry.last <= WINDOW_MS ? entry.count + 1 : 1;
    if (this.#failures.size > 100_000) this.#failures.clear();
    this.#failures.set(key, { count, last: now });
  }

  succeed(key: string): void {
    this.#failures.delete(key);
  }
}
