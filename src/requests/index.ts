/** Assembles citizen service requests: the workflow service, its HTTP routes, and the background sweeper and webhook delivery. */
import type { FastifyPluginAsync } from 'fastify';
import type { TermMap } from '../context/ld/model.ts';
import type { ContextHub } from '../context/service.ts';
import type { Config } from '../platform/config/config.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import { HubMirror } from './hub-mirror.ts';
import { WebhookDelivery } from './notify.ts';
import { requestRoutes } from './routes.ts';
import { ServiceRequests } from './service.ts';

export { ServiceRequests } from './service.ts';
export type * from './model.ts';

const SWEEP_MS = 60_000;

export interface RequestsParts {
  service: ServiceRequests;
  /** Mounted under /api/v1 (its paths start with /requests). */
  apiRoutes: FastifyPluginAsync;
  /** Escalates overdue requests once and mends hub entities a failed write left behind; returns how many were escalated. */
  sweep(): Promise<{ escalated: number; mended: number }>;
  /** Delivers what is due in the webhook outbox now; returns how many were delivered. */
  deliverWebhooks(): Promise<number>;
  /** Stops the timers and waits for deliveries in flight; call before the store closes. */
  close(): Promise<void>;
}

export interface RequestsDeps {
  store: Store;
  tenancy: Tenancy;
  hub: Pick<ContextHub, 'batchUpsert'>;
  terms: TermMap;
  logger: Logger;
  config: Pick<Config, 'requestsWebhookUrl' | 'notifications'>;
  /** The clock of the SLA (tests drive it); the wall clock by default. */
  now?: () => Date;
  /** false: no timers (tests call sweep() and deliverWebhooks() themselves). Default true. */
  background?: boolean;
}

export function createServiceRequests(deps: RequestsDeps): RequestsParts {
  const now = deps.now ?? (() => new Date());
  const mirror = new HubMirror({ store: deps.store, hub: deps.hub, terms: deps.terms, logger: deps.logger });
  const webhooks = new WebhookDelivery({ store: deps.store, logger: deps.logger, retryBaseMs: deps.config.notifications.retryBaseMs, retryMaxSeconds: deps.config.notifications.retryMaxSeconds, timeoutMs: deps.config.notifications.timeoutMs });
  const service = new ServiceRequests({
    store: deps.store,
    tenancy: deps.tenancy,
    mirror,
    now,
    webhookUrl: deps.config.requestsWebhookUrl,
    onChange: () => webhooks.kick(),
  });
  const sweep = async () => {
    const escalated = await service.escalateOverdue();
    const mended = await mirror.mend();
    return { escalated, mended };
  };
  let timer: NodeJS.Timeout | undefined;
  if (deps.background !== false) {
    timer = setInterval(() => {
      sweep().catch((error) => deps.logger.warn({ err: error }, 'the service-request sweeper failed; it runs again in a minute'));
    }, SWEEP_MS);
    timer.unref();
    if (deps.config.requestsWebhookUrl) webhooks.start();
  }
  let closing: Promise<void> | undefined;
  return {
    service,
    apiRoutes: requestRoutes(service),
    sweep,
    deliverWebhooks: () => webhooks.deliverDue(),
    close() {
      closing ??= (async () => {
        if (timer) clearInterval(timer);
        await webhooks.close();
        await mirror.close();
      })();
      return closing;
    },
  };
}
