/** HTTP routes for login, registration, the current user, users and API keys. */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ROLES } from './model.ts';
import type { AuthService, RequestContext } from './service.ts';

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    roles: { type: 'array', items: { type: 'string', enum: [...ROLES] } },
    tenant: { type: 'string' },
    department: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
    disabled: { type: 'boolean' },
  },
} as const;

const sessionSchema = {
  type: 'object',
  properties: {
    accessToken: { type: 'string' },
    tokenType: { type: 'string' },
    expiresIn: { type: 'integer' },
    user: userSchema,
  },
} as const;

const apiKeySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string' },
    department: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    createdBy: { type: ['string', 'null'] },
    lastUsedAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
  },
} as const;

const credentials = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: 256 },
    tenant: { type: 'string', minLength: 1, maxLength: 63, description: 'The city; the platform default when absent' },
    displayName: { type: 'string', maxLength: 100 },
  },
} as const;

export function requestContext(request: FastifyRequest): RequestContext {
  return { requestId: request.id, ip: request.ip };
}

export function authRoutes(auth: AuthService): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Body: { username: string; password: string; tenant?: string } }>(
      '/auth/login',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Log in with a username and password; returns a bearer access token',
          security: [],
          body: credentials,
          response: { 200: sessionSchema },
        },
      },
      async (request) => {
        const { username, password, tenant } = request.body;
        return auth.login(tenant ?? request.tenant, username, password, requestContext(request));
      },
    );

    app.post<{ Body: { username: string; password: string; tenant?: string; displayName?: string } }>(
      '/auth/register',
      {
        config: { access: 'public' },
        schema: {
          tags: ['auth'],
          summary: 'Open a citizen account in a city; returns a bearer access token',
          security: [],
          body: credentials,
          response: { 201: sessionSchema },
        },
      },
      async (request, reply) => {
        const { tenant, ...input } = request.body;
        reply.status(201);
        return auth.register(tenant ?? request.tenant, input, requestContext(request));
      },
    );

    app.get(
      '/auth/session',
      {
        schema: {
          tags: ['auth'],
          summary: 'Who the presented credential is, read from the credential alone (no database round trip)',
          response: {
            200: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                id: { type: ['string', 'null'] },
                name: { type: ['string', 'null'] },
                tenant: { type: 'string' },
                roles: { type: 'array', items: { type: 'string' } },
                department: { type: ['string', 'null'] },
              },
            },
          },
        },
      },
      async (request) => request.principal,
    );

    app.get(
      '/me',
      { schema: { tags: ['auth'], summary: 'The current principal', response: { 200: { type: 'object', properties: { user: userSchema } } } } },
      async (request) => ({ user: await auth.me(request.principal) }),
    );

    app.get(
      '/users',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['users'],
          summary: "The city's users (admin)",
          response: { 200: { type: 'object', properties: { users: { type: 'array', items: userSchema } } } },
        },
      },
      async (request) => ({ users: await auth.listUsers(request.principal, requestContext(request)) }),
    );

    app.post<{ Body: { username: string; password: string; displayName?: string; roles: (typeof ROLES)[number][]; department?: string } }>(
      '/users',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['users'],
          summary: 'Create a user in the city (admin)',
          body: {
            type: 'object',
            required: ['username', 'password', 'roles'],
            additionalProperties: false,
            properties: {
              username: { type: 'string', maxLength: 64 },
              password: { type: 'string', maxLength: 256 },
              displayName: { type: 'string', maxLength: 100 },
              roles: { type: 'array', minItems: 1, maxItems: ROLES.length, items: { type: 'string', enum: [...ROLES] } },
              department: { type: 'string', maxLength: 64 },
            },
          },
          response: { 201: { type: 'object', properties: { user: userSchema } } },
        },
      },
      async (request, reply) => {
        const user = await auth.createUser(request.principal, request.body, requestContext(request));
        reply.status(201);
        return { user };
      },
    );

    app.get(
      '/keys',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['keys'],
          summary: "The city's API keys, without their secrets (admin)",
          response: { 200: { type: 'object', properties: { keys: { type: 'array', items: apiKeySchema } } } },
        },
      },
      async (request) => ({ keys: await auth.listApiKeys(request.principal) }),
    );

    app.post<{ Body: { name: string; role: (typeof ROLES)[number]; department?: string } }>(
      '/keys',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['keys'],
          summary: 'Create an API key for an app or device; the key is returned once (admin)',
          body: {
            type: 'object',
            required: ['name', 'role'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 100 },
              role: { type: 'string', enum: [...ROLES] },
              department: { type: 'string', maxLength: 64 },
            },
          },
          response: { 201: { type: 'object', properties: { apiKey: apiKeySchema, key: { type: 'string' } } } },
        },
      },
      async (request, reply) => {
        const created = await auth.createApiKey(request.principal, request.body, requestContext(request));
        reply.status(201);
        return created;
      },
    );

    app.delete<{ Params: { id: string } }>(
      '/keys/:id',
      {
        config: { access: ['admin'] },
        schema: {
          tags: ['keys'],
          summary: 'Revoke an API key (admin)',
          params: { type: 'object', properties: { id: { type: 'string', maxLength: 64 } } },
        },
      },
      async (request, reply) => {
        await auth.revokeApiKey(request.principal, request.params.id, requestContext(request));
        reply.status(204).send();
      },
    );
  };
}
