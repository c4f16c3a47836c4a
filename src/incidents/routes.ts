/** HTTP: incidents under /api/v1/incidents (thin: validate, call the service, map the result). */
import type { FastifyPluginAsync } from 'fastify';
import { INCIDENT_TYPES, OUTCOMES, type OpenInput } from './model.ts';
import type { IncidentsService } from './service.ts';

const WRITERS = ['operator', 'admin'] as const;
const READERS = ['operator', 'officer', 'admin'] as const;
const TAGS = ['incidents'];

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const unitParams = {
  type: 'object',
  required: ['id', 'unitId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, unitId: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;
const stepParams = {
  type: 'object',
  required: ['id', 'stepId'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 }, stepId: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export function incidentRoutes(service: IncidentsService): FastifyPluginAsync {
  return async (app) => {
    app.get('/incidents/types', { config: { access: [...READERS] }, schema: { tags: TAGS, summary: 'Incident types and their response plans (应急预案)' } }, async () => ({
      types: service.types(),
    }));

    app.get<{ Querystring: { status?: string; limit?: number; offset?: number } }>(
      '/incidents',
      {
        config: { access: [...READERS] },
        schema: {
          tags: TAGS,
          summary: 'Incidents, newest first (open ones by default)',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: { status: { type: 'string', enum: ['open', 'closed', 'all'] }, limit: { type: 'integer', minimum: 1, maximum: 500 }, offset: { type: 'integer', minimum: 0 } },
          },
        },
      },
      async (request) => service.list(request.tenant, request.query),
    );

    app.get<{ Params: { id: string } }>(
      '/incidents/:id',
      { config: { access: [...READERS] }, schema: { tags: TAGS, summary: 'One incident: plan, steps, units, timeline, alarms', params: idParams } },
      async (request) => service.get(request.tenant, request.params.id),
    );

    app.post<{ Body: OpenInput }>(
      '/incidents',
      {
        config: { access: [...WRITERS] },
        schema: {
          tags: TAGS,
          summary: 'Open an incident (by an operator)',
          body: {
            type: 'object',
            required: ['type', 'location'],
            additionalProperties: false,
            properties: {
              type: { type: 'string', enum: [...INCIDENT_TYPES] },
              title: { type: 'string', maxLength: 200 },
              location: {
                type: 'object',
                required: ['lat', 'long'],
                additionalProperties: false,
                properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, long: { type: 'number', minimum: -180, maximum: 180 } },
              },
              district: { type: 'string', maxLength: 64 },
              severity: { type: 'string', enum: ['critical', 'major', 'minor', 'warning', 'indeterminate'] },
              alarmIds: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } },
              requestIds: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 64 } },
            },
          },
        },
      },
      async (request, reply) => {
        reply.status(201);
        return service.open(request.tenant, request.principal, request.body);
      },
    );

    app.post<{ Params: { id: string } }>(
      '/incidents/:id/acknowledge',
      { config: { access: [...WRITERS] }, schema: { tags: TAGS, summary: 'Acknowledge an open incident', params: idParams } },
      async (request) => service.acknowledge(request.tenant, request.principal, request.params.id),
    );

    app.get<{ Params: { id: string } }>(
      '/incidents/:id/recommendations',
      {
        config: { access: [...WRITERS] },
        schema: { tags: TAGS, summary: 'Per unit line of the plan, the nearest available units (straight-line distance, ETA estimate)', params: idParams },
      },
      async (request) => service.recommendations(request.tenant, request.principal, request.params.id),
    );

    app.post<{ Params: { id: string }; Body: { unitIds: string[] } }>(
      '/incidents/:id/dispatch',
      {
        config: { access: [...WRITERS] },
        schema: {
          tags: TAGS,
          summary: 'Dispatch units (EmergencyVehicle entity ids) to the incident',
          params: idParams,
          body: {
            type: 'object',
            required: ['unitIds'],
            additionalProperties: false,
            properties: { unitIds: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 256 } } },
          },
        },
      },
      async (request) => service.dispatch(request.tenant, request.principal, request.params.id, request.body.unitIds),
    );

    app.post<{ Params: { id: string; unitId: string }; Body: { status: string } }>(
      '/incidents/:id/units/:unitId/status',
      {
        config: { access: [...WRITERS] },
        schema: {
          tags: TAGS,
          summary: "A unit's status in the incident: enRoute, onScene, clear (clear makes it available again)",
          params: unitParams,
          body: { type: 'object', required: ['status'], additionalProperties: false, properties: { status: { type: 'string', enum: ['enRoute', 'onScene', 'clear'] } } },
        },
      },
      async (request) => service.setUnitStatus(request.tenant, request.principal, request.params.id, request.params.unitId, request.body.status),
    );

    app.post<{ Params: { id: string; stepId: string } }>(
      '/incidents/:id/steps/:stepId/done',
      { config: { access: [...WRITERS] }, schema: { tags: TAGS, summary: 'Mark a step of the response plan done', params: stepParams } },
      async (request) => service.stepDone(request.tenant, request.principal, request.params.id, request.params.stepId),
    );

    app.post<{ Params: { id: string }; Body: { text: string } }>(
      '/incidents/:id/notes',
      {
        config: { access: [...WRITERS] },
        schema: {
          tags: TAGS,
          summary: 'Add a note to the timeline',
          params: idParams,
          body: { type: 'object', required: ['text'], additionalProperties: false, properties: { text: { type: 'string', minLength: 1, maxLength: 2000 } } },
        },
      },
      async (request) => service.addNote(request.tenant, request.principal, request.params.id, request.body.text),
    );

    app.post<{ Params: { id: string }; Body: { outcome: string; note?: string } }>(
      '/incidents/:id/close',
      {
        config: { access: [...WRITERS] },
        schema: {
          tags: TAGS,
          summary: 'Close with an outcome; units still attached are released',
          params: idParams,
          body: {
            type: 'object',
            required: ['outcome'],
            additionalProperties: false,
            properties: { outcome: { type: 'string', enum: [...OUTCOMES] }, note: { type: 'string', maxLength: 2000 } },
          },
        },
      },
      async (request) => service.close(request.tenant, request.principal, request.params.id, request.body.outcome, request.body.note),
    );
  };
}
