/** HTTP: citizen service requests under /api/v1/requests (thin: validate, call the service, map the result). */
import type { FastifyPluginAsync } from 'fastify';
import { AppError } from '../platform/errors/app-error.ts';
import { type BulkAction, CLOSE_REASONS, MAX_MEDIA_BYTES, MEDIA_TYPES, type QueueFilter, REQUEST_STATUSES, type StatusChange, type SubmitInput } from './model.ts';
import type { ServiceRequests } from './service.ts';

const STAFF = ['officer', 'admin'] as const;
const TAGS = ['service requests'];
const MB = MAX_MEDIA_BYTES / 1024 / 1024;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } } as const;
const period = { type: 'object', properties: { from: { type: 'string', maxLength: 40 }, to: { type: 'string', maxLength: 40 } } } as const;
const attributeValue = { anyOf: [{ type: 'string', maxLength: 4000 }, { type: 'number' }, { type: 'array', maxItems: 50, items: { type: 'string', maxLength: 200 } }] };

export function requestRoutes(service: ServiceRequests): FastifyPluginAsync {
  return async (app) => {
    app.get('/requests/services', { config: { access: 'public' }, schema: { tags: TAGS, summary: "The city's service catalog", security: [] } }, async (request) => ({
      services: await service.listServices(request.tenant),
    }));

    // Photos arrive as raw bytes: counted as they stream in, refused past the limit without being buffered whole.
    await app.register(async (media) => {
      media.addContentTypeParser('*', (request, payload, done) => {
        const declared = Number(request.headers['content-length']);
        const tooLarge = () => new AppError('PAYLOAD_TOO_LARGE', `A photo may be at most ${MB} MB; send a smaller or more compressed image`);
        if (Number.isFinite(declared) && declared > MAX_MEDIA_BYTES) {
          payload.resume();
          done(tooLarge(), undefined);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let failed = false;
        payload.on('data', (chunk: Buffer) => {
          if (failed) return;
          size += chunk.length;
          if (size > MAX_MEDIA_BYTES) {
            failed = true;
            chunks.length = 0;
            done(tooLarge(), undefined);
            return;
          }
          chunks.push(chunk);
        });
        payload.on('end', () => {
          if (!failed) done(null, Buffer.concat(chunks));
        });
        payload.on('error', (error) => {
          if (!failed) {
            failed = true;
            done(error, undefined);
          }
        });
      });
      media.post<{ Body: Buffer | undefined }>(
        '/requests/media',
        {
          bodyLimit: MAX_MEDIA_BYTES,
          config: { access: 'authenticated' },
          schema: { tags: TAGS, summary: `Upload a photo (raw JPEG, PNG or WebP bytes, at most ${MB} MB); attach it with mediaIds when filing` },
        },
        async (request, reply) => {
          const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
          const declared = request.headers['content-type'];
          if (declared && !/^image\//i.test(declared) && !/^application\/octet-stream/i.test(declared)) {
            throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the photo's bytes with Content-Type ${MEDIA_TYPES.join(', ')} — not ${declared.slice(0, 60)}`);
          }
          reply.status(201);
          return service.uploadMedia(request.principal, body, declared);
        },
      );
    });

    app.get<{ Params: { id: string } }>(
      '/requests/media/:id',
      { config: { access: 'public' }, schema: { tags: TAGS, summary: 'A photo (approved ones for anyone; the uploader and staff see all)', security: [], params: idParams } },
      async (request, reply) => {
        const media = await service.getMedia(request.tenant, request.params.id, request.principal);
        reply.type(media.contentType).header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=60');
        return Buffer.from(media.bytes);
      },
    );

    app.post<{ Body: { serviceCode: string; lat: number; long: number; description?: string } }>(
      '/requests/duplicates',
      {
        config: { access: 'public' },
        schema: {
          tags: TAGS,
          summary: 'Open reports like this one nearby (same category, within 200 m and 14 days), most alike first',
          security: [],
          body: {
            type: 'object',
            required: ['serviceCode', 'lat', 'long'],
            additionalProperties: false,
            properties: { serviceCode: { type: 'string', maxLength: 64 }, lat: { type: 'number' }, long: { type: 'number' }, description: { type: 'string', maxLength: 4000 } },
          },
        },
      },
      async (request) => ({ candidates: await service.findDuplicates(request.tenant, request.body) }),
    );

    app.post<{ Body: SubmitInput }>(
      '/requests',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'Report a problem: category, a pin (lat/long) or an address, a description, attributes and photos',
          body: {
            type: 'object',
            required: ['serviceCode', 'description'],
            additionalProperties: false,
            properties: {
              serviceCode: { type: 'string', maxLength: 64 },
              lat: { type: 'number' },
              long: { type: 'number' },
              addressString: { type: 'string', maxLength: 500 },
              addressId: { type: 'string', maxLength: 100 },
              description: { type: 'string', maxLength: 20000 },
              attributes: { type: 'object', additionalProperties: attributeValue },
              mediaIds: { type: 'array', maxItems: 20, items: { type: 'string', maxLength: 64 } },
              mediaUrl: { type: 'string', maxLength: 2000 },
              email: { type: 'string', maxLength: 254 },
              phone: { type: 'string', maxLength: 32 },
              firstName: { type: 'string', maxLength: 100 },
              lastName: { type: 'string', maxLength: 100 },
            },
          },
        },
      },
      async (request, reply) => {
        const result = await service.submit(request.tenant, request.body, request.principal);
        reply.status(201);
        return { request: result.request, duplicates: result.duplicates, notice: result.notice, ...(result.token ? { token: result.token } : {}) };
      },
    );

    app.get('/requests/mine', { config: { access: 'authenticated' }, schema: { tags: TAGS, summary: 'Requests you filed or follow, newest first' } }, async (request) => ({
      requests: await service.mine(request.principal),
    }));

    app.get('/requests/notifications', { config: { access: 'authenticated' }, schema: { tags: TAGS, summary: 'Your notifications about requests, newest first' } }, async (request) => ({
      notifications: await service.notifications(request.principal),
    }));

    app.post<{ Body: { ids: string[] } }>(
      '/requests/notifications/read',
      {
        config: { access: 'authenticated' },
        schema: { tags: TAGS, summary: 'Mark notifications read', body: { type: 'object', required: ['ids'], additionalProperties: false, properties: { ids: { type: 'array', maxItems: 1000, items: { type: 'string', maxLength: 20 } } } } },
      },
      async (request) => {
        await service.markRead(request.principal, request.body.ids);
        return { ok: true };
      },
    );

    app.get<{ Querystring: QueueFilter }>(
      '/requests/queue',
      {
        config: { access: STAFF },
        schema: {
          tags: TAGS,
          summary: "A department's queue by due time (officers: their own department)",
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              department: { type: 'string', maxLength: 64 },
              district: { type: 'string', maxLength: 64 },
              status: { type: 'string', enum: [...REQUEST_STATUSES] },
              overdue: { type: 'boolean' },
              limit: { type: 'integer', minimum: 0, maximum: 500 },
              offset: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
      async (request) => service.queue(request.principal, request.query),
    );

    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/requests/stats',
      { config: { access: 'public' }, schema: { tags: TAGS, summary: 'Response, resolution, on-time, reopen and satisfaction rates per department and district', security: [], querystring: period } },
      async (request) => service.stats(request.tenant, request.query),
    );

    app.get<{ Querystring: { from?: string; to?: string } }>(
      '/requests/heatmap',
      { config: { access: 'public' }, schema: { tags: TAGS, summary: 'Counts of requests on a ~500 m grid', security: [], querystring: period } },
      async (request) => ({ cells: await service.heatmap(request.tenant, request.query) }),
    );

    app.post<{ Body: BulkAction }>(
      '/requests/bulk',
      {
        config: { access: STAFF },
        schema: {
          tags: TAGS,
          summary: 'One action on many requests, each on its own',
          body: {
            type: 'object',
            required: ['ids'],
            additionalProperties: false,
            properties: {
              ids: { type: 'array', minItems: 1, maxItems: 200, items: { type: 'string', maxLength: 64 } },
              status: { type: 'string', enum: [...REQUEST_STATUSES] },
              closeReason: { type: 'string', enum: [...CLOSE_REASONS] },
              note: { type: 'string', maxLength: 4000 },
              officer: { type: 'string', maxLength: 100 },
            },
          },
        },
      },
      async (request) => ({ results: await service.bulk(request.principal, request.body) }),
    );

    app.get<{ Params: { id: string } }>(
      '/requests/:id',
      { config: { access: 'public' }, schema: { tags: TAGS, summary: 'One request (the public view unless you reported it or handle it)', security: [], params: idParams } },
      async (request) => service.get(request.tenant, request.params.id, request.principal),
    );

    app.post<{ Params: { id: string } }>(
      '/requests/:id/follow',
      { config: { access: 'authenticated' }, schema: { tags: TAGS, summary: 'Follow an existing report instead of filing a new one', params: idParams } },
      async (request) => ({ request: await service.follow(request.principal, request.params.id) }),
    );

    app.post<{ Params: { id: string }; Body: StatusChange & { duplicateOf?: string } }>(
      '/requests/:id/status',
      {
        config: { access: STAFF },
        schema: {
          tags: TAGS,
          summary: 'Change the status (a transition the workflow forbids is 409 naming the allowed ones)',
          params: idParams,
          body: {
            type: 'object',
            required: ['status'],
            additionalProperties: false,
            properties: {
              status: { type: 'string', enum: [...REQUEST_STATUSES] },
              closeReason: { type: 'string', enum: [...CLOSE_REASONS] },
              note: { type: 'string', maxLength: 4000 },
              duplicateOf: { type: 'string', maxLength: 64 },
            },
          },
        },
      },
      async (request) => service.changeStatus(request.principal, request.params.id, request.body),
    );

    app.post<{ Params: { id: string }; Body: { officer: string } }>(
      '/requests/:id/assign',
      {
        config: { access: STAFF },
        schema: { tags: TAGS, summary: 'Assign to an officer of the department', params: idParams, body: { type: 'object', required: ['officer'], additionalProperties: false, properties: { officer: { type: 'string', maxLength: 100 } } } },
      },
      async (request) => service.assign(request.principal, request.params.id, request.body.officer),
    );

    app.post<{ Params: { id: string }; Body: { waiting: boolean; note?: string } }>(
      '/requests/:id/wait',
      {
        config: { access: STAFF },
        schema: {
          tags: TAGS,
          summary: 'Pause (waiting on the citizen) or resume the SLA clock',
          params: idParams,
          body: { type: 'object', required: ['waiting'], additionalProperties: false, properties: { waiting: { type: 'boolean' }, note: { type: 'string', maxLength: 4000 } } },
        },
      },
      async (request) => service.setWaiting(request.principal, request.params.id, request.body.waiting, request.body.note),
    );

    app.post<{ Params: { id: string }; Body: { reason: string } }>(
      '/requests/:id/reopen',
      {
        config: { access: 'authenticated' },
        schema: { tags: TAGS, summary: 'Reopen your fixed or closed request', params: idParams, body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', maxLength: 4000 } } } },
      },
      async (request) => service.reopen(request.principal, request.params.id, request.body.reason),
    );

    app.post<{ Params: { id: string }; Body: { score: number; comment?: string } }>(
      '/requests/:id/rating',
      {
        config: { access: 'authenticated' },
        schema: {
          tags: TAGS,
          summary: 'Rate your fixed or closed request, once',
          params: idParams,
          body: { type: 'object', required: ['score'], additionalProperties: false, properties: { score: { type: 'integer', minimum: 1, maximum: 5 }, comment: { type: 'string', maxLength: 4000 } } },
        },
      },
      async (request) => service.rate(request.principal, request.params.id, request.body),
    );

    app.post<{ Params: { id: string; mediaId: string }; Body: { approved: boolean } }>(
      '/requests/:id/media/:mediaId/review',
      {
        config: { access: STAFF },
        schema: {
          tags: TAGS,
          summary: 'Approve or reject a photo (only approved photos are public)',
          params: { type: 'object', required: ['id', 'mediaId'], properties: { id: { type: 'string', maxLength: 64 }, mediaId: { type: 'string', maxLength: 64 } } },
          body: { type: 'object', required: ['approved'], additionalProperties: false, properties: { approved: { type: 'boolean' } } },
        },
      },
      async (request) => service.reviewMedia(request.principal, request.params.id, request.params.mediaId, request.body.approved),
    );
  };
}
