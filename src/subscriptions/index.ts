/** Assembles subscriptions and notifications: the service (an observer of the hub), delivery, in-process subscriptions and the routes. */
import type { FastifyPluginAsync } from 'fastify';
import type { ContextHubParts } from '../context/hub.ts';
import type { Config } from '../platform/config/config.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import { LiveHub } from './live.ts';
import { liveRoutes, subscriptionRoutes } from './routes.ts';
import { Senders } from './senders.ts';
import { SubscriptionService } from './service.ts';

export type { LiveEvent, LiveFilter, LiveHub } from './live.ts';

export interface SubscriptionParts {
  service: SubscriptionService;
  /** In-process subscriptions for the platform's own capabilities: `live.subscribe(tenant, filter, handler)`. */
  live: LiveHub;
  /** Mounted under /ngsi-ld/v1. */
  ngsiRoutes: FastifyPluginAsync;
  /** Mounted under /api/v1 (the live stream). */
  apiRoutes: FastifyPluginAsync;
  /** Stops delivery and gives undelivered rows back to the outbox; call before the store closes. */
  close(): Promise<void>;
}

/**
 * Creates the capability, registers it as an observer of the hub and starts delivery (rows left by an earlier
 * process are picked up at once).
 */
export async function createSubscriptions(deps: { store: Store; context: ContextHubParts; config: Config; logger: Logger }): Promise<SubscriptionParts> {
  const settings = deps.config.notifications;
  const onError = (error: unknown, context: string) => deps.logger.warn({ err: error }, context);
  const live = new LiveHub((error) => deps.logger.warn({ err: error }, 'an in-process subscriber failed'));
  const sender = new Senders(settings.timeoutMs);
  const service = new SubscriptionService({
    store: deps.store,
    resolver: deps.context.resolver,
    reader: deps.context.reader,
    sender,
    live,
    onError,
    settings: {
      leaseSeconds: settings.leaseSeconds,
      retryBaseMs: settings.retryBaseMs,
      retryMaxMs: settings.retryMaxSeconds * 1000,
      timeoutMs: settings.timeoutMs,
      refreshMs: settings.refreshMs,
      memoryPerQueue: 2000,
      maxBatch: 100,
      sweepMs: 2000,
    },
  });
  await service.start();
  deps.context.hub.observe(service);
  return {
    service,
    live,
    ngsiRoutes: subscriptionRoutes({ service, resolver: deps.context.resolver }),
    apiRoutes: liveRoutes({ live, resolver: deps.context.resolver }),
    async close() {
      await service.close();
      await sender.close();
    },
  };
}
