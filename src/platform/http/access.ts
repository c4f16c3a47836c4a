/** Who may call a route: resolves the principal and the city of each request, then checks the route's access rule. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.ts';
import { anonymous, hasAnyRole, type Principal, type Role, systemPrincipal } from '../auth/model.ts';
import type { AuthService } from '../auth/service.ts';
import type { Tenancy } from '../tenancy/service.ts';

/** `public`: anyone; `authenticated`: any valid credential; a role list: one of those roles. */
export type Access = 'public' | 'authenticated' | readonly Role[];

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal;
    tenant: string;
  }
}

export const TENANT_HEADER = 'ngsild-tenant';
/** URL roots of the APIs: their routes need a credential unless they say otherwise. */
export const API_PREFIXES = ['/api/', '/ngsi-ld/', '/open311/'] as const;

export interface AccessOptions {
  auth: AuthService;
  tenancy: Tenancy;
  defaultTenant: string;
  authEnabled: boolean;
}

function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <access token or API key>"');
    }
    return match[1];
  }
  const key = request.headers['x-api-key'];
  if (typeof key === 'string' && key.length > 0) return key;
  return undefined;
}

function requestedTenant(request: FastifyRequest): string | undefined {
  const value = request.headers[TENANT_HEADER];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw new AppError('BAD_REQUEST_DATA', 'Send the NGSILD-Tenant header once');
  return value.trim() || undefined;
}

function defaultAccess(url: string): Access {
  return API_PREFIXES.some((prefix) => url.startsWith(prefix)) ? 'authenticated' : 'public';
}

export function registerAccess(app: FastifyInstance, options: AccessOptions): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.decorateRequest('tenant', '');

  app.addHook('onRequest', async (request) => {
    const asked = requestedTenant(request);
    const credential = credentialOf(request);
    let principal: Principal;
    if (credential !== undefined) {
      principal = await options.auth.authenticate(credential);
      // NGSI-LD (clause 6.3.14): a tenant that does not exist is NonexistentTenant, whoever asks.
      if (asked !== undefined && asked !== principal.tenant) await options.tenancy.assertExists(asked);
      if (asked !== undefined && asked !== principal.tenant) {
        throw new AppError(
          'FORBIDDEN',
          `This credential belongs to city "${principal.tenant}" and cannot act in city "${asked.slice(0, 64)}"`,
        );
      }
    } else {
      const tenant = asked ?? options.defaultTenant;
      principal = options.authEnabled ? anonymous(tenant) : systemPrincipal(tenant, 'development (auth off)');
    }
    await options.tenancy.assertExists(principal.tenant);
    request.principal = principal;
    request.tenant = principal.tenant;

    if (request.is404) return;
    const access = request.routeOptions.config.access ?? defaultAccess(request.url);
    if (access === 'public') return;
    if (principal.kind === 'anonymous') {
      throw new AppError('UNAUTHENTICATED', 'Log in first: send "Authorization: Bearer <access token or API key>"');
    }
    if (access !== 'authenticated' && !hasAnyRole(principal, access)) {
      throw new AppError('FORBIDDEN', `This needs one of the roles: ${access.join(', ')}`);
    }
  });
}
