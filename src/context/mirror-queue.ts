/**
 * Coalesced hub writes for a capability that mirrors its own rows as entities (requests → ServiceRequest, alarms →
 * Alert): callers name the rows that changed, one drain at a time writes every row named meanwhile, per city, in one
 * batch. The writer reads the rows as they are when it runs, so a row named twice is written once, at its latest.
 */
export class MirrorQueue {
  #pending = new Map<string, Set<string>>();
  #waiters: Array<() => void> = [];
  #flushing: Promise<void> | undefined;

  /**
   * @param write writes the entities of these rows of one city (and records what it wrote)
   * @param onError a failed write: logged by the capability, whose sweeper writes the lagging rows again
   */
  constructor(
    private readonly write: (tenant: string, ids: string[]) => Promise<void>,
    private readonly onError: (error: unknown, tenant: string, count: number) => void,
  ) {}

  /** Writes the entities of these rows soon (together with others); resolves once tried. Never rejects. */
  schedule(tenant: string, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return Promise.resolve();
    const set = this.#pending.get(tenant) ?? new Set<string>();
    this.#pending.set(tenant, set);
    for (const id of ids) set.add(id);
    const done = new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#flushing ??= this.#drain();
    return done;
  }

  /** Waits until every scheduled write was tried. */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.size > 0) {
        const batch = this.#pending;
        const waiters = this.#waiters;
        this.#pending = new Map();
        this.#waiters = [];
        for (const [tenant, ids] of batch) {
          await this.write(tenant, [...ids]).catch((error) => this.onError(error, tenant, ids.size));
        }
        for (const resolve of waiters) resolve();
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
