/** Backpressure for the feeder: a bounded window of work in flight, so a fast generator waits for a slow platform instead of filling memory. */

/**
 * At most `size` tasks run at once; `run` waits for a free slot before it starts one. The first failure is
 * kept and thrown by `drain` (and by the next `run`), so a refusal stops the feed rather than being lost.
 * @example const window = new InFlightWindow(500); await window.run(() => publish(m)); await window.drain();
 */
export class InFlightWindow {
  readonly size: number;
  #inFlight = 0;
  #waiting: Array<() => void> = [];
  #idle: Array<() => void> = [];
  #failure: unknown;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a window holds at least one task, got ${size}`);
    this.size = size;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Starts `task` once a slot is free; resolves when it has started (not when it ends). */
  async run(task: () => Promise<unknown>): Promise<void> {
    this.#throwIfFailed();
    while (this.#inFlight >= this.size) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
      this.#throwIfFailed();
    }
    this.#inFlight++;
    task().then(
      () => this.#release(),
      (error: unknown) => {
        this.#failure ??= error;
        this.#release();
      },
    );
  }

  /** Resolves when nothing is in flight; throws the first failure, if any. */
  async drain(): Promise<void> {
    while (this.#inFlight > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    this.#throwIfFailed();
  }

  #release(): void {
    this.#inFlight--;
    this.#waiting.shift()?.();
    if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }
}
