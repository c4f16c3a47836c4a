/** Assembles the context hub: JSON-LD contexts, the entity service, the reader and the NGSI-LD routes. */
import type { FastifyPluginAsync } from 'fastify';
import type { AuditLog } from '../platform/audit/service.ts';
import type { Config } from '../platform/config/config.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import { createLdContexts } from './ld/index.ts';
import type { ContextResolver } from './ld/model.ts';
import { EntityReader } from './read.ts';
import { contextRoutes } from './routes.ts';
import { ContextHub } from './service.ts';

export interface ContextHubParts {
  hub: ContextHub;
  reader: EntityReader;
  resolver: ContextResolver;
  /** Route plugins, all mounted under /ngsi-ld/v1. */
  routes: FastifyPluginAsync[];
  /** Flushes what the hub keeps in memory (JSON-LD context usage); call before the store closes. */
  close(): Promise<void>;
}

export async function createContextHub(deps: {
  store: Store;
  audit: AuditLog;
  tenancy: Tenancy;
  logger: Logger;
  config: Config;
}): Promise<ContextHubParts> {
  const ld = await createLdContexts({ store: deps.store, logger: deps.logger, config: deps.config });
  const hub = new ContextHub({
    ...deps,
    onError: (error) => deps.logger.warn({ err: error }, 'could not refresh the planner statistics of ngsi_entities'),
    onObserverError: (error) => deps.logger.error({ err: error }, 'a change observer failed after a committed write'),
  });
  const reader = new EntityReader(deps);
  return {
    hub,
    reader,
    resolver: ld.resolver,
    routes: [contextRoutes({ hub, reader, resolver: ld.resolver }), ld.routes],
    close: async () => {
      await hub.close();
      await ld.close();
    },
  };
}
