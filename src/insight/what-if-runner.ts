/**
 * Runs what-if scenarios in a worker thread: a scenario is two simulated days (about 2 s of CPU at `small` size), and
 * run on the server's event loop it would stall every other request for that long. One worker, started on the first
 * ask and kept; asks queue behind the one running, and beyond MAX_WAITING the caller is told to come back.
 */
import { Worker } from 'node:worker_threads';
import { AppError } from '../platform/errors/app-error.ts';
import { validateWhatIf, type WhatIfInput, type WhatIfResult } from './scenario.ts';

/** Asks waiting behind the running one; more answer 503 with Retry-After. */
const MAX_WAITING = 4;

interface Pending {
  resolve: (result: WhatIfResult) => void;
  reject: (error: unknown) => void;
}

export class WhatIfRunner {
  #worker: Worker | undefined;
  #ready: Promise<Worker> | undefined;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #closed = false;

  /** Validates in the caller's thread (a bad date is a 400 at once), then runs in the worker. */
  async run(input: WhatIfInput): Promise<WhatIfResult> {
    validateWhatIf(input);
    if (this.#closed) throw new AppError('SERVICE_UNAVAILABLE', 'The platform is shutting down; try again shortly', { retryAfter: 5 });
    if (this.#pending.size > MAX_WAITING) {
      throw new AppError('SERVICE_UNAVAILABLE', `${this.#pending.size} what-if scenarios are running or waiting; try again in a few seconds`, { retryAfter: 5 });
    }
    const worker = await this.#start();
    const id = this.#next++;
    return new Promise<WhatIfResult>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, input });
    });
  }

  #start(): Promise<Worker> {
    this.#ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(new URL('./what-if-worker.mjs', import.meta.url));
      worker.unref();
      const fail = (error: unknown) => {
        // A dead worker fails what it held; the next ask starts a new one.
        this.#worker = undefined;
        this.#ready = undefined;
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
        reject(error);
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.#closed) fail(new Error(`the what-if worker stopped (exit code ${code})`));
      });
      worker.on('message', (message: { ready?: true; id?: number; ok?: boolean; result?: WhatIfResult; error?: { code?: string; message: string } }) => {
        if (message.ready) {
          this.#worker = worker;
          resolve(worker);
          return;
        }
        const pending = this.#pending.get(message.id as number);
        if (!pending) return;
        this.#pending.delete(message.id as number);
        if (message.ok) pending.resolve(message.result as WhatIfResult);
        else if (message.error?.code === 'INVALID_REQUEST') pending.reject(new AppError('INVALID_REQUEST', message.error.message));
        else pending.reject(new Error(message.error?.message ?? 'the what-if run failed'));
      });
    });
    return this.#ready;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#pending.values()) p.reject(new AppError('SERVICE_UNAVAILABLE', 'The platform is shutting down; try again shortly', { retryAfter: 5 }));
    this.#pending.clear();
    await this.#worker?.terminate();
    this.#worker = undefined;
  }
}
