/** Assembles the temporal history: the recorder on the hub's write path, the partition and retention job, the service and the /temporal routes. */
import type { FastifyPluginAsync } from 'fastify';
import type { ContextHubParts } from '../context/hub.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import { type MaintenanceReport, maintainPartitions } from './partitions.ts';
import { HistoryRecorder } from './recorder.ts';
import { temporalRoutes } from './routes.ts';
import { TemporalService } from './service.ts';
import { settleRollup } from './store.ts';

export interface TemporalParts {
  service: TemporalService;
  recorder: HistoryRecorder;
  /** Route plugins, mounted under /ngsi-ld/v1. */
  routes: FastifyPluginAsync[];
  /** Runs partition maintenance and retention now (the background job runs it every hour). */
  maintain(now?: number): Promise<MaintenanceReport>;
  /** Stops the background job and waits for a running one. */
  close(): Promise<void>;
}

const MAINTENANCE_INTERVAL_MS = 3_600_000;
/** How often the pending rollup rows are folded in (readers settle first, so this only bounds the backlog). */
const SETTLE_INTERVAL_MS = 1_000;
/** On PGlite (no autovacuum), VACUUM the rollup journal after this many of its rows were settled and deleted. */
const VACUUM_PENDING_EVERY = 20_000;

export async function createTemporal(deps: {
  store: Store;
  audit: AuditLog;
  logger: Logger;
  context: ContextHubParts;
  /** Days of history kept; 0 keeps everything. */
  retentionDays: number;
}): Promise<TemporalParts> {
  const recorder = new HistoryRecorder();
  for (const observer of recorder.observers()) deps.context.hub.observe(observer);
  const hub = deps.context.hub;
  const service = new TemporalService({
    store: deps.store,
    audit: deps.audit,
    recorder,
    ownership: (call, asked) => hub.ownership(call, asked),
  });
  let running: Promise<MaintenanceReport> | undefined;
  const maintain = (now?: number) => {
    running ??= maintainPartitions(deps.store, { retentionDays: deps.retentionDays, ...(now !== undefined ? { now } : {}) })
      .then((report) => {
        // Entities and series past retention may have been deleted: what this process knew of them no longer holds.
        if (report.deletedRows > 0 || report.dropped.length > 0) recorder.reset();
        if (report.created.length + report.dropped.length + report.moved > 0) deps.logger.info({ temporal: report }, 'temporal partitions maintained');
        return report;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };
  await maintain();
  const timer = setInterval(() => {
    maintain().catch((error) => deps.logger.warn({ err: error }, 'temporal partition maintenance failed; it runs again within the hour'));
  }, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  // The rollup's journal is folded in every second, one settle at a time (a slow one is never overlapped by the next).
  let settling: Promise<unknown> = Promise.resolve();
  let closed = false;
  let settledSinceVacuum = 0;
  const settle = async (): Promise<void> => {
    settledSinceVacuum += (await settleRollup(deps.store)).taken;
    // Every settle leaves its rows dead: without autovacuum the journal would only grow, and each settle scan it all.
    if (deps.store.driver === 'pglite' && settledSinceVacuum >= VACUUM_PENDING_EVERY) {
      settledSinceVacuum = 0;
      await deps.store.query('VACUUM temporal_rollup_pending');
    }
  };
  const settleLater = (): void => {
    settleTimer = setTimeout(() => {
      settling = settle()
        .catch((error) => deps.logger.warn({ err: error }, 'settling the temporal rollup failed; readers settle before they read, and the job tries again'))
        .finally(() => {
          if (!closed) settleLater();
        });
    }, SETTLE_INTERVAL_MS);
    settleTimer.unref();
  };
  let settleTimer: NodeJS.Timeout | undefined;
  settleLater();
  return {
    service,
    recorder,
    routes: [temporalRoutes({ service, resolver: deps.context.resolver })],
    maintain,
    async close() {
      clearInterval(timer);
      closed = true;
      clearTimeout(settleTimer);
      await settling;
      await running?.catch(() => undefined);
    },
  };
}
