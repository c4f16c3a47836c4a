/** Who may read and write which entities: owner department and sharing class, applied inside the SQL of every read. */
import type { AuditEvent } from '../platform/audit/service.ts';
import { hasAnyRole, type Principal } from '../platform/auth/model.ts';
import type { SharingClass } from './model.ts';
import type { SqlParams } from './query/model.ts';

/** Roles that see and change every entity of their city (the operations centre and administrators). */
const CITY_WIDE = ['admin', 'operator'] as const;
/** Roles that may create entities; citizens report through Open311 instead. */
const WRITERS = ['admin', 'operator', 'officer', 'developer', 'enterprise'] as const;

/** How an entity's creator is remembered: `<kind>:<id>`. */
export function principalKey(principal: Principal): string {
  return `${principal.kind}:${principal.id ?? principal.name ?? 'anonymous'}`;
}

export function isCityWide(principal: Principal): boolean {
  return principal.kind === 'system' || hasAnyRole(principal, CITY_WIDE);
}

export function canCreate(principal: Principal): boolean {
  return principal.kind === 'system' || hasAnyRole(principal, WRITERS);
}

/** A principal may change an entity of its own department, one it created, or any when it is city-wide. */
export function canWrite(principal: Principal, entity: { ownerDepartment: string | null; createdBy: string | null }): boolean {
  if (isCityWide(principal)) return true;
  if (!canCreate(principal)) return false;
  if (entity.createdBy === principalKey(principal)) return true;
  return principal.department !== null && entity.ownerDepartment === principal.department;
}

/** A principal reads an entity that is open, of its own department, or created by it; city-wide roles read all. */
export function canRead(principal: Principal, entity: { ownerDepartment: string | null; createdBy: string | null; sharing: string }): boolean {
  if (isCityWide(principal) || entity.sharing === 'open') return true;
  if (entity.createdBy === principalKey(principal)) return true;
  return principal.department !== null && entity.ownerDepartment === principal.department;
}

/**
 * The SQL condition (over alias `e`) that restricts a read to what `principal` may see; undefined
 * when it may see everything. Keep in step with canRead.
 */
export function readPolicySql(principal: Principal, params: SqlParams): string | undefined {
  if (isCityWide(principal)) return undefined;
  const terms = [`e.sharing = 'open'`, `e.created_by = ${params.add(principalKey(principal))}`];
  if (principal.department !== null) terms.push(`e.owner_department = ${params.add(principal.department)}`);
  return `(${terms.join(' OR ')})`;
}

/** The audit event of a read that returned entities that are not open (who saw which restricted data), or undefined. */
export function restrictedReadEvent(
  call: { tenant: string; principal: Principal; requestId?: string },
  entities: ReadonlyArray<{ id: string; sharing: SharingClass | string }>,
  action: string,
): AuditEvent | undefined {
  const restricted = entities.filter((e) => e.sharing !== 'open').map((e) => e.id);
  if (restricted.length === 0) return undefined;
  return {
    tenant: call.tenant,
    actor: call.principal,
    action,
    target: { type: 'entity', id: restricted.length === 1 ? (restricted[0] as string) : null },
    requestId: call.requestId,
    details: { count: restricted.length, ids: restricted.slice(0, 20) },
  };
}
