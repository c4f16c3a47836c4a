/** HTTP: the device registry under /api/v1/devices, and ingest for devices that cannot speak MQTT (/iot/json, /iot/d). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { AppError, type ErrorCode } from '../platform/errors/app-error.ts';
import type { DeviceIngest } from './ingest.ts';
import { type AttributeMapping, IngestRejected, type NewDevice, type PayloadFormat, type Rejection } from './model.ts';
import type { DeviceRegistry } from './service.ts';

const MANAGERS = ['admin', 'operator', 'officer'] as const;

const mappingSchema = {
  type: 'object',
  required: ['key', 'name'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 64, description: 'The name the device sends, e.g. "t"' },
    name: { type: 'string', minLength: 1, maxLength: 256, description: 'The entity attribute, e.g. "temperature"' },
    unitCode: { type: 'string', maxLength: 16, description: 'UN/CEFACT unit code, e.g. "CEL"' },
    valueType: { type: 'string', enum: ['number', 'text', 'boolean'] },
  },
} as const;

const deviceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    entityId: { type: 'string' },
    entityType: { type: 'string' },
    attributes: { type: 'array', items: mappingSchema },
    ownerDepartment: { type: ['string', 'null'] },
    description: { type: 'string' },
    keyId: { type: 'string' },
    createdBy: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    lastSeenAt: { type: ['string', 'null'] },
    messageCount: { type: 'integer' },
    errorCount: { type: 'integer' },
    throttledCount: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    lastErrorAt: { type: ['string', 'null'] },
  },
} as const;

const idParams = { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } } as const;
const withKey = { type: 'object', properties: { device: deviceSchema, key: { type: 'string' } } } as const;

function ctx(request: FastifyRequest) {
  return { requestId: request.id };
}

export function deviceRoutes(registry: DeviceRegistry): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/devices',
      {
        config: { access: MANAGERS },
        schema: {
          tags: ['devices'],
          summary: 'The devices you manage (operators and admins: all of the city; officers: their department), with last seen and counts',
          response: { 200: { type: 'object', properties: { devices: { type: 'array', items: deviceSchema } } } },
        },
      },
      async (request) => ({ devices: await registry.list(request.principal) }),
    );

    app.post<{ Body: NewDevice }>(
      '/devices',
      {
        config: { access: MANAGERS },
        schema: {
          tags: ['devices'],
          summary: 'Register a device: creates its entity and returns its key once',
          body: {
            type: 'object',
            required: ['id', 'entityType'],
            additionalProperties: false,
            properties: {
              id: { type: 'string', minLength: 1, maxLength: 64 },
              entityType: { type: 'string', minLength: 1, maxLength: 256 },
              entityId: { type: 'string', minLength: 1, maxLength: 512 },
              attributes: { type: 'array', maxItems: 100, items: mappingSchema },
              ownerDepartment: { type: 'string', maxLength: 64 },
              description: { type: 'string', maxLength: 500 },
              staticAttributes: { type: 'object', description: 'NGSI-LD attributes set on the entity at registration, e.g. its location' },
            },
          },
          response: { 201: withKey },
        },
      },
      async (request, reply) => {
        const created = await registry.register(request.principal, request.body, ctx(request));
        reply.status(201);
        return created;
      },
    );

    app.get<{ Params: { id: string } }>(
      '/devices/:id',
      { config: { access: MANAGERS }, schema: { tags: ['devices'], summary: 'One device', params: idParams, response: { 200: deviceSchema } } },
      async (request) => registry.get(request.principal, request.params.id),
    );

    app.patch<{ Params: { id: string }; Body: { attributes?: AttributeMapping[]; description?: string } }>(
      '/devices/:id',
      {
        config: { access: MANAGERS },
        schema: {
          tags: ['devices'],
          summary: "Change a device's attribute mapping or description",
          params: idParams,
          body: {
            type: 'object',
            additionalProperties: false,
            properties: { attributes: { type: 'array', maxItems: 100, items: mappingSchema }, description: { type: 'string', maxLength: 500 } },
          },
          response: { 200: deviceSchema },
        },
      },
      async (request) => registry.update(request.principal, request.params.id, request.body, ctx(request)),
    );

    app.post<{ Params: { id: string } }>(
      '/devices/:id/key',
      {
        config: { access: MANAGERS },
        schema: { tags: ['devices'], summary: 'Issue a new key for a device (shown once); the old one stops working', params: idParams, response: { 200: withKey } },
      },
      async (request) => registry.rotateKey(request.principal, request.params.id, ctx(request)),
    );

    app.delete<{ Params: { id: string } }>(
      '/devices/:id',
      { config: { access: MANAGERS }, schema: { tags: ['devices'], summary: 'Remove a device (its entity stays)', params: idParams } },
      async (request, reply) => {
        await registry.remove(request.principal, request.params.id, ctx(request));
        reply.status(204).send();
      },
    );
  };
}

const REJECTION_CODES: Record<Rejection, ErrorCode> = {
  unknown_device: 'NOT_FOUND',
  wrong_key: 'UNAUTHENTICATED',
  bad_payload: 'BAD_REQUEST_DATA',
  bad_topic: 'BAD_REQUEST_DATA',
  write_failed: 'BAD_REQUEST_DATA',
  too_large: 'PAYLOAD_TOO_LARGE',
  throttled: 'TOO_MANY_REQUESTS',
};

function asAppError(error: IngestRejected): AppError {
  return new AppError(REJECTION_CODES[error.reason], error.message, error.reason === 'throttled' ? { retryAfter: 1 } : {});
}

interface IngestQuery {
  k: string;
  i: string;
}

/**
 * Ingest over HTTP, as FIWARE's agents do it: `POST /iot/json?k=KEY&i=DEVICE` with a JSON body and
 * `POST /iot/d?k=KEY&i=DEVICE` with an UltraLight 2.0 body. 200 once committed.
 */
export function ingestRoutes(ingest: DeviceIngest): FastifyPluginAsync {
  return async (app) => {
    // Bodies arrive raw: the ingest path reads them, so a malformed one is counted against its device.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    const query = {
      type: 'object',
      required: ['k', 'i'],
      properties: { k: { type: 'string', maxLength: 200, description: 'The device key' }, i: { type: 'string', maxLength: 64, description: 'The device id' } },
    } as const;

    // A body over the server's BODY_LIMIT never reaches the handler; it is still charged to its device.
    app.addHook('onError', async (request, _reply, error) => {
      if ((error as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return;
      const q = request.query as Partial<IngestQuery>;
      if (typeof q.k !== 'string' || typeof q.i !== 'string') return;
      try {
        const device = await ingest.authenticate(q.k, q.i, request.tenant, 'http');
        ingest.refuse(device, 'too_large', `The payload is larger than the server's BODY_LIMIT`, 'http');
      } catch {
        // already counted as a key or device refusal
      }
    });

    const route = (path: string, format: PayloadFormat, summary: string) =>
      app.post<{ Querystring: IngestQuery; Body: Buffer | undefined }>(
        path,
        { config: { access: 'public' }, schema: { tags: ['devices'], summary, security: [], querystring: query } },
        async (request) => {
          try {
            const payload = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
            const measurements = await ingest.ingest({ key: request.query.k, deviceId: request.query.i, format, payload, tenantHint: request.tenant }, 'http');
            return { measurements };
          } catch (error) {
            if (error instanceof IngestRejected) throw asAppError(error);
            throw new AppError('SERVICE_UNAVAILABLE', 'The measurements could not be stored right now; send them again', { cause: error, retryAfter: 1 });
          }
        },
      );
    route('/json', 'json', 'Send measurements as JSON, e.g. {"t": 21.5, "h": 40} (device key in k, device id in i)');
    route('/d', 'ultralight', 'Send measurements as UltraLight 2.0, e.g. t|21.5|h|40 (device key in k, device id in i)');
  };
}
