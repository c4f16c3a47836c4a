/** Per-device activity (last seen, messages, errors, throttled) counted in memory and written to the store in batches. */
import type { Queryable } from '../platform/store/store.ts';
import type { DeviceView, Rejection } from './model.ts';
import { type ActivityDelta, addActivity } from './store.ts';

const key = (tenant: string, id: string) => `${tenant}\u0000${id}`;

export class DeviceActivityLog {
  #pending = new Map<string, ActivityDelta>();
  #flushing: Promise<void> | undefined;

  #delta(tenant: string, id: string): ActivityDelta {
    const k = key(tenant, id);
    let delta = this.#pending.get(k);
    if (!delta) {
      delta = { tenant, id, messages: 0, errors: 0, throttled: 0, lastSeenAt: null, lastError: null, lastErrorAt: null };
      this.#pending.set(k, delta);
    }
    return delta;
  }

  accepted(tenant: string, id: string, count = 1, at = new Date().toISOString()): void {
    const delta = this.#delta(tenant, id);
    delta.messages += count;
    delta.lastSeenAt = at;
  }

  rejected(tenant: string, id: string, reason: Rejection, message: string, at = new Date().toISOString()): void {
    const delta = this.#delta(tenant, id);
    if (reason === 'throttled') delta.throttled += 1;
    else {
      delta.errors += 1;
      delta.lastError = message.slice(0, 300);
      delta.lastErrorAt = at;
    }
  }

  /** A device as stored plus what this node counted and has not written yet. */
  overlay(device: DeviceView): DeviceView {
    const delta = this.#pending.get(key(device.tenant, device.id));
    if (!delta) return device;
    const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);
    return {
      ...device,
      messageCount: device.messageCount + delta.messages,
      errorCount: device.errorCount + delta.errors,
      throttledCount: device.throttledCount + delta.throttled,
      lastSeenAt: later(device.lastSeenAt, delta.lastSeenAt),
      lastError: delta.lastErrorAt ? delta.lastError : device.lastError,
      lastErrorAt: later(device.lastErrorAt, delta.lastErrorAt),
    };
  }

  forget(tenant: string, id: string): void {
    this.#pending.delete(key(tenant, id));
  }

  /** Writes what was counted since the last flush in one statement; on failure the counts are kept for the next. */
  flush(q: Queryable): Promise<void> {
    this.#flushing ??= (async () => {
      try {
        while (this.#pending.size > 0) {
          const taken = this.#pending;
          this.#pending = new Map();
          try {
            await addActivity(q, [...taken.values()]);
          } catch (error) {
            for (const [k, delta] of taken) this.#merge(k, delta);
            throw error;
          }
        }
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  #merge(k: string, delta: ActivityDelta): void {
    const current = this.#pending.get(k);
    if (!current) {
      this.#pending.set(k, delta);
      return;
    }
    current.messages += delta.messages;
    current.errors += delta.errors;
    current.throttled += delta.throttled;
    current.lastSeenAt ??= delta.lastSeenAt;
    if (current.lastErrorAt === null) {
      current.lastError = delta.lastError;
      current.lastErrorAt = delta.lastErrorAt;
    }
  }
}
