/** Assembles the alarms service: engines fed from the hub, the batched flusher, the Alert mirror and its sweeper, and the routes. */
import type { FastifyPluginAsync } from 'fastify';
import type { TermMap } from '../context/ld/model.ts';
import type { EntityReader } from '../context/read.ts';
import type { ContextHub } from '../context/service.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import type { LiveHub } from '../subscriptions/live.ts';
import { DEFAULT_POLICIES, DEFAULT_RULES } from './defaults.ts';
import { AlertMirror } from './hub-mirror.ts';
import { alarmRoutes } from './routes.ts';
import { type AlarmDefaults, AlarmsService } from './service.ts';

export { AlarmsService } from './service.ts';
export type * from './model.ts';

/** Decisions wait at most this long before they are written (or until 500 are queued). */
const FLUSH_MS = 200;
/** Event time moves with the wall clock this often, so `for` durations and windows come due without readings. */
const ADVANCE_MS = 1000;
/** Alert entities a failed hub write left behind are written again this often. */
const MEND_MS = 60_000;

export interface AlarmsParts {
  service: AlarmsService;
  /** Mounted under /api/v1 (its paths start with /alarms). */
  apiRoutes: FastifyPluginAsync;
  /**
   * Resolves once every city's engine has been primed with the hub's current entities. The server does not wait
   * for it: at city scale priming reads every watched entity (100,000 stations took ~15 s), and the portal and the
   * hub should answer meanwhile. Hub changes are followed from before priming starts.
   */
  ready: Promise<void>;
  /** Writes every decision so far, the engine state and the Alert entities; resolves once written. */
  flush(): Promise<void>;
  /** Stops the timers and following the hub, then flushes; call before subscriptions and the store close. */
  close(): Promise<void>;
}

export interface AlarmsDeps {
  store: Store;
  audit: AuditLog;
  tenancy: Pick<Tenancy, 'list'>;
  hub: Pick<ContextHub, 'batchUpsert'>;
  reader: Pick<EntityReader, 'typeSummary' | 'queryEntities'>;
  live: Pick<LiveHub, 'subscribe'>;
  terms: TermMap;
  logger: Logger;
  /** The rule set of a new city; Hangzhou's by default. */
  defaults?: AlarmDefaults;
  /** Wall clock in ms (tests drive it); Date.now by default. */
  now?: () => number;
  /** false: no timers (tests call flush() and service.advance() themselves). Default true. */
  background?: boolean;
}

export async function createAlarms(deps: AlarmsDeps): Promise<AlarmsParts> {
  const mirror = new AlertMirror({ store: deps.store, hub: deps.hub, terms: deps.terms, logger: deps.logger });
  const service = new AlarmsService({
    store: deps.store,
    audit: deps.audit,
    tenancy: deps.tenancy,
    reader: deps.reader,
    live: deps.live,
    terms: deps.terms,
    mirror,
    logger: deps.logger,
    defaults: deps.defaults ?? { rules: DEFAULT_RULES, policies: DEFAULT_POLICIES },
    now: deps.now ?? Date.now,
  });
  await service.start();
  const ready = service.primed();
  // Tests without timers drive the engines themselves and expect them primed.
  if (deps.background === false) await ready;
  // Alert entities whose write was cut short by the last stop are written first thing.
  void mirror.mend().catch((error) => deps.logger.warn({ err: error }, 'could not mend Alert entities'));

  const timers: NodeJS.Timeout[] = [];
  if (deps.background !== false) {
    const every = (ms: number, work: () => Promise<unknown>, failure: string) => {
      let running = false;
      const timer = setInterval(() => {
        if (running) return; // a slow store: skip a beat rather than pile up
        running = true;
        work()
          .catch((error) => deps.logger.warn({ err: error }, failure))
          .finally(() => {
            running = false;
          });
      }, ms);
      timer.unref();
      timers.push(timer);
    };
    every(FLUSH_MS, () => service.flush(), 'could not write alarm decisions; retrying');
    every(ADVANCE_MS, () => service.advance(), 'could not advance the alarm engines');
    every(MEND_MS, () => mirror.mend(), 'could not mend Alert entities; retrying in a minute');
  }

  let closing: Promise<void> | undefined;
  return {
    service,
    apiRoutes: alarmRoutes(service),
    ready,
    flush: () => service.settle(),
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        await service.close();
        await mirror.close();
      })();
      return closing;
    },
  };
}
