/**
 * The alarms service: one `AlarmEngine` per city, fed from hub changes (in-process subscription), its decisions,
 * state rows and `Alert` entities written in batches; operators manage rules, policies and silences, acknowledge and
 * clear alarms, and read what was suppressed and why.
 */
import type { EntityReader } from '../context/read.ts';
import type { TermMap } from '../context/ld/model.ts';
import type { AuditEvent, AuditLog } from '../platform/audit/service.ts';
import { type Principal, systemPrincipal } from '../platform/auth/model.ts';
import { AppError } from '../platform/errors/app-error.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { Store } from '../platform/store/store.ts';
import type { Tenancy } from '../platform/tenancy/service.ts';
import type { LiveEvent, LiveHub } from '../subscriptions/live.ts';
import { AlarmEngine } from './engine/engine.ts';
import type {
  AlarmRule,
  AlarmRuleInput,
  AlarmState,
  Bilingual,
  Decision,
  KnownAttributes,
  NoisePolicy,
  NoisePolicyInput,
  RuleError,
  Silence,
  SilenceInput,
  StateRow,
} from './engine/model.ts';
import { combineKnown, knownShapes, parsePolicy, parseRule, parseSilence } from './engine/validate.ts';
import type { AlertMirror } from './hub-mirror.ts';
import type { AlarmFilter, AlarmStats, AlarmView, PolicyView, RuleView, SilenceView, SuppressedFilter, SuppressedView } from './model.ts';
import { readingOf } from './readings.ts';
import * as sql from './store.ts';

/** The rule set a city starts with (`defaults.ts`). */
export interface AlarmDefaults {
  rules: readonly AlarmRuleInput[];
  policies: readonly NoisePolicyInput[];
}

export interface AlarmsServiceDeps {
  store: Store;
  audit: AuditLog;
  tenancy: Pick<Tenancy, 'list'>;
  reader: Pick<EntityReader, 'typeSummary' | 'queryEntities'>;
  live: Pick<LiveHub, 'subscribe'>;
  terms: TermMap;
  mirror: AlertMirror;
  logger: Logger;
  defaults: AlarmDefaults;
  /** Wall clock (ms) for `advance`, acknowledgements and manual clears; tests may drive it. */
  now: () => number;
}

/** Flush at once when this many decisions wait (else the timer's interval). */
const FLUSH_AT = 500;
/** Entity types the service writes itself: never fed back to the engine. */
const OWN_TYPES = new Set(['Alert', 'Incident']);

interface Queued {
  decision: Decision;
  /** The count when decided (the alarm object may move on before the flush). */
  count: number;
  actor?: string;
  note?: string;
  audit?: AuditEvent;
}

/** One city's engine and what it was built from. */
interface City {
  tenant: string;
  engine: AlarmEngine;
  rules: Map<string, AlarmRule>;
  policies: Map<string, NoisePolicy>;
  silences: Map<string, Silence>;
  queue: Queued[];
  /** State rows drained but not yet written (a failed flush gives them back here). */
  state: StateRow[];
  watched: string;
  unsubscribe: () => void;
  /**
   * The watermark of event time: the latest reading time seen and the wall time it arrived. Between readings event
   * time moves with the wall clock from there, so a backfill of past hours (readings dated hours ago, arriving in a
   * burst) is not overtaken by the wall clock — a `for` or a corroboration window waits for the data of its own time.
   */
  latestAt: number;
  latestArrival: number;
  /** Settles once the engine has seen the hub's current entities of the watched types (see #prime). */
  primed: Promise<void>;
}

/** Any expression text of a rule or policy, for the entity types it reads. */
function expressionsOf(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const key of ['condition', 'clear', 'where', 'expectedWhen']) if (typeof doc[key] === 'string') out.push(doc[key] as string);
  const schedule = doc.schedule as { armedWhen?: unknown } | undefined;
  if (typeof schedule?.armedWhen === 'string') out.push(schedule.armedWhen);
  return out;
}

/**
 * The entity types a city's engine must hear of: the rules' own types, and the context the expressions read —
 * `nearest(WeatherObserved)` and one-hop relationships (`refBuilding.occupancyState` reads a Building).
 */
export function watchedTypes(rules: Iterable<AlarmRule>, policies: Iterable<NoisePolicy>): string[] {
  const types = new Set<string>();
  const scan = (text: string) => {
    for (const m of text.matchAll(/nearest\(\s*([A-Za-z_][\w]*)\s*\)/g)) types.add(m[1] as string);
    for (const m of text.matchAll(/\bref([A-Z]\w*)\s*\./g)) types.add(m[1] as string);
  };
  for (const rule of rules) {
    if (!rule.enabled) continue;
    types.add(rule.entityType);
    for (const text of expressionsOf(rule.input as unknown as Record<string, unknown>)) scan(text);
  }
  for (const policy of policies) for (const text of expressionsOf(policy.input as unknown as Record<string, unknown>)) scan(text);
  for (const own of OWN_TYPES) types.delete(own);
  return [...types].sort();
}

function invalid(what: string, errors: RuleError[]): AppError {
  const list = errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ');
  return new AppError('BAD_REQUEST_DATA', `The ${what} has ${errors.length === 1 ? 'a problem' : `${errors.length} problems`} — ${list}`, { details: { errors } });
}

function actorOf(principal: Principal): string {
  return principal.name ?? principal.id ?? principal.kind;
}

const bilingualName = (name: Bilingual | string): Bilingual => (typeof name === 'string' ? { zh: name, en: name } : name);
const iso = (value: Date | string) => new Date(value).toISOString();

function ruleView(row: sql.DocumentRow): RuleView {
  const doc = row.document as unknown as AlarmRuleInput;
  return { ...doc, id: row.id, enabled: row.enabled, name: bilingualName(doc.name), version: row.version, updatedBy: row.updated_by, updatedAt: iso(row.updated_at) };
}

function policyView(row: sql.DocumentRow): PolicyView {
  const doc = row.document as unknown as NoisePolicyInput;
  return { ...doc, id: row.id, enabled: row.enabled, name: bilingualName(doc.name), version: row.version, updatedBy: row.updated_by, updatedAt: iso(row.updated_at) } as PolicyView;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9_.:-]+/g, '-').slice(0, 80) || 'item';
}

function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

function periodBound(value: string | undefined, fallback: string, name: string): string {
  if (value === undefined) return fallback;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new AppError('BAD_REQUEST_DATA', `${name} must be an ISO 8601 instant such as 2026-11-02T08:00:00+08:00, not "${value.slice(0, 40)}"`);
  return new Date(t).toISOString();
}

export class AlarmsService {
  readonly #deps: AlarmsServiceDeps;
  readonly #cities = new Map<string, Promise<City>>();
  #flushing: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #closed = false;

  constructor(deps: AlarmsServiceDeps) {
    this.#deps = deps;
  }

  /**
   * Builds the engine of every existing city, so hub changes are followed from the start. Priming the engines with
   * the hub's current entities goes on in the background (see primed()).
   */
  async start(): Promise<void> {
    const tenants = await this.#deps.tenancy.list();
    await Promise.all(tenants.map((t) => this.#city(t.id)));
  }

  /** Settles once every city loaded so far has been primed (a failed priming is logged, not thrown). */
  async primed(): Promise<void> {
    await Promise.all([...this.#cities.values()].map((city) => city.then((c) => c.primed, () => undefined)));
  }

  // ---- engines ------------------------------------------------------------------------------------------------

  #city(tenant: string): Promise<City> {
    let city = this.#cities.get(tenant);
    if (!city) {
      city = this.#load(tenant);
      this.#cities.set(tenant, city);
      city.catch(() => this.#cities.delete(tenant));
    }
    return city;
  }

  /** Rules, policies and silences from the tables (seeded from the defaults on a city's first use), state rows and active alarms. */
  async #load(tenant: string): Promise<City> {
    const { store, logger, defaults } = this.#deps;
    const seeded = await sql.seedOnce(
      store,
      tenant,
      defaults.rules.map((r) => ({ id: r.id ?? slug(r.alarmType), document: { ...r, id: r.id ?? slug(r.alarmType) }, enabled: r.enabled ?? true })),
      defaults.policies.map((p, i) => ({ id: p.id ?? `${p.kind}-${i + 1}`, document: { ...p, id: p.id ?? `${p.kind}-${i + 1}` }, enabled: true })),
    );
    if (seeded) logger.info({ tenant, rules: defaults.rules.length, policies: defaults.policies.length }, 'seeded the default alarm rules of a city');
    const [ruleRows, policyRows, silenceRows, state, activeAlarms] = await Promise.all([
      sql.listDocuments(store, 'alarm_rules', tenant),
      sql.listDocuments(store, 'alarm_policies', tenant),
      sql.listSilences(store, tenant),
      sql.loadState(store, tenant),
      sql.loadActiveAlarms(store, tenant),
    ]);
    // Stored documents were validated against the city when written; attribute names are not checked again here
    // (an attribute may be gone from the hub for a while without the rule becoming wrong).
    const anyAttributes: KnownAttributes = { of: () => undefined };
    const rules = new Map<string, AlarmRule>();
    for (const row of ruleRows) {
      const parsed = parseRule({ ...row.document, id: row.id, enabled: row.enabled }, anyAttributes);
      if ('rule' in parsed) rules.set(row.id, parsed.rule);
      else logger.warn({ tenant, rule: row.id, errors: parsed.errors }, 'a stored alarm rule no longer validates; it is left out');
    }
    const policies = new Map<string, NoisePolicy>();
    for (const row of policyRows) {
      const parsed = parsePolicy({ ...row.document, id: row.id }, anyAttributes);
      if ('policy' in parsed) policies.set(row.id, { ...parsed.policy, enabled: row.enabled });
      else logger.warn({ tenant, policy: row.id, errors: parsed.errors }, 'a stored noise policy no longer validates; it is left out');
    }
    const silences = new Map<string, Silence>();
    for (const row of silenceRows) {
      const parsed = parseSilence({ ...row.document, id: row.id });
      if ('silence' in parsed) silences.set(row.id, parsed.silence);
    }
    const engine = new AlarmEngine({
      rules: [...rules.values()],
      policies: [...policies.values()].filter((p) => p.enabled),
      silences: this.#current(silences),
      state,
      activeAlarms,
    });
    const city: City = { tenant, engine, rules, policies, silences, queue: [], state: [], watched: '', unsubscribe: () => undefined, latestAt: Number.NEGATIVE_INFINITY, latestArrival: 0, primed: Promise.resolve() };
    this.#follow(city);
    // Changes are heard from here on; what the hub holds already is read in the background, page by page.
    city.primed = this.#prime(city).catch((error) => logger.warn({ err: error, tenant }, 'could not prime the alarm engine with the hub entities; rules see only what changes from now on'));
    return city;
  }

  /**
   * Shows the engine the hub's current entities of the watched types (`changed: []` feeds its cache without evaluating
   * rules), so relationship hops and `nearest(…)` read the city as it is, not only what changed since the start.
   */
  async #prime(city: City): Promise<void> {
    if (!city.watched) return;
    const { terms } = this.#deps;
    const call = { tenant: city.tenant, principal: systemPrincipal(city.tenant, 'alarms'), terms };
    const page = 1000;
    const started = this.#deps.now();
    let read = 0;
    for (let after: string | undefined; ; ) {
      // A server stopping while a large city primes does not read the rest.
      if (this.#closed) return;
      const { entities } = await this.#deps.reader.queryEntities(call, { type: city.watched, ...(after === undefined ? {} : { after }), limit: page, offset: 0, count: false });
      for (const entity of entities) {
        const reading = readingOf({ entity, before: entity }, terms);
        if (reading) this.#enqueue(city, city.engine.observe(reading));
      }
      read += entities.length;
      if (entities.length < page) {
        this.#deps.logger.info({ tenant: city.tenant, entities: read, ms: this.#deps.now() - started }, 'alarm engine primed with the hub entities it watches');
        return;
      }
      after = entities[entities.length - 1]?.id;
    }
  }

  /** Silences that have not ended (the engine needs no history). */
  #current(silences: Map<string, Silence>): Silence[] {
    const now = this.#deps.now();
    return [...silences.values()].filter((s) => Date.parse(s.to) > now);
  }

  /** (Re)subscribes to the hub changes of the types the city's rules read, when that set changed. */
  #follow(city: City): void {
    const types = watchedTypes(city.rules.values(), city.policies.values());
    const key = types.join(',');
    if (key === city.watched) return;
    city.unsubscribe();
    city.watched = key;
    city.unsubscribe = () => undefined;
    if (types.length === 0) return;
    const { terms } = this.#deps;
    city.unsubscribe = this.#deps.live.subscribe(
      city.tenant,
      { entities: types.map((type) => ({ type })), principal: systemPrincipal(city.tenant, 'alarms'), terms, notificationTrigger: ['entityCreated', 'entityUpdated', 'attributeCreated', 'attributeUpdated'] },
      (event) => this.#hear(city, event),
    );
  }

  /** One hub change: a reading, observed synchronously; the decisions wait for the flusher. */
  #hear(city: City, event: LiveEvent): void {
    const reading = readingOf(event, this.#deps.terms);
    if (!reading) return;
    if (reading.at > city.latestAt) {
      city.latestAt = reading.at;
      city.latestArrival = this.#deps.now();
    }
    this.#enqueue(city, city.engine.observe(reading));
  }

  #enqueue(city: City, decisions: readonly Decision[], extra: Omit<Queued, 'decision' | 'count'> = {}): void {
    if (decisions.length === 0) return;
    for (const decision of decisions) city.queue.push({ decision, count: 'alarm' in decision ? decision.alarm.count : 0, ...extra });
    if (city.queue.length >= FLUSH_AT) void this.flush();
  }

  /**
   * Moves every city's event time on: `for` durations, corroboration windows and clears come due. Event time is the
   * latest reading's time plus the wall time since it arrived, never past the wall clock (see `City.latestAt`).
   */
  async advance(): Promise<void> {
    const now = this.#deps.now();
    for (const pending of [...this.#cities.values()]) {
      const city = await pending.catch(() => undefined);
      if (!city) continue;
      const at = Number.isFinite(city.latestAt) ? Math.min(now, city.latestAt + (now - city.latestArrival)) : now;
      this.#enqueue(city, city.engine.advance(at));
    }
  }

  // ---- the flusher ----------------------------------------------------------------------------------------------

  /** Writes everything decided so far (decisions, state rows, then the Alert entities); resolves once written. */
  flush(): Promise<void> {
    if (this.#flushQueued) return this.#flushing;
    this.#flushQueued = true;
    this.#flushing = this.#flushing.then(async () => {
      this.#flushQueued = false;
      for (const pending of [...this.#cities.values()]) {
        const city = await pending.catch(() => undefined);
        if (city) await this.#flushCity(city);
      }
    });
    return this.#flushing;
  }

  /** Flushes and waits for the hub writes it started. */
  async settle(): Promise<void> {
    await this.flush();
    await this.#deps.mirror.idle();
  }

  async #flushCity(city: City): Promise<void> {
    const items = city.queue.splice(0);
    const state = [...city.state, ...city.engine.drainState()];
    city.state = [];
    if (items.length === 0 && state.length === 0) return;
    const alarms = new Map<string, AlarmState>();
    const batch: sql.DecisionBatch = { alarms: [], situations: [], suppressed: [], events: [], state };
    const audits: AuditEvent[] = [];
    for (const item of items) {
      const d = item.decision;
      const at = new Date(d.at).toISOString();
      if (d.kind === 'suppress') batch.suppressed.push({ at, signal: d.signal, reason: d.reason });
      else if (d.kind === 'situation') for (const alarmId of d.alarmIds) batch.situations.push({ alarmId, situationId: d.situationId });
      else {
        alarms.set(d.alarm.id, d.alarm);
        const kind = d.kind === 'raise' ? 'raised' : d.kind === 'repeat' ? 'repeated' : 'cleared';
        const signals = d.kind === 'raise' ? Math.max(1, d.alarm.evidence.length) : d.kind === 'repeat' ? 1 : 0;
        batch.events.push({ alarmId: d.alarm.id, at, kind, actor: item.actor ?? null, note: item.note ?? null, count: item.count, signals });
      }
      if (item.audit) audits.push(item.audit);
    }
    batch.alarms = [...alarms.values()];
    let touched: string[];
    try {
      touched = await this.#deps.store.transaction(async (tx) => {
        const ids = await sql.writeDecisions(tx, city.tenant, batch);
        await this.#deps.audit.record(tx, audits);
        return ids;
      });
    } catch (error) {
      // Nothing of the batch was written: it goes back in front of what was decided meanwhile, for the next flush.
      city.queue.unshift(...items);
      city.state = [...state, ...city.state];
      this.#deps.logger.warn({ err: error, tenant: city.tenant, decisions: items.length }, 'could not write alarm decisions; retrying on the next flush');
      return;
    }
    void this.#deps.mirror.schedule(city.tenant, touched);
  }

  /** Stops following the hub and writes what is left. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Priming stops at its next page; let it, before the store closes under it.
    await this.primed();
    for (const pending of [...this.#cities.values()]) {
      const city = await pending.catch(() => undefined);
      city?.unsubscribe();
    }
    await this.settle();
  }

  // ---- rules and policies ---------------------------------------------------------------------------------------

  /** What the validator knows of the city: the hub's attributes per type (of the entities it has) and the known shapes. */
  async #known(tenant: string): Promise<KnownAttributes> {
    const { terms } = this.#deps;
    const summary = await this.#deps.reader.typeSummary({ tenant, principal: systemPrincipal(tenant, 'alarms'), terms });
    const byType = new Map<string, Set<string>>();
    for (const t of summary) {
      const attrs = new Set(t.attributes.map((a) => terms.compact(a.iri)));
      for (const common of ['id', 'type', 'location']) attrs.add(common);
      byType.set(terms.compact(t.type), attrs);
    }
    return combineKnown({ of: (type) => byType.get(type) }, knownShapes);
  }

  async listRules(tenant: string): Promise<RuleView[]> {
    await this.#city(tenant);
    return (await sql.listDocuments(this.#deps.store, 'alarm_rules', tenant)).map(ruleView);
  }

  async getRule(tenant: string, id: string): Promise<RuleView> {
    await this.#city(tenant);
    const row = await sql.findDocument(this.#deps.store, 'alarm_rules', tenant, id);
    if (!row) throw new AppError('NOT_FOUND', `No alarm rule "${id}" in this city; GET /api/v1/alarms/rules lists them`);
    return ruleView(row);
  }

  async #validRule(tenant: string, body: unknown, id: string): Promise<AlarmRule> {
    const parsed = parseRule({ ...(body as object), id }, await this.#known(tenant));
    if ('errors' in parsed) throw invalid('rule', parsed.errors);
    return parsed.rule;
  }

  async createRule(principal: Principal, body: AlarmRuleInput): Promise<RuleView> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    const id = body.id ?? newId(slug(body.alarmType ?? 'rule'));
    const rule = await this.#validRule(tenant, body, id);
    const document = { ...body, id };
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.insertDocument(tx, 'alarm_rules', tenant, id, document, rule.enabled, actorOf(principal)))) {
        throw new AppError('ALREADY_EXISTS', `An alarm rule "${id}" exists already; change it with PUT /api/v1/alarms/rules/${id}, or choose another id`);
      }
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmRule.create', target: { type: 'AlarmRule', id }, details: { alarmType: rule.alarmType } });
    });
    city.rules.set(id, rule);
    this.#reconfigure(city, 'rules');
    return this.getRule(tenant, id);
  }

  async replaceRule(principal: Principal, id: string, body: AlarmRuleInput): Promise<RuleView> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    if (body.id !== undefined && body.id !== id) throw new AppError('BAD_REQUEST_DATA', `The body's id "${body.id}" differs from the rule in the path ("${id}"); leave id out or make them equal`);
    const rule = await this.#validRule(tenant, body, id);
    await this.#deps.store.transaction(async (tx) => {
      const version = await sql.replaceDocument(tx, 'alarm_rules', tenant, id, { ...body, id }, rule.enabled, actorOf(principal));
      if (version === undefined) throw new AppError('NOT_FOUND', `No alarm rule "${id}" in this city; create it with POST /api/v1/alarms/rules`);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmRule.update', target: { type: 'AlarmRule', id }, details: { version, enabled: rule.enabled } });
    });
    city.rules.set(id, rule);
    this.#reconfigure(city, 'rules');
    return this.getRule(tenant, id);
  }

  async deleteRule(principal: Principal, id: string): Promise<void> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.deleteDocument(tx, 'alarm_rules', tenant, id))) throw new AppError('NOT_FOUND', `No alarm rule "${id}" in this city`);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmRule.delete', target: { type: 'AlarmRule', id } });
    });
    city.rules.delete(id);
    this.#reconfigure(city, 'rules');
  }

  async listPolicies(tenant: string): Promise<PolicyView[]> {
    await this.#city(tenant);
    return (await sql.listDocuments(this.#deps.store, 'alarm_policies', tenant)).map(policyView);
  }

  async getPolicy(tenant: string, id: string): Promise<PolicyView> {
    await this.#city(tenant);
    const row = await sql.findDocument(this.#deps.store, 'alarm_policies', tenant, id);
    if (!row) throw new AppError('NOT_FOUND', `No noise policy "${id}" in this city; GET /api/v1/alarms/policies lists them`);
    return policyView(row);
  }

  async #validPolicy(tenant: string, body: unknown, id: string): Promise<NoisePolicy> {
    const parsed = parsePolicy({ ...(body as object), id }, await this.#known(tenant));
    if ('errors' in parsed) throw invalid('noise policy', parsed.errors);
    return parsed.policy;
  }

  async createPolicy(principal: Principal, body: NoisePolicyInput): Promise<PolicyView> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    const id = body.id ?? newId(slug(String(body.kind ?? 'policy')));
    const policy = await this.#validPolicy(tenant, body, id);
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.insertDocument(tx, 'alarm_policies', tenant, id, { ...body, id }, true, actorOf(principal)))) {
        throw new AppError('ALREADY_EXISTS', `A noise policy "${id}" exists already; change it with PUT /api/v1/alarms/policies/${id}, or choose another id`);
      }
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmPolicy.create', target: { type: 'NoisePolicy', id }, details: { kind: policy.kind } });
    });
    city.policies.set(id, policy);
    this.#reconfigure(city, 'policies');
    return this.getPolicy(tenant, id);
  }

  async replacePolicy(principal: Principal, id: string, body: NoisePolicyInput): Promise<PolicyView> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    if (body.id !== undefined && body.id !== id) throw new AppError('BAD_REQUEST_DATA', `The body's id "${body.id}" differs from the policy in the path ("${id}"); leave id out or make them equal`);
    const policy = await this.#validPolicy(tenant, body, id);
    await this.#deps.store.transaction(async (tx) => {
      const version = await sql.replaceDocument(tx, 'alarm_policies', tenant, id, { ...body, id }, true, actorOf(principal));
      if (version === undefined) throw new AppError('NOT_FOUND', `No noise policy "${id}" in this city; create it with POST /api/v1/alarms/policies`);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmPolicy.update', target: { type: 'NoisePolicy', id }, details: { version } });
    });
    city.policies.set(id, policy);
    this.#reconfigure(city, 'policies');
    return this.getPolicy(tenant, id);
  }

  async deletePolicy(principal: Principal, id: string): Promise<void> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.deleteDocument(tx, 'alarm_policies', tenant, id))) throw new AppError('NOT_FOUND', `No noise policy "${id}" in this city`);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmPolicy.delete', target: { type: 'NoisePolicy', id } });
    });
    city.policies.delete(id);
    this.#reconfigure(city, 'policies');
  }

  // ---- silences -------------------------------------------------------------------------------------------------

  async listSilences(tenant: string): Promise<SilenceView[]> {
    await this.#city(tenant);
    const now = this.#deps.now();
    return (await sql.listSilences(this.#deps.store, tenant)).map((row) => ({
      ...(row.document as unknown as SilenceInput),
      id: row.id,
      createdBy: row.created_by ?? undefined,
      createdAt: iso(row.created_at),
      active: row.from_at.getTime() <= now && now < row.to_at.getTime(),
    }));
  }

  async createSilence(principal: Principal, body: SilenceInput): Promise<SilenceView> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    const id = body.id ?? newId(body.kind === 'maintenance' ? 'maintenance' : 'silence');
    const parsed = parseSilence({ ...body, id, createdBy: actorOf(principal) });
    if ('errors' in parsed) throw invalid(body.kind === 'maintenance' ? 'maintenance window' : 'silence', parsed.errors);
    const silence = parsed.silence;
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.insertSilence(tx, tenant, id, silence, iso(silence.from), iso(silence.to), actorOf(principal)))) {
        throw new AppError('ALREADY_EXISTS', `A silence "${id}" exists already; choose another id`);
      }
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmSilence.create', target: { type: 'AlarmSilence', id }, reason: silence.reason, details: { matchers: silence.matchers, from: silence.from, to: silence.to } });
    });
    city.silences.set(id, silence);
    this.#reconfigure(city, 'silences');
    const [view] = (await this.listSilences(tenant)).filter((s) => s.id === id);
    return view as SilenceView;
  }

  async deleteSilence(principal: Principal, id: string): Promise<void> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.deleteDocument(tx, 'alarm_silences', tenant, id))) throw new AppError('NOT_FOUND', `No silence "${id}" in this city`);
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarmSilence.delete', target: { type: 'AlarmSilence', id } });
    });
    city.silences.delete(id);
    this.#reconfigure(city, 'silences');
  }

  #reconfigure(city: City, what: 'rules' | 'policies' | 'silences'): void {
    if (what === 'rules') city.engine.configure({ rules: [...city.rules.values()] });
    else if (what === 'policies') city.engine.configure({ policies: [...city.policies.values()].filter((p) => p.enabled) });
    else city.engine.configure({ silences: this.#current(city.silences) });
    this.#follow(city);
  }

  // ---- alarms ---------------------------------------------------------------------------------------------------

  async list(tenant: string, filter: AlarmFilter): Promise<{ alarms: AlarmView[]; total: number }> {
    const { rows, total } = await sql.listAlarms(this.#deps.store, tenant, filter);
    return { alarms: rows.map(sql.alarmView), total };
  }

  async get(tenant: string, id: string): Promise<AlarmView> {
    const row = await sql.findAlarm(this.#deps.store, tenant, id);
    if (!row) throw new AppError('NOT_FOUND', `No alarm "${id}" in this city`);
    return { ...sql.alarmView(row), timeline: await sql.timeline(this.#deps.store, tenant, id) };
  }

  async acknowledge(principal: Principal, id: string, note: string | undefined): Promise<AlarmView> {
    const tenant = principal.tenant;
    await this.#city(tenant);
    await this.flush(); // an alarm decided a moment ago is written before it is acknowledged
    const row = await sql.findAlarm(this.#deps.store, tenant, id);
    if (!row) throw new AppError('NOT_FOUND', `No alarm "${id}" in this city`);
    const by = actorOf(principal);
    const at = new Date(this.#deps.now()).toISOString();
    await this.#deps.store.transaction(async (tx) => {
      if (!(await sql.acknowledge(tx, tenant, id, by, at, note ?? null))) {
        throw new AppError('CONFLICT', `Alarm "${id}" was acknowledged already by ${row.acknowledged_by ?? 'someone'} at ${row.acknowledged_at ? iso(row.acknowledged_at) : 'an earlier time'}`);
      }
      await this.#deps.audit.record(tx, { tenant, actor: principal, action: 'alarm.acknowledge', target: { type: 'Alarm', id }, ...(note ? { reason: note } : {}) });
    });
    await this.#deps.mirror.schedule(tenant, [id]);
    return this.get(tenant, id);
  }

  /** An operator clears an active alarm (the engine may raise a new one for the same originator afterwards). */
  async clear(principal: Principal, id: string, note: string | undefined): Promise<AlarmView> {
    const tenant = principal.tenant;
    const city = await this.#city(tenant);
    await this.flush();
    const row = await sql.findAlarm(this.#deps.store, tenant, id);
    if (!row) throw new AppError('NOT_FOUND', `No alarm "${id}" in this city`);
    if (row.status === 'cleared') throw new AppError('CONFLICT', `Alarm "${id}" was cleared already at ${row.cleared_at ? iso(row.cleared_at) : 'an earlier time'}`);
    const now = this.#deps.now();
    // The engine's own record when it has one; else (a row the engine lost track of) the row itself, cleared.
    const cleared = city.engine.clearAlarm(id, now) ?? { ...sql.stateOf(row), status: 'cleared' as const, clearedAt: now };
    const audit: AuditEvent = { tenant, actor: principal, action: 'alarm.clear', target: { type: 'Alarm', id }, ...(note ? { reason: note } : {}) };
    this.#enqueue(city, [{ kind: 'clear', alarm: cleared, at: now }], { actor: actorOf(principal), ...(note ? { note } : {}), audit });
    await this.settle();
    return this.get(tenant, id);
  }

  async suppressed(tenant: string, filter: SuppressedFilter): Promise<{ suppressed: SuppressedView[]; total: number; byReason: Record<string, number> }> {
    const from = periodBound(filter.from, '-infinity', 'from');
    const to = periodBound(filter.to, 'infinity', 'to');
    return sql.listSuppressed(this.#deps.store, tenant, { ...filter, from, to });
  }

  async stats(tenant: string, period: { from?: string; to?: string }): Promise<AlarmStats> {
    const now = this.#deps.now();
    const from = periodBound(period.from, new Date(now - 86_400_000).toISOString(), 'from');
    const to = periodBound(period.to, 'infinity', 'to');
    return sql.stats(this.#deps.store, tenant, from, to);
  }
}
