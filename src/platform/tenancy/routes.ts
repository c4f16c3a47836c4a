/** HTTP routes for the city profile (name, map of districts) and its departments. */
import type { FastifyPluginAsync } from 'fastify';
import type { Tenancy } from './service.ts';

const localized = {
  type: 'object',
  properties: { zh: { type: 'string' }, en: { type: 'string' } },
} as const;

export function tenancyRoutes(tenancy: Tenancy): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/city',
      {
        config: { access: 'public' },
        schema: {
          tags: ['city'],
          summary: 'The city: its names, centre and districts (GeoJSON)',
          security: [],
          response: {
            200: {
              type: 'object',
              properties: {
                tenant: { type: 'string' },
                name: localized,
                center: { type: 'array', items: { type: 'number' } },
                districts: { type: 'object', additionalProperties: true },
              },
            },
          },
        },
      },
      async (request) => ({ tenant: request.tenant, ...(await tenancy.profile(request.tenant)) }),
    );

    app.get(
      '/departments',
      {
        config: { access: 'public' },
        schema: {
          tags: ['city'],
          summary: "The city's departments",
          security: [],
          response: {
            200: {
              type: 'object',
              properties: {
                departments: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: localized } } },
              },
            },
          },
        },
      },
      async (request) => ({ departments: await tenancy.departments(request.tenant) }),
    );
  };
}
