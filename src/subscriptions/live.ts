/**
 * In-process subscriptions: the platform's own capabilities (and the live stream of the portal) hear of matching
 * changes through the same matcher as NGSI-LD subscriptions, as soon as the change has committed. Nothing is
 * stored: a subscriber that is not running misses what happened meanwhile (use an NGSI-LD subscription for that).
 */
import type { StoredEntity } from '../context/model.ts';
import type { TermExpander } from '../context/query/model.ts';
import type { EntityChange } from '../context/write-batch.ts';
import type { Principal } from '../platform/auth/model.ts';
import { type CompiledFilter, compileFilter, type FilterSpec, matchChange } from './matcher.ts';
import { TRIGGERS, type Trigger } from './model.ts';

/** What an in-process subscriber hears: one change of one entity it selects. */
export interface LiveEvent {
  tenant: string;
  /** The triggers the change fired (among those asked for). */
  triggers: Trigger[];
  id: string;
  /** The entity after the change; null when it was deleted. */
  entity: StoredEntity | null;
  before: StoredEntity | undefined;
  /** Attribute IRIs the change deleted. */
  deletedAttributes: string[];
}

export interface LiveFilter extends Omit<FilterSpec, 'watchedAttributes'> {
  /** Attribute names (expanded with `terms`). */
  watchedAttributes?: string[];
  /** Whose read policy applies (default: the system, which reads everything). */
  principal: Principal;
  /** Expands the names in type, q and watchedAttributes (default: the core context). */
  terms: TermExpander;
}

interface Subscriber {
  filter: CompiledFilter;
  handler: (event: LiveEvent) => void;
}

/** Every trigger: in-process subscribers hear of creations, changes and deletions unless they narrow it. */
const ALL_TRIGGERS: readonly Trigger[] = TRIGGERS;

export class LiveHub {
  readonly #subscribers = new Map<string, Set<Subscriber>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /**
   * Calls `handler` for every committed change in `tenant` that the filter selects; returns the unsubscribe.
   * Throws a 400 AppError for a bad type, q, scopeQ or geoQ. Handlers run synchronously after the write: keep them short.
   * @example const stop = live.subscribe('hangzhou', { type: 'Alert', principal, terms }, (e) => console.log(e.id))
   */
  subscribe(tenant: string, filter: LiveFilter, handler: (event: LiveEvent) => void): () => void {
    const spec: FilterSpec = {
      ...filter,
      notificationTrigger: filter.notificationTrigger ?? ALL_TRIGGERS,
      ...(filter.watchedAttributes ? { watchedAttributes: filter.watchedAttributes.map((a) => filter.terms.expand(a)) } : {}),
    };
    const subscriber: Subscriber = { filter: compileFilter(spec, filter.terms, filter.principal), handler };
    const set = this.#subscribers.get(tenant) ?? new Set<Subscriber>();
    this.#subscribers.set(tenant, set);
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.#subscribers.get(tenant) === set) this.#subscribers.delete(tenant);
    };
  }

  /** How many subscribers listen in a city. */
  count(tenant: string): number {
    return this.#subscribers.get(tenant)?.size ?? 0;
  }

  /** Called by the hub's observer with committed changes. */
  publish(tenant: string, changes: readonly EntityChange[]): void {
    const set = this.#subscribers.get(tenant);
    if (!set) return;
    for (const change of changes) {
      for (const subscriber of set) {
        try {
          const match = matchChange(subscriber.filter, change);
          if (!match) continue;
          subscriber.handler({
            tenant,
            triggers: match.triggers,
            id: change.id,
            entity: change.after,
            before: change.before,
            deletedAttributes: match.deletedAttributes,
          });
        } catch (error) {
          this.onError(error);
        }
      }
    }
  }
}
