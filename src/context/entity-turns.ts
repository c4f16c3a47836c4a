/**
 * The order of this process's writes to the same entities. A write waits until the writes that arrived before it
 * and touch any of its entities have finished, then starts from what they left (EntityCache). Without it, two
 * batches in flight on the same entity both start from the same version, one loses the version check, and the
 * retry re-reads and re-does the work; under load the retries lengthen the queue and the queue makes more of them.
 * Between processes the version check still decides.
 */
export class EntityTurns {
  /** Per entity, when the last write registered for it is done. Only entities with a write in flight are kept. */
  readonly #tails = new Map<string, Promise<void>>();

  /**
   * Takes a turn on these entities: resolves once every earlier write of this process to any of them is done, with
   * the function that ends this turn (call it when the write is done, failed or not). Turns are registered at once,
   * in arrival order, so waiting never forms a cycle.
   */
  async take(tenant: string, ids: Iterable<string>): Promise<() => void> {
    let end!: () => void;
    const done = new Promise<void>((resolve) => {
      end = resolve;
    });
    const keys = new Set<string>();
    for (const id of ids) keys.add(`${tenant}\u0000${id}`);
    const earlier = new Set<Promise<void>>();
    for (const key of keys) {
      const tail = this.#tails.get(key);
      if (tail) earlier.add(tail);
      this.#tails.set(key, done);
    }
    if (earlier.size > 0) await Promise.all(earlier);
    return () => {
      end();
      for (const key of keys) if (this.#tails.get(key) === done) this.#tails.delete(key);
    };
  }

  /** Entities with a write in flight or waiting (for tests and metrics). */
  get busy(): number {
    return this.#tails.size;
  }
}
