/** HTTP route for reading the audit trail (admins only; the read itself is audited). */
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../store/store.ts';
import type { AuditLog } from './service.ts';

export function auditRoutes(audit: AuditLog, store: Store): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: { limit: number; before?: string; action?: string; actor?: string } }>(
      '/audit',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['audit'],
          summary: 'The audit trail of the city, newest first (admin)',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
              before: { type: 'string', maxLength: 20, description: 'The "next" cursor of the previous page' },
              action: { type: 'string', maxLength: 64 },
              actor: { type: 'string', maxLength: 64, description: 'Actor id' },
            },
          },
        },
      },
      async (request) => {
        const { limit, before, action, actor } = request.query;
        const page = await audit.list(store, request.tenant, {
          limit,
          ...(before !== undefined ? { before } : {}),
          ...(action !== undefined ? { action } : {}),
          ...(actor !== undefined ? { actorId: actor } : {}),
        });
        await audit.record(store, {
          tenant: request.tenant,
          actor: request.principal,
          action: 'audit.read',
          requestId: request.id,
          details: { count: page.entries.length, ...(action ? { action } : {}) },
        });
        return page;
      },
    );
  };
}
