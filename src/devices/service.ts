/** The device registry: register, list, change and remove devices; registering creates the device's entity through the hub. */
import type { TermMap } from '../context/ld/model.ts';
import type { ContextHub } from '../context/service.ts';
import type { AuditLog } from '../platform/audit/service.ts';
import { hasAnyRole, type Principal } from '../platform/auth/model.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import type { DeviceActivityLog } from './activity.ts';
import { generateDeviceKey } from './keys.ts';
import { type AttributeMapping, DEVICE_ID_PATTERN, type DeviceChange, type DeviceView, type NewDevice } from './model.ts';
import * as sql from './store.ts';

export interface CallContext {
  requestId?: string;
}

/** Roles that manage every device of their city. */
const CITY_WIDE = ['admin', 'operator'] as const;
const MAPPING_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const UNIT_CODE = /^[A-Za-z0-9]{1,16}$/;
const VALUE_TYPES = new Set(['number', 'text', 'boolean']);

function cityWide(principal: Principal): boolean {
  return principal.kind === 'system' || hasAnyRole(principal, CITY_WIDE);
}

/** Operators and admins manage every device; officers those of their own department. */
function mayManage(principal: Principal, device: { ownerDepartment: string | null }): boolean {
  if (cityWide(principal)) return true;
  return hasAnyRole(principal, ['officer']) && principal.department !== null && device.ownerDepartment === principal.department;
}

function notFound(id: string): AppError {
  return new AppError('NOT_FOUND', `There is no device "${id.slice(0, 64)}" in this city (or it belongs to another department)`);
}

function alreadyExists(id: string): AppError {
  return new AppError('ALREADY_EXISTS', `A device "${id.slice(0, 64)}" is already registered in this city; choose another id or delete it first`);
}

export function checkMappings(raw: readonly AttributeMapping[]): AttributeMapping[] {
  if (raw.length > 100) throw new AppError('BAD_REQUEST_DATA', 'A device may map at most 100 attributes');
  const seen = new Set<string>();
  return raw.map((m, i) => {
    const where = `attributes[${i}]`;
    if (typeof m.key !== 'string' || !MAPPING_KEY.test(m.key)) {
      throw new AppError('BAD_REQUEST_DATA', `${where}.key must be 1 to 64 letters, digits or _ . -, e.g. "t"`, { details: { field: `${where}.key` } });
    }
    if (seen.has(m.key)) throw new AppError('BAD_REQUEST_DATA', `${where}.key "${m.key}" is mapped twice`, { details: { field: `${where}.key` } });
    seen.add(m.key);
    if (typeof m.name !== 'string' || m.name.length === 0 || m.name.length > 256 || /[\s<>"'=;()\\]/.test(m.name) || ['id', 'type', 'scope', '@context', '__proto__', 'constructor', 'prototype'].includes(m.name)) {
      throw new AppError('BAD_REQUEST_DATA', `${where}.name must be an NGSI-LD attribute name, e.g. "temperature"`, { details: { field: `${where}.name` } });
    }
    if (m.unitCode !== undefined && !UNIT_CODE.test(m.unitCode)) {
      throw new AppError('BAD_REQUEST_DATA', `${where}.unitCode must be a UN/CEFACT code such as "CEL"`, { details: { field: `${where}.unitCode` } });
    }
    if (m.valueType !== undefined && !VALUE_TYPES.has(m.valueType)) {
      throw new AppError('BAD_REQUEST_DATA', `${where}.valueType must be number, text or boolean`, { details: { field: `${where}.valueType` } });
    }
    return { key: m.key, name: m.name, ...(m.unitCode ? { unitCode: m.unitCode } : {}), ...(m.valueType ? { valueType: m.valueType } : {}) };
  });
}

export class DeviceRegistry {
  readonly #deps: { store: Store; audit: AuditLog; tenancy: Tenancy; hub: Pick<ContextHub, 'batchUpsert'>; terms: TermMap; activity: DeviceActivityLog };
  /** Told when a device's key or mapping changes, so cached copies are dropped. */
  readonly #onChange: (keyId: string) => void;

  constructor(
    deps: { store: Store; audit: AuditLog; tenancy: Tenancy; hub: Pick<ContextHub, 'batchUpsert'>; terms: TermMap; activity: DeviceActivityLog },
    onChange: (keyId: string) => void,
  ) {
    this.#deps = deps;
    this.#onChange = onChange;
  }

  /**
   * Registers a device and creates (or joins) its entity through the hub, as the caller. Returns the
   * device and its key — the only time the key is shown.
   */
  async register(principal: Principal, input: NewDevice, ctx: CallContext = {}): Promise<{ device: DeviceView; key: string }> {
    const { store, audit, tenancy, hub, terms } = this.#deps;
    if (!DEVICE_ID_PATTERN.test(input.id)) {
      throw new AppError('BAD_REQUEST_DATA', 'A device id is 1 to 64 letters, digits or _ . : -, starting with a letter or digit (no "/", "+", "#")', {
        details: { field: 'id' },
      });
    }
    const department = input.ownerDepartment ?? principal.department;
    if (!cityWide(principal)) {
      if (!hasAnyRole(principal, ['officer']) || principal.department === null) {
        throw new AppError('FORBIDDEN', 'Only operators, admins and department officers may register devices');
      }
      if (department !== principal.department) {
        throw new AppError('FORBIDDEN', `You may register devices only for your own department (${principal.department})`);
      }
    }
    if (department) await tenancy.assertDepartment(store, principal.tenant, department);
    const attributes = checkMappings(input.attributes ?? []);
    const entityId = input.entityId ?? `urn:ngsi-ld:${input.entityType}:${input.id}`;
    if (await sql.findDevice(store, principal.tenant, input.id)) throw alreadyExists(input.id);
    // The entity first, through the hub as the caller (its policy and audit): created, or joined when the
    // caller may change it. A refusal here leaves no device behind.
    const [outcome] = await hub.batchUpsert(
      { tenant: principal.tenant, principal, terms, ...(ctx.requestId ? { requestId: ctx.requestId } : {}) },
      [{ ...(input.staticAttributes ?? {}), id: entityId, type: input.entityType }],
      'update',
      department ? { ownerDepartment: department } : {},
    );
    if (outcome && !outcome.ok) throw outcome.error;
    const generated = generateDeviceKey();
    const device = await store.transaction(async (tx) => {
      const created = await sql.insertDevice(tx, {
        id: input.id,
        tenant: principal.tenant,
        keyId: generated.keyId,
        secretHash: generated.secretHash,
        entityId,
        entityType: input.entityType,
        attributes,
        ownerDepartment: department,
        description: (input.description ?? '').slice(0, 500),
        createdBy: principal.name,
      });
      if (!created) throw alreadyExists(input.id);
      await audit.record(tx, {
        tenant: principal.tenant,
        actor: principal,
        action: 'device.create',
        target: { type: 'device', id: input.id },
        details: { entityId, entityType: input.entityType, department },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return created;
    });
    return { device, key: generated.key };
  }

  async list(principal: Principal): Promise<DeviceView[]> {
    const department = cityWide(principal) ? undefined : principal.department;
    if (department === null) return [];
    const devices = await sql.listDevices(this.#deps.store, principal.tenant, department);
    return devices.map((d) => this.#deps.activity.overlay(d));
  }

  async get(principal: Principal, id: string): Promise<DeviceView> {
    const device = await sql.findDevice(this.#deps.store, principal.tenant, id);
    if (!device || !mayManage(principal, device)) throw notFound(id);
    return this.#deps.activity.overlay(device);
  }

  async update(principal: Principal, id: string, change: DeviceChange, ctx: CallContext = {}): Promise<DeviceView> {
    await this.get(principal, id);
    const attributes = change.attributes ? checkMappings(change.attributes) : undefined;
    const updated = await this.#deps.store.transaction(async (tx) => {
      const row = await sql.updateDevice(tx, principal.tenant, id, { ...(attributes ? { attributes } : {}), ...(change.description !== undefined ? { description: change.description.slice(0, 500) } : {}) });
      if (!row) throw notFound(id);
      await this.#deps.audit.record(tx, {
        tenant: principal.tenant,
        actor: principal,
        action: 'device.update',
        target: { type: 'device', id },
        details: { attributes: attributes?.length, description: change.description !== undefined },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return row;
    });
    this.#onChange(updated.keyId);
    return this.#deps.activity.overlay(updated);
  }

  /** Issues a new key; the old one stops working at once on this node and within 30 s on the others. */
  async rotateKey(principal: Principal, id: string, ctx: CallContext = {}): Promise<{ device: DeviceView; key: string }> {
    await this.get(principal, id);
    const generated = generateDeviceKey();
    const old = await this.#deps.store.transaction(async (tx) => {
      const replaced = await sql.replaceKey(tx, principal.tenant, id, generated.keyId, generated.secretHash);
      if (!replaced) throw notFound(id);
      await this.#deps.audit.record(tx, {
        tenant: principal.tenant,
        actor: principal,
        action: 'device.rotateKey',
        target: { type: 'device', id },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return replaced;
    });
    this.#onChange(old.oldKeyId);
    return { device: await this.get(principal, id), key: generated.key };
  }

  /** Removes the device (its entity stays: it is the city's data, deleted through the hub if need be). */
  async remove(principal: Principal, id: string, ctx: CallContext = {}): Promise<void> {
    await this.get(principal, id);
    const removed = await this.#deps.store.transaction(async (tx) => {
      const row = await sql.deleteDevice(tx, principal.tenant, id);
      if (!row) throw notFound(id);
      await this.#deps.audit.record(tx, {
        tenant: principal.tenant,
        actor: principal,
        action: 'device.delete',
        target: { type: 'device', id },
        ...(ctx.requestId ? { requestId: ctx.requestId } : {}),
      });
      return row;
    });
    this.#deps.activity.forget(principal.tenant, id);
    this.#onChange(removed.keyId);
  }
}
