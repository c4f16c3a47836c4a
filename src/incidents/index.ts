/** Assembles incidents: the service, its HTTP routes, what it follows in the hub, and the escalation sweeper. */
import type { FastifyPluginAsync } from 'fastify';
import type { TermMap } from '../context/ld/model.ts';
import type { EntityReader } from '../context/read.ts';
import type { ContextHub } from '../context/service.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import type { LiveHub } from '../subscriptions/live.ts';
import { HubFollower } from './follow.ts';
import { IncidentMirror } from './hub-mirror.ts';
import { incidentRoutes } from './routes.ts';
import { IncidentsService } from './service.ts';

export { IncidentsService } from './service.ts';
export type * from './model.ts';

/** Acknowledgement deadlines are 60 s and up: a sweep every 10 s escalates within a sixth of the tightest one. */
const SWEEP_MS = 10_000;

export interface IncidentsParts {
  service: IncidentsService;
  /** Mounted under /api/v1 (its paths start with /incidents). */
  apiRoutes: FastifyPluginAsync;
  /** Escalates unacknowledged incidents, mends Incident entities a failed write left behind, and opens incidents for active alerts missed while stopped. */
  sweep(): Promise<{ escalated: number; mended: number; caughtUp: number }>;
  /** Resolves when every hub change heard so far has been handled (tests). */
  idle(): Promise<void>;
  /** Stops following the hub and the timer; call before the store closes. */
  close(): Promise<void>;
}

export interface IncidentsDeps {
  store: Store;
  audit: AuditLog;
  tenancy: Tenancy;
  hub: Pick<ContextHub, 'batchUpsert' | 'batchMerge'>;
  reader: EntityReader;
  live: LiveHub;
  terms: TermMap;
  logger: Logger;
  /** The clock of acknowledgement deadlines and the timeline (tests drive it); the wall clock by default. */
  now?: () => Date;
  /** false: no timer and no start-up catch-up (tests call sweep() themselves). Default true. */
  background?: boolean;
}

export async function createIncidents(deps: IncidentsDeps): Promise<IncidentsParts> {
  const now = deps.now ?? (() => new Date());
  const mirror = new IncidentMirror({ store: deps.store, hub: deps.hub, terms: deps.terms, logger: deps.logger });
  const service = new IncidentsService({ store: deps.store, audit: deps.audit, reader: deps.reader, terms: deps.terms, mirror, logger: deps.logger, now });
  const follower = new HubFollower({ live: deps.live, service, reader: deps.reader, terms: deps.terms, logger: deps.logger });
  const tenants = (await deps.tenancy.list()).map((t) => t.id);
  follower.follow(tenants);
  const sweep = async () => {
    const escalated = await service.escalateOverdue();
    const mended = await mirror.mend();
    let caughtUp = 0;
    for (const tenant of tenants) caughtUp += await follower.catchUp(tenant);
    return { escalated, mended, caughtUp };
  };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  if (deps.background !== false) {
    // One sweep at a time; close() waits for the one in flight before the store closes.
    const run = () => {
      running ??= sweep()
        .catch((error) => deps.logger.warn({ err: error }, 'the incident sweeper failed; it runs again shortly'))
        .finally(() => {
          running = undefined;
        });
    };
    run();
    timer = setInterval(run, SWEEP_MS);
    timer.unref();
  }
  let closing: Promise<void> | undefined;
  return {
    service,
    apiRoutes: incidentRoutes(service),
    sweep,
    idle: () => follower.idle(),
    close() {
      closing ??= (async () => {
        if (timer) clearInterval(timer);
        await running;
        await follower.close();
      })();
      return closing;
    },
  };
}
