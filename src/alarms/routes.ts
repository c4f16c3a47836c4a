/** HTTP: alarms, their rules, noise policies and silences under /api/v1/alarms (thin: validate, call the service). */
import type { FastifyPluginAsync } from 'fastify';
import type { AlarmRuleInput, NoisePolicyInput, SilenceInput } from './engine/model.ts';
import type { AlarmFilter, SuppressedFilter } from './model.ts';
import type { AlarmsService } from './service.ts';

const WRITE = ['operator', 'admin'] as const;
const READ = ['operator', 'officer', 'admin'] as const;
const TAGS = ['alarms'];

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 300 } } } as const;
const noteBody = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 2000 } } } as const;
/** The engine's validator says what is wrong in a rule or policy, path by path; the schema only bounds the size. */
const documentBody = { type: 'object', maxProperties: 40 } as const;
const period = { from: { type: 'string', maxLength: 40 }, to: { type: 'string', maxLength: 40 } } as const;
/** Acknowledge and clear take an optional note: a POST without a body is the same as `{}`. */
const emptyBodyIsEmptyObject = async (request: { body: unknown }) => {
  request.body ??= {};
};
const page = { limit: { type: 'integer', minimum: 0, maximum: 500 }, offset: { type: 'integer', minimum: 0 } } as const;

export function alarmRoutes(service: AlarmsService): FastifyPluginAsync {
  return async (app) => {
    // ---- rules
    app.get('/alarms/rules', { config: { access: READ }, schema: { tags: TAGS, summary: 'Detection rules of the city' } }, async (request) => ({
      rules: await service.listRules(request.tenant),
    }));
    app.post<{ Body: AlarmRuleInput }>(
      '/alarms/rules',
      { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Add a detection rule (400 lists every problem with its path)', body: documentBody } },
      async (request, reply) => {
        reply.status(201);
        return service.createRule(request.principal, request.body);
      },
    );
    app.get<{ Params: { id: string } }>('/alarms/rules/:id', { config: { access: READ }, schema: { tags: TAGS, summary: 'One detection rule', params: idParams } }, async (request) =>
      service.getRule(request.tenant, request.params.id),
    );
    app.put<{ Params: { id: string }; Body: AlarmRuleInput }>(
      '/alarms/rules/:id',
      { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Replace a detection rule', params: idParams, body: documentBody } },
      async (request) => service.replaceRule(request.principal, request.params.id, request.body),
    );
    app.delete<{ Params: { id: string } }>('/alarms/rules/:id', { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Remove a detection rule', params: idParams } }, async (request, reply) => {
      await service.deleteRule(request.principal, request.params.id);
      reply.status(204);
    });

    // ---- noise policies
    app.get('/alarms/policies', { config: { access: READ }, schema: { tags: TAGS, summary: 'Noise policies of the city' } }, async (request) => ({
      policies: await service.listPolicies(request.tenant),
    }));
    app.post<{ Body: NoisePolicyInput }>(
      '/alarms/policies',
      { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Add a noise policy (corroborate, suppressWhen, inhibit, group)', body: documentBody } },
      async (request, reply) => {
        reply.status(201);
        return service.createPolicy(request.principal, request.body);
      },
    );
    app.get<{ Params: { id: string } }>('/alarms/policies/:id', { config: { access: READ }, schema: { tags: TAGS, summary: 'One noise policy', params: idParams } }, async (request) =>
      service.getPolicy(request.tenant, request.params.id),
    );
    app.put<{ Params: { id: string }; Body: NoisePolicyInput }>(
      '/alarms/policies/:id',
      { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Replace a noise policy', params: idParams, body: documentBody } },
      async (request) => service.replacePolicy(request.principal, request.params.id, request.body),
    );
    app.delete<{ Params: { id: string } }>('/alarms/policies/:id', { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Remove a noise policy', params: idParams } }, async (request, reply) => {
      await service.deletePolicy(request.principal, request.params.id);
      reply.status(204);
    });

    // ---- silences
    app.get('/alarms/silences', { config: { access: READ }, schema: { tags: TAGS, summary: 'Silences and maintenance windows' } }, async (request) => ({
      silences: await service.listSilences(request.tenant),
    }));
    app.post<{ Body: SilenceInput }>(
      '/alarms/silences',
      { config: { access: WRITE }, schema: { tags: TAGS, summary: 'Silence matching alarms over [from, to) (kind silence or maintenance)', body: documentBody } },
      async (request, reply) => {
        reply.status(201);
        return service.createSilence(request.principal, request.body);
      },
    );
    app.delete<{ Params: { id: string } }>('/alarms/silences/:id', { config: { access: WRITE }, schema: { tags: TAGS, summary: 'End a silence', params: idParams } }, async (request, reply) => {
      await service.deleteSilence(request.principal, request.params.id);
      reply.status(204);
    });

    // ---- what was filtered
    app.get<{ Querystring: SuppressedFilter }>(
      '/alarms/suppressed',
      {
        config: { access: READ },
        schema: {
          tags: TAGS,
          summary: 'Suppressed signals with why, newest first, and counts by reason',
          querystring: { type: 'object', additionalProperties: false, properties: { ...period, reason: { type: 'string', maxLength: 200 }, ...page } },
        },
      },
      async (request) => service.suppressed(request.tenant, request.query),
    );
    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/alarms/stats',
      { config: { access: READ }, schema: { tags: TAGS, summary: 'Signals, suppressed and raised alarms (default: the last 24 hours)', querystring: { type: 'object', additionalProperties: false, properties: period } } },
      async (request) => service.stats(request.tenant, request.query),
    );

    // ---- alarms
    app.get<{ Querystring: AlarmFilter }>(
      '/alarms',
      {
        config: { access: READ },
        schema: {
          tags: TAGS,
          summary: 'Alarms, most recent first (default: active)',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: ['active', 'cleared', 'all'] },
              ack: { type: 'boolean' },
              severity: { type: 'string', maxLength: 200 },
              district: { type: 'string', maxLength: 100 },
              type: { type: 'string', maxLength: 500 },
              ...page,
            },
          },
        },
      },
      async (request) => service.list(request.tenant, request.query),
    );
    app.get<{ Params: { id: string } }>('/alarms/:id', { config: { access: READ }, schema: { tags: TAGS, summary: 'One alarm with its timeline', params: idParams } }, async (request) =>
      service.get(request.tenant, request.params.id),
    );
    app.post<{ Params: { id: string }; Body: { note?: string } | undefined }>(
      '/alarms/:id/acknowledge',
      { config: { access: WRITE }, preValidation: emptyBodyIsEmptyObject, schema: { tags: TAGS, summary: 'Acknowledge an alarm (who and when are recorded)', params: idParams, body: noteBody } },
      async (request) => service.acknowledge(request.principal, request.params.id, request.body?.note),
    );
    app.post<{ Params: { id: string }; Body: { note?: string } | undefined }>(
      '/alarms/:id/clear',
      { config: { access: WRITE }, preValidation: emptyBodyIsEmptyObject, schema: { tags: TAGS, summary: 'Clear an active alarm by hand', params: idParams, body: noteBody } },
      async (request) => service.clear(request.principal, request.params.id, request.body?.note),
    );
  };
}
