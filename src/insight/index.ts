/** Assembles insight: the service, the hourly job (with a bounded catch-up at start), and the /api/v1/insight routes. */
import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { TermMap } from '../context/ld/model.ts';
import type { EntityReader } from '../context/read.ts';
import type { ContextHub } from '../context/service.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import { INSIGHT_FUNCTIONS, type InsightFunctions } from './functions.ts';
import { insightRoutes } from './routes.ts';
import { type AlarmRules, HOUR, InsightService, type RunReport, type WhatIfInput } from './service.ts';
import { WhatIfRunner } from './what-if-runner.ts';

export { InsightService } from './service.ts';
export type { RunReport } from './service.ts';

/** An hour is computed this long after it ends, so readings sent late by devices and feeders are in. */
const SETTLE_MS = 2 * 60_000;
/** How often the job looks for an hour that has ended. */
const TICK_MS = 60_000;
/** At start, hours missed while stopped are computed back this far at most (older ones stay gaps). */
const CATCH_UP_HOURS = 24;
/** The longest wait before an hour that had no readings is computed again. */
const EMPTY_RETRY_MAX_MS = 16 * 60_000;

export interface InsightParts {
  service: InsightService;
  /** Mounted under /api/v1 (its paths start with /insight). */
  apiRoutes: FastifyPluginAsync;
  /** Computes the indicators of the hour ending at `hourEnd` (epoch ms, on the hour) unless another process has. */
  runHour(tenant: string, hourEnd: number): Promise<RunReport>;
  /** Stops the timer and waits for the run in flight; call before the store closes. */
  close(): Promise<void>;
}

export interface InsightDeps {
  store: Store;
  audit: AuditLog;
  tenancy: Pick<Tenancy, 'list'>;
  hub: Pick<ContextHub, 'batchUpsert'>;
  reader: Pick<EntityReader, 'queryEntities'>;
  terms: TermMap;
  logger: Logger;
  /** The alarms capability's service: the anomaly rule is seeded through it. */
  alarms?: AlarmRules;
  /** The pure parts (forecast, anomaly detection, catalogue); the insight modules' by default. */
  functions?: InsightFunctions;
  whatIf?: (input: WhatIfInput) => Promise<unknown>;
  /** Wall clock in ms (tests drive it); Date.now by default. */
  now?: () => number;
  /** false: no timer and no catch-up (tests call runHour themselves). Default true. */
  background?: boolean;
}

export async function createInsight(deps: InsightDeps): Promise<InsightParts> {
  const now = deps.now ?? Date.now;
  const functions = deps.functions ?? INSIGHT_FUNCTIONS;
  // The simulator runs in a worker thread (about 2 s of CPU at `small` size), off the server's event loop; nothing is written to the hub.
  const runner = deps.whatIf ? undefined : new WhatIfRunner();
  const whatIf = deps.whatIf ?? ((input: WhatIfInput) => (runner as WhatIfRunner).run(input));
  const service = new InsightService({
    store: deps.store,
    audit: deps.audit,
    hub: deps.hub,
    reader: deps.reader,
    terms: deps.terms,
    logger: deps.logger,
    functions,
    ...(deps.alarms ? { alarms: deps.alarms } : {}),
    whatIf,
    processId: `${process.pid}-${randomUUID().slice(0, 8)}`,
  });
  // Runs one at a time per process: the job and a manual run never compute side by side here (the claim covers other processes).
  let queue: Promise<unknown> = Promise.resolve();
  const runHour = (tenant: string, hourEnd: number, force = false): Promise<RunReport> => {
    const run = queue.then(() => service.runHour(tenant, hourEnd, { force }));
    queue = run.catch(() => undefined);
    return run;
  };

  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let closed = false;
  // An hour that had no readings yet is tried again later, not every tick: each try reads every sensor entity of the
  // city (3 s of CPU at 100,000 of them), so the waits double from a minute up to EMPTY_RETRY_MAX_MS.
  const emptyHours = new Map<string, { hourEnd: number; tries: number; next: number }>();
  const tick = async () => {
    const latestEnd = Math.floor((now() - SETTLE_MS) / HOUR) * HOUR;
    for (const [key, { hourEnd }] of emptyHours) if (hourEnd <= latestEnd - CATCH_UP_HOURS * HOUR) emptyHours.delete(key);
    for (const { id: tenant } of await deps.tenancy.list()) {
      for (const hourEnd of await service.dueHours(tenant, latestEnd, CATCH_UP_HOURS)) {
        if (closed) return;
        const key = `${tenant}|${hourEnd}`;
        const empty = emptyHours.get(key);
        if (empty && empty.next > now()) continue;
        const report = await runHour(tenant, hourEnd);
        if (!report.computed) continue;
        if (report.indicators === 0) {
          const tries = (empty?.tries ?? 0) + 1;
          emptyHours.set(key, { hourEnd, tries, next: now() + Math.min(TICK_MS * 2 ** (tries - 1), EMPTY_RETRY_MAX_MS) });
          continue;
        }
        emptyHours.delete(key);
        deps.logger.info({ tenant, hourEnd: report.hourEnd, indicators: report.indicators, anomalies: report.anomalies, ms: report.ms }, 'city indicators computed');
      }
    }
  };
  if (deps.background !== false) {
    const run = () => {
      ticking ??= tick()
        .catch((error) => deps.logger.warn({ err: error }, 'the hourly indicator job failed; it tries again in a minute'))
        .finally(() => {
          ticking = undefined;
        });
    };
    // The first tick is the catch-up of hours missed while stopped (bounded by CATCH_UP_HOURS).
    run();
    timer = setInterval(run, TICK_MS);
    timer.unref();
  }

  let closing: Promise<void> | undefined;
  return {
    service,
    apiRoutes: insightRoutes(service, runHour),
    runHour: (tenant, hourEnd) => runHour(tenant, hourEnd),
    close() {
      closing ??= (async () => {
        closed = true;
        if (timer) clearInterval(timer);
        await ticking;
        await queue;
        await runner?.close();
      })();
      return closing;
    },
  };
}
