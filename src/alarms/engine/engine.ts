/**
 * The alarm engine (CONTRACT.md "The pipeline"): readings → detection rules → signals → noise policies (silences,
 * inhibition, suppressWhen, corroboration, grouping) → decisions. Pure and synchronous: event time only (readings'
 * `at` and `advance`), no I/O; its state leaves through `drainState()` and comes back through `new AlarmEngine({ state })`.
 */
import type { AttrsTest } from '../../context/query/q-eval.ts';
import { type EvalContext, type Expr, figuresOf, parseDuration, parseExpression, rateWindows, referencesOf, test } from './expression.ts';
import type {
  AlarmEngineApi,
  AlarmRule,
  AlarmState,
  Bilingual,
  Decision,
  EngineOptions,
  NoisePolicy,
  NoisePolicyInput,
  Reading,
  Severity,
  Signal,
  Silence,
  StateRow,
  SuppressionReason,
} from './model.ts';
import { compileWhere } from './validate.ts';

type Point = { type: 'Point'; coordinates: [number, number] };
type Attrs = Record<string, unknown>;

interface CompiledRule {
  rule: AlarmRule;
  where?: AttrsTest;
  /** Absent for an absence-only rule. */
  condition?: Expr;
  /** Absence detection: raise after this long without a reading (0: not an absence rule). */
  silentMs: number;
  clear?: Expr;
  armedWhen?: Expr;
  forMs: number;
  clearForMs: number;
  repeat?: { atLeast: number; of: number };
  windows?: { days?: Set<number>; from: number; to: number }[];
  timezone: string;
  /** Attributes whose change makes the rule evaluate (own attributes and relationship attributes it reads). */
  listens: Set<string>;
  rateAttrs: Map<string, number>;
  description: Bilingual;
}

/** Per (rule, entity) evaluation state; a state row. */
interface RuleState {
  /** The condition has held since (for `for`). */
  since?: number;
  /** `for` is met and the signal went out (advance must not fire it again). */
  fired?: boolean;
  /** Last outcomes for `repeat`, oldest first, '1'/'0'. */
  hist?: string;
  /** The clear condition has held since (for `clearFor`). */
  clearSince?: number;
  /** Numeric samples for rate(), per attribute. */
  samples?: Record<string, [number, number][]>;
  /** Absence rules: the entity's last reading. */
  seen?: number;
  /** Absence rules: when to look again (seen + silentFor, a schedule's next minute, or a release after an inhibitor cleared). */
  next?: number;
  /** Absence rules: the silence was signalled (raised or suppressed); the next reading ends it. */
  silent?: boolean;
  /** Absence rules: the alarm whose inhibition suppressed the signal, and the grace after it clears (ms). */
  inhibitedBy?: string;
  releaseMs?: number;
}

/** Held signals of one corroboration group; a state row. */
interface HeldGroup {
  policyId: string;
  key: string;
  expires: number;
  signals: Signal[];
  /** The suppressWhen reason that matched each signal when it was held (shown if it expires alone). */
  reasons: (SuppressionReason | null)[];
}

type CorroboratePolicy = Extract<NoisePolicyInput, { kind: 'corroborate' }>;
type SuppressPolicy = Extract<NoisePolicyInput, { kind: 'suppressWhen' }>;
type InhibitPolicy = Extract<NoisePolicyInput, { kind: 'inhibit' }>;
type GroupPolicy = Extract<NoisePolicyInput, { kind: 'group' }>;

interface CompiledPolicies {
  corroborate: { policy: NoisePolicy; input: CorroboratePolicy; withinMs: number; expected?: Expr; clearAfterMs?: number }[];
  suppress: { policy: NoisePolicy; input: SuppressPolicy; condition: Expr }[];
  inhibit: { policy: NoisePolicy; input: InhibitPolicy; releaseMs: number }[];
  group: { policy: NoisePolicy; input: GroupPolicy; withinMs: number }[];
  /** signal alarmType → the corroboration policy that holds it. */
  holds: Map<string, CorroboratePolicy & { policyId: string }>;
  changedAttrs: Set<string>;
}

const EVIDENCE_LIMIT = 20;
/** Width of a deadline bucket of absence detection: `advance` looks only at the buckets that came due. */
const SILENCE_BUCKET_MS = 60_000;
/** Default grace after an inhibiting alarm clears before the silences it held back are checked again. */
const DEFAULT_RELEASE_MS = 5 * 60_000;
const GRID = 0.05; // degrees per cell of the nearest-entity index (~5 km)

/** Great-circle distance in metres. */
export function haversineMetres(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function pointOf(v: unknown): Point | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const g = v as { type?: unknown; coordinates?: unknown };
  if (g.type !== 'Point' || !Array.isArray(g.coordinates) || typeof g.coordinates[0] !== 'number' || typeof g.coordinates[1] !== 'number') return undefined;
  return v as Point;
}

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function hhmm(text: string): number {
  const [h, m] = text.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

const offsetCache = new Map<string, number>();
/** The time zone's offset (ms) at an instant; cached per zone and hour, so schedules cost nothing at 5,000 readings/s. */
function zoneOffset(tz: string, at: number): number {
  const hour = Math.floor(at / 3_600_000);
  const key = `${tz}|${hour}`;
  let off = offsetCache.get(key);
  if (off === undefined) {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' }).formatToParts(hour * 3_600_000);
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    off = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute')) - hour * 3_600_000;
    if (offsetCache.size > 10_000) offsetCache.clear();
    offsetCache.set(key, off);
  }
  return off;
}

function compileRule(rule: AlarmRule): CompiledRule {
  const input = rule.input;
  const condition = rule.condition ? parseExpression(rule.condition) : undefined;
  const clear = input.clear ? parseExpression(input.clear) : undefined;
  const armedWhen = input.schedule?.armedWhen ? parseExpression(input.schedule.armedWhen) : undefined;
  const listens = new Set<string>();
  for (const e of [condition, clear, armedWhen]) {
    if (!e) continue;
    for (const { ref } of referencesOf(e)) if (ref.kind !== 'nearest') listens.add(ref.kind === 'own' ? ref.attr : ref.via);
  }
  const rateAttrs = condition ? rateWindows(condition) : new Map<string, number>();
  if (clear) for (const [a, w] of rateWindows(clear)) rateAttrs.set(a, Math.max(w, rateAttrs.get(a) ?? 0));
  return {
    rule,
    where: input.where ? compileWhere(input.where).test : undefined,
    condition,
    clear,
    armedWhen,
    silentMs: input.silentFor ? (parseDuration(input.silentFor) ?? 0) : 0,
    forMs: input.for ? (parseDuration(input.for) ?? 0) : 0,
    clearForMs: input.clearFor ? (parseDuration(input.clearFor) ?? 0) : 0,
    repeat: input.repeat,
    windows: input.schedule?.windows?.map((w) => ({ days: w.days ? new Set(w.days) : undefined, from: hhmm(w.from), to: hhmm(w.to) })),
    timezone: input.schedule?.timezone ?? 'Asia/Shanghai',
    listens,
    rateAttrs,
    description: input.description ?? rule.name,
  };
}

function compilePolicies(policies: NoisePolicy[]): CompiledPolicies {
  const out: CompiledPolicies = { corroborate: [], suppress: [], inhibit: [], group: [], holds: new Map(), changedAttrs: new Set() };
  const noteChanged = (e: Expr) => {
    changedRefs(e, out.changedAttrs);
  };
  for (const policy of policies) {
    if (!policy.enabled) continue;
    const input = policy.input;
    if (input.kind === 'corroborate') {
      const expected = input.expectedWhen ? parseExpression(input.expectedWhen) : undefined;
      if (expected) noteChanged(expected);
      const clearAfterMs = input.clearAfter ? parseDuration(input.clearAfter) : undefined;
      out.corroborate.push({ policy, input, withinMs: parseDuration(input.within) ?? 0, expected, ...(clearAfterMs ? { clearAfterMs } : {}) });
      for (const t of input.signalTypes) if (!out.holds.has(t)) out.holds.set(t, { ...input, policyId: policy.id });
    } else if (input.kind === 'suppressWhen') {
      out.suppress.push({ policy, input, condition: parseExpression(input.condition) });
    } else if (input.kind === 'inhibit') out.inhibit.push({ policy, input, releaseMs: input.releaseAfter ? (parseDuration(input.releaseAfter) ?? DEFAULT_RELEASE_MS) : DEFAULT_RELEASE_MS });
    else out.group.push({ policy, input, withinMs: parseDuration(input.within) ?? 0 });
  }
  return out;
}

/**
 * The alarm engine. Feed it readings in (roughly) event-time order; it returns its decisions synchronously.
 * After a restart, the service restores `state` rows and active alarms, then primes the entity cache by observing
 * the hub's current entities with `changed: []` (which feeds the cache without evaluating rules).
 * @example const engine = new AlarmEngine({ rules, policies, silences: [] }); engine.observe(reading)
 */
export class AlarmEngine implements AlarmEngineApi {
  private rules: CompiledRule[] = [];
  private rulesByType = new Map<string, CompiledRule[]>();
  private policies!: CompiledPolicies;
  private silences: Silence[] = [];
  private changedAttrs = new Set<string>();

  private readonly ruleStates = new Map<string, RuleState>();
  private readonly groups = new Map<string, HeldGroup>();
  private readonly dirty = new Set<string>();
  /** State keys with a `for` or `clearFor` deadline to check on advance. */
  private readonly pending = new Map<string, number>();
  /**
   * Absence deadlines in buckets of a minute (bucket number → state keys): a reading moves its entity's key to a later
   * bucket, `advance` opens only the buckets that came due — never a scan of every watched entity.
   */
  private readonly silenceBuckets = new Map<number, Set<string>>();
  private readonly bucketOf = new Map<string, number>();
  /** How many absence deadlines `advance` has looked at in all (its cost: stays flat while every watched entity is fresh). */
  #silencesExamined = 0;
  /** Inhibiting alarm id → absence state keys whose signal it suppressed (released when it clears). */
  private readonly inhibitedSilences = new Map<string, Set<string>>();

  private readonly active = new Map<string, AlarmState>();
  /** The active alarms by type: inhibition and grouping look only at their source types (a city has tens of thousands of deviceOffline alarms, few outages). */
  private readonly activeByType = new Map<string, Set<AlarmState>>();
  private readonly byId = new Map<string, AlarmState>();
  /** Active corroborated alarms whose policy clears them after a quiet period. */
  private readonly quietClearing = new Set<AlarmState>();

  private readonly cache = new Map<string, Attrs>();
  private readonly types = new Map<string, string>();
  private readonly changedAt = new Map<string, Map<string, number>>();
  private readonly grid = new Map<string, Map<string, Set<string>>>();
  private readonly cellOf = new Map<string, string>();
  private readonly gridVersion = new Map<string, number>();
  private readonly nearestCache = new Map<string, { version: number; id: string | undefined }>();

  private now = Number.NEGATIVE_INFINITY;

  constructor(options: EngineOptions) {
    this.configure({ rules: options.rules, policies: options.policies, silences: options.silences });
    for (const row of options.state ?? []) {
      if (row.value === null) continue;
      if (row.key.startsWith('r|')) this.ruleStates.set(row.key, row.value as RuleState);
      else if (row.key.startsWith('g|')) this.groups.set(row.key, row.value as HeldGroup);
      else if (row.key === 'clock') this.now = row.value as number;
    }
    for (const [key, s] of this.ruleStates) this.schedulePending(key, s);
    for (const a of options.activeAlarms ?? []) {
      if (a.status !== 'active') continue;
      this.track(a);
      if (a.policyId) this.quietClearing.add(a);
    }
    // silences held back by an inhibitor: still held while it is active, released (after the grace) if it cleared meanwhile
    for (const [key, s] of this.ruleStates) {
      if (s.inhibitedBy === undefined) continue;
      if (this.byId.has(s.inhibitedBy)) this.noteInhibited(s.inhibitedBy, key);
      else this.release(key, s, Number.isFinite(this.now) ? this.now : (s.seen ?? 0));
    }
  }

  configure(update: Partial<Pick<EngineOptions, 'rules' | 'policies' | 'silences'>>): void {
    if (update.rules) {
      const before = new Map(this.rules.map((r) => [r.rule.id, JSON.stringify(r.rule)]));
      this.rules = update.rules.filter((r) => r.enabled).map(compileRule);
      this.rulesByType = new Map();
      for (const r of this.rules) {
        const list = this.rulesByType.get(r.rule.entityType) ?? [];
        list.push(r);
        this.rulesByType.set(r.rule.entityType, list);
      }
      // a changed or removed rule starts over; unchanged rules keep their state
      const now = new Map(this.rules.map((r) => [r.rule.id, JSON.stringify(r.rule)]));
      for (const key of [...this.ruleStates.keys()]) {
        const ruleId = key.split('|')[1] as string;
        if (before.size > 0 && before.get(ruleId) === now.get(ruleId)) continue;
        if (before.size === 0 && now.has(ruleId)) continue;
        this.ruleStates.delete(key);
        this.pending.delete(key);
        this.dirty.add(key);
      }
    }
    if (update.policies) this.policies = compilePolicies(update.policies);
    if (update.silences) this.silences = update.silences;
    this.changedAttrs = new Set(this.policies?.changedAttrs ?? []);
    for (const r of this.rules) for (const e of [r.condition, r.clear, r.armedWhen]) if (e) changedRefs(e, this.changedAttrs);
  }

  observe(reading: Reading): Decision[] {
    const decisions: Decision[] = [];
    if (reading.at > this.now) this.runDue(reading.at, decisions);
    this.remember(reading);
    if (reading.changed.length === 0) return decisions;
    const rules = this.rulesByType.get(reading.type);
    if (!rules) return decisions;
    for (const r of rules) {
      if (r.silentMs > 0) {
        // absence rules hear any change of the entity
        if (!r.where || r.where(reading.attrs)) this.heard(r, reading, decisions);
        continue;
      }
      let listens = false;
      for (const c of reading.changed) {
        if (r.listens.has(c)) {
          listens = true;
          break;
        }
      }
      if (!listens) continue;
      if (r.where && !r.where(reading.attrs)) continue;
      this.evaluate(r, reading, decisions);
    }
    return decisions;
  }

  advance(at: number): Decision[] {
    const decisions: Decision[] = [];
    this.runDue(at, decisions);
    return decisions;
  }

  clearAlarm(alarmId: string, at: number): AlarmState | undefined {
    const alarm = this.byId.get(alarmId);
    if (alarm?.status !== 'active') return undefined;
    this.finish(alarm, at);
    return alarm;
  }

  drainState(): StateRow[] {
    const rows: StateRow[] = [];
    for (const key of this.dirty) rows.push({ key, value: (key.startsWith('r|') ? this.ruleStates.get(key) : this.groups.get(key)) ?? null });
    this.dirty.clear();
    if (rows.length > 0 && Number.isFinite(this.now)) rows.push({ key: 'clock', value: this.now });
    return rows;
  }

  /** Absence deadlines looked at by `advance` so far (a cost measure for tests and diagnostics). */
  get silencesExamined(): number {
    return this.#silencesExamined;
  }

  activeAlarms(): AlarmState[] {
    return [...this.active.values()];
  }

  // ---- the entity cache (context for hops and nearest) ----

  private remember(reading: Reading): void {
    const prev = this.cache.get(reading.id);
    this.cache.set(reading.id, reading.attrs);
    this.types.set(reading.id, reading.type);
    if (prev && this.changedAttrs.size > 0) {
      for (const a of reading.changed) {
        if (!this.changedAttrs.has(a) || prev[a] === reading.attrs[a]) continue;
        let m = this.changedAt.get(reading.id);
        if (!m) {
          m = new Map();
          this.changedAt.set(reading.id, m);
        }
        m.set(a, reading.at);
      }
    }
    const p = pointOf(reading.attrs['location']);
    if (p) {
      const cell = `${Math.floor(p.coordinates[0] / GRID)},${Math.floor(p.coordinates[1] / GRID)}`;
      const old = this.cellOf.get(reading.id);
      if (old !== cell) {
        let g = this.grid.get(reading.type);
        if (!g) {
          g = new Map();
          this.grid.set(reading.type, g);
        }
        if (old) g.get(old)?.delete(reading.id);
        let set = g.get(cell);
        if (!set) {
          set = new Set();
          g.set(cell, set);
        }
        set.add(reading.id);
        this.cellOf.set(reading.id, cell);
        this.gridVersion.set(reading.type, (this.gridVersion.get(reading.type) ?? 0) + 1);
      }
    }
  }

  private nearestId(fromId: string, from: [number, number], type: string): string | undefined {
    const version = this.gridVersion.get(type) ?? 0;
    const key = `${fromId}|${type}`;
    const hit = this.nearestCache.get(key);
    if (hit && hit.version === version) return hit.id;
    const g = this.grid.get(type);
    let best: string | undefined;
    if (g) {
      const cx = Math.floor(from[0] / GRID);
      const cy = Math.floor(from[1] / GRID);
      let bestD = Number.POSITIVE_INFINITY;
      // rings of cells outwards; one more ring after the first hit, since a corner of the next ring may be nearer
      let stopAt = 40;
      for (let r = 0; r <= stopAt; r++) {
        for (let dx = -r; dx <= r; dx++) {
          for (let dy = -r; dy <= r; dy++) {
            if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
            const set = g.get(`${cx + dx},${cy + dy}`);
            if (!set) continue;
            for (const id of set) {
              const p = pointOf(this.cache.get(id)?.['location']);
              if (!p) continue;
              const d = haversineMetres(from, p.coordinates);
              if (d < bestD) {
                bestD = d;
                best = id;
              }
            }
          }
        }
        if (best !== undefined && stopAt === 40) stopAt = r + 1;
      }
    }
    this.nearestCache.set(key, { version, id: best });
    return best;
  }

  private context(entityId: string, attrs: Attrs, now: number, samples?: RuleState['samples']): EvalContext {
    return {
      now,
      attrs,
      entityId,
      entity: (id) => this.cache.get(id),
      nearest: (type) => {
        const p = pointOf(attrs['location']);
        if (!p) return undefined;
        const id = this.nearestId(entityId, p.coordinates, type);
        return id ? this.cache.get(id) : undefined;
      },
      samples: (attr) => samples?.[attr],
      changedAt: (id, attr) => this.changedAt.get(id)?.get(attr),
    };
  }

  // ---- detection rules ----

  private armed(r: CompiledRule, ctx: EvalContext, at: number): boolean {
    if (r.windows) {
      const local = at + zoneOffset(r.timezone, at);
      const dayNo = Math.floor(local / 86_400_000);
      const minute = Math.floor((local - dayNo * 86_400_000) / 60_000);
      const weekday = (d: number) => ((((d + 3) % 7) + 7) % 7) + 1;
      const inside = r.windows.some((w) => {
        if (w.from < w.to) return minute >= w.from && minute < w.to && (!w.days || w.days.has(weekday(dayNo)));
        // a window passing midnight belongs to the day it starts
        if (minute >= w.from) return !w.days || w.days.has(weekday(dayNo));
        return minute < w.to && (!w.days || w.days.has(weekday(dayNo - 1)));
      });
      if (!inside) return false;
    }
    return r.armedWhen ? test(r.armedWhen, ctx) : true;
  }

  private evaluate(r: CompiledRule, reading: Reading, decisions: Decision[]): void {
    const key = `r|${r.rule.id}|${reading.id}`;
    let state = this.ruleStates.get(key);
    const before = state ? JSON.stringify(state) : undefined;
    if (!state) state = {};
    const at = reading.at;
    if (r.rateAttrs.size > 0) {
      state.samples ??= {};
      for (const [attr, windowMs] of r.rateAttrs) {
        const v = reading.attrs[attr];
        if (typeof v !== 'number' || !reading.changed.includes(attr)) continue;
        state.samples[attr] ??= [];
        const list = state.samples[attr];
        list.push([at, v]);
        while (list.length > 2 && (list[0] as [number, number])[0] < at - windowMs) list.shift();
      }
    }
    const ctx = this.context(reading.id, reading.attrs, at, state.samples);
    const armed = this.armed(r, ctx, at);
    const holds = armed && r.condition !== undefined && test(r.condition, ctx);
    let fire = false;
    if (r.repeat) {
      state.hist = `${state.hist ?? ''}${holds ? '1' : '0'}`.slice(-r.repeat.of);
      let n = 0;
      for (const c of state.hist) if (c === '1') n++;
      fire = holds && n >= r.repeat.atLeast;
    } else if (r.forMs > 0) {
      if (holds) {
        state.since ??= at;
        if (at - state.since >= r.forMs) {
          fire = true;
          state.fired = true;
          this.pending.delete(key);
        } else this.pending.set(key, state.since + r.forMs);
      } else {
        state.since = undefined;
        state.fired = undefined;
        this.pending.delete(key);
      }
    } else fire = holds;

    // clearing the alarm this rule raised on this entity
    const alarm = this.active.get(`${reading.id}|${r.rule.alarmType}`);
    if (alarm && alarm.ruleId === r.rule.id && !alarm.policyId) {
      const clearHolds = r.clear ? test(r.clear, ctx) : !holds;
      if (clearHolds && !fire) {
        state.clearSince ??= at;
        if (at - state.clearSince >= r.clearForMs) {
          state.clearSince = undefined;
          decisions.push({ kind: 'clear', alarm: this.finish(alarm, at), at });
        } else this.pending.set(key, state.clearSince + r.clearForMs);
      } else state.clearSince = undefined;
    } else state.clearSince = undefined;

    const empty = state.since === undefined && !state.hist && state.clearSince === undefined && !state.samples;
    if (empty) {
      if (before !== undefined) {
        this.ruleStates.delete(key);
        this.dirty.add(key);
      }
    } else {
      this.ruleStates.set(key, state);
      if (before !== JSON.stringify(state)) this.dirty.add(key);
    }
    if (fire) this.signal(r, reading.id, reading.type, reading.attrs, at, ctx, decisions);
  }

  // ---- absence detection (silentFor) ----

  /** A reading of an entity an absence rule watches: it is alive (its silence, if any, ends) and its deadline moves on. */
  private heard(r: CompiledRule, reading: Reading, decisions: Decision[]): void {
    const key = `r|${r.rule.id}|${reading.id}`;
    const state = this.ruleStates.get(key) ?? {};
    const at = reading.at;
    // a late reading older than the last one says nothing new about the device being alive now
    if (state.seen !== undefined && at < state.seen) return;
    state.seen = at;
    if (state.silent) {
      state.silent = undefined;
      this.unnoteInhibited(key, state);
      const alarm = this.active.get(`${reading.id}|${r.rule.alarmType}`);
      if (alarm && alarm.ruleId === r.rule.id) decisions.push({ kind: 'clear', alarm: this.finish(alarm, at), at });
    }
    // with a condition besides silentFor, only entities whose last reading met it are watched (e.g. not decommissioned)
    const watched = !r.condition || test(r.condition, this.context(reading.id, reading.attrs, at));
    state.next = watched ? at + r.silentMs : undefined;
    this.bucket(key, state.next);
    this.ruleStates.set(key, state);
    this.dirty.add(key);
  }

  /** Moves a state key to the bucket of its next deadline (or out of the buckets). O(1). */
  private bucket(key: string, next: number | undefined): void {
    const b = next === undefined ? undefined : Math.floor(next / SILENCE_BUCKET_MS);
    const old = this.bucketOf.get(key);
    if (old === b) return;
    if (old !== undefined) {
      const set = this.silenceBuckets.get(old);
      set?.delete(key);
      if (set?.size === 0) this.silenceBuckets.delete(old);
    }
    if (b === undefined) {
      this.bucketOf.delete(key);
      return;
    }
    let set = this.silenceBuckets.get(b);
    if (!set) {
      set = new Set();
      this.silenceBuckets.set(b, set);
    }
    set.add(key);
    this.bucketOf.set(key, b);
  }

  /** Signals the silences that came due by `at`: only the buckets up to `at` are opened (about silentFor / 1 min of them). */
  private runSilences(at: number, decisions: Decision[]): void {
    if (this.silenceBuckets.size === 0) return;
    const last = Math.floor(at / SILENCE_BUCKET_MS);
    const due: [number, string][] = [];
    for (const [b, keys] of this.silenceBuckets) {
      if (b > last) continue;
      for (const key of keys) {
        this.#silencesExamined++;
        const next = this.ruleStates.get(key)?.next;
        if (next === undefined) this.bucket(key, undefined);
        else if (next <= at) due.push([next, key]);
      }
    }
    due.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (const [deadline, key] of due) {
      const state = this.ruleStates.get(key) as RuleState;
      const [, ruleId, entityId] = key.split('|') as [string, string, string];
      const r = this.rules.find((x) => x.rule.id === ruleId);
      if (!r || r.silentMs === 0 || state.seen === undefined) {
        state.next = undefined;
        this.bucket(key, undefined);
        continue;
      }
      const attrs = this.cache.get(entityId) ?? {};
      const ctx = this.context(entityId, attrs, deadline);
      this.dirty.add(key);
      if (!this.armed(r, ctx, deadline)) {
        // outside the rule's schedule: look again in a minute (the silence still counts from the last reading)
        state.next = Math.max(deadline, at) + SILENCE_BUCKET_MS;
        this.bucket(key, state.next);
        continue;
      }
      state.next = undefined;
      state.silent = true;
      this.bucket(key, undefined);
      const evidence = { lastSeen: new Date(state.seen).toISOString(), silentForMs: deadline - state.seen };
      const before = decisions.length;
      this.signal(r, entityId, this.types.get(entityId) ?? r.rule.entityType, attrs, deadline, ctx, decisions, evidence);
      const out = decisions[decisions.length - 1];
      if (decisions.length > before && out?.kind === 'suppress' && out.reason.code === 'inhibited' && typeof out.reason.details?.['by'] === 'string') {
        state.inhibitedBy = out.reason.details['by'] as string;
        state.releaseMs = this.policies.inhibit.find((p) => p.policy.id === out.reason.policyId)?.releaseMs;
        this.noteInhibited(state.inhibitedBy, key);
      }
    }
  }

  private noteInhibited(alarmId: string, key: string): void {
    let set = this.inhibitedSilences.get(alarmId);
    if (!set) {
      set = new Set();
      this.inhibitedSilences.set(alarmId, set);
    }
    set.add(key);
  }

  private unnoteInhibited(key: string, state: RuleState): void {
    if (state.inhibitedBy === undefined) return;
    const set = this.inhibitedSilences.get(state.inhibitedBy);
    set?.delete(key);
    if (set?.size === 0) this.inhibitedSilences.delete(state.inhibitedBy);
    state.inhibitedBy = undefined;
    state.releaseMs = undefined;
  }

  /** The inhibitor cleared: the silence it held back is checked again after the grace and raises if it goes on. */
  private release(key: string, state: RuleState, at: number): void {
    const grace = state.releaseMs ?? DEFAULT_RELEASE_MS;
    state.inhibitedBy = undefined;
    state.releaseMs = undefined;
    state.silent = undefined;
    state.next = at + grace;
    this.bucket(key, state.next);
    this.dirty.add(key);
  }

  private schedulePending(key: string, s: RuleState): void {
    const ruleId = key.split('|')[1];
    const r = this.rules.find((x) => x.rule.id === ruleId);
    if (!r) return;
    if (r.silentMs > 0) {
      if (s.next !== undefined) this.bucket(key, s.next);
      return;
    }
    if (s.since !== undefined && !s.fired && r.forMs > 0) this.pending.set(key, s.since + r.forMs);
    if (s.clearSince !== undefined) this.pending.set(key, Math.min(this.pending.get(key) ?? Number.POSITIVE_INFINITY, s.clearSince + r.clearForMs));
  }

  /** Fires what comes due up to `at`: `for` durations, `clearFor`, corroboration windows. */
  private runDue(at: number, decisions: Decision[]): void {
    if (at <= this.now) return;
    this.now = at;
    this.runSilences(at, decisions);
    for (const [key, deadline] of this.pending) {
      if (deadline > at) continue;
      this.pending.delete(key);
      const [, ruleId, entityId] = key.split('|') as [string, string, string];
      const r = this.rules.find((x) => x.rule.id === ruleId);
      const state = this.ruleStates.get(key);
      const attrs = this.cache.get(entityId);
      if (!r || !state || !attrs) continue;
      const ctx = this.context(entityId, attrs, deadline, state.samples);
      if (state.since !== undefined && !state.fired && deadline >= state.since + r.forMs) {
        state.fired = true;
        this.dirty.add(key);
        this.signal(r, entityId, this.types.get(entityId) ?? r.rule.entityType, attrs, deadline, ctx, decisions);
      }
      if (state.clearSince !== undefined && deadline >= state.clearSince + r.clearForMs) {
        const alarm = this.active.get(`${entityId}|${r.rule.alarmType}`);
        state.clearSince = undefined;
        this.dirty.add(key);
        if (alarm && alarm.ruleId === r.rule.id) decisions.push({ kind: 'clear', alarm: this.finish(alarm, deadline), at: deadline });
      }
    }
    if (this.groups.size === 0 && this.quietClearing.size === 0) return;
    const expired: [string, HeldGroup][] = [];
    for (const entry of this.groups) if (entry[1].expires <= at) expired.push(entry);
    expired.sort((a, b) => a[1].expires - b[1].expires);
    for (const [key, g] of expired) {
      this.dirty.add(key);
      // each held signal has its own window: the old ones expire, the recent ones stay held
      const withinMs = this.policies.corroborate.find((c) => c.policy.id === g.policyId)?.withinMs ?? 0;
      const keep: number[] = [];
      g.signals.forEach((s, i) => {
        if (s.at + withinMs > at) {
          keep.push(i);
          return;
        }
        const expiresAt = s.at + withinMs;
        const reason = g.reasons[i] ?? {
          code: 'uncorroborated',
          policyId: g.policyId,
          zh: '单一传感器触发，时间窗口内无其他类型传感器佐证',
          en: 'a lone trigger: no other kind of sensor confirmed it within the window',
          details: { group: g.key, signals: g.signals.length },
        };
        decisions.push({ kind: 'suppress', signal: s, reason, at: expiresAt });
      });
      if (keep.length === 0) this.groups.delete(key);
      else {
        g.signals = keep.map((i) => g.signals[i] as Signal);
        g.reasons = keep.map((i) => g.reasons[i] ?? null);
        g.expires = Math.min(...g.signals.map((s) => s.at + withinMs));
      }
    }
    // corroborated alarms that stayed quiet long enough clear themselves
    for (const alarm of this.quietClearing) {
      const after = this.policies.corroborate.find((c) => c.policy.id === alarm.policyId)?.clearAfterMs;
      if (alarm.status !== 'active') {
        this.quietClearing.delete(alarm);
        continue;
      }
      if (after === undefined || alarm.lastSeen + after > at) continue;
      this.quietClearing.delete(alarm);
      decisions.push({ kind: 'clear', alarm: this.finish(alarm, alarm.lastSeen + after), at: alarm.lastSeen + after });
    }
  }

  // ---- signals through the noise policies ----

  private signal(r: CompiledRule, entityId: string, entityType: string, attrs: Attrs, at: number, ctx: EvalContext, decisions: Decision[], figures?: Record<string, unknown>): void {
    const location = pointOf(attrs['location']);
    const district = typeof attrs['district'] === 'string' ? attrs['district'] : undefined;
    const evidence: Record<string, unknown> = figures ?? (r.condition ? figuresOf(r.condition, ctx) : {});
    const signal: Signal = {
      id: `${r.rule.id}|${entityId}|${at}`,
      ruleId: r.rule.id,
      alarmType: r.rule.alarmType,
      category: r.rule.category,
      severity: r.rule.severity,
      originator: entityId,
      originatorType: entityType,
      at,
      ...(location ? { location } : {}),
      ...(district ? { district } : {}),
      evidence,
    };
    const stop = this.silenced(signal.alarmType, signal.originator, signal.originatorType, signal.district, at) ?? this.inhibited(signal.alarmType, signal.location, signal.district);
    if (stop) {
      decisions.push({ kind: 'suppress', signal, reason: stop, at });
      return;
    }
    const held = this.policies.holds.get(signal.alarmType);
    const matched = this.suppressReason(signal, ctx);
    if (held) {
      this.hold(held, signal, attrs, matched ?? null, at, decisions);
      return;
    }
    if (matched) {
      decisions.push({ kind: 'suppress', signal, reason: matched, at });
      return;
    }
    this.raiseOrRepeat(
      { originator: entityId, originatorType: entityType, alarmType: r.rule.alarmType, category: r.rule.category, severity: r.rule.severity, ruleId: r.rule.id, location, district, description: r.description },
      [signal],
      at,
      decisions,
    );
  }

  private suppressReason(signal: Signal, ctx: EvalContext): SuppressionReason | undefined {
    for (const p of this.policies.suppress) {
      if (!p.input.signalTypes.includes(signal.alarmType)) continue;
      if (test(p.condition, ctx)) return { code: 'condition', policyId: p.policy.id, zh: p.input.reason.zh, en: p.input.reason.en, details: figuresOf(p.condition, ctx) };
    }
    return undefined;
  }

  private silenced(alarmType: string, originator: string, entityType: string, district: string | undefined, at: number): SuppressionReason | undefined {
    for (const s of this.silences) {
      if (at < Date.parse(s.from) || at >= Date.parse(s.to)) continue;
      const m = s.matchers;
      if (m.alarmType && m.alarmType !== alarmType) continue;
      if (m.originator && m.originator !== originator) continue;
      if (m.entityType && m.entityType !== entityType) continue;
      if (m.district && m.district !== district) continue;
      return s.kind === 'maintenance'
        ? { code: 'maintenance', zh: `维护窗口：${s.reason}`, en: `maintenance window: ${s.reason}`, details: { silenceId: s.id, to: s.to } }
        : { code: 'silenced', zh: `已静默：${s.reason}`, en: `silenced: ${s.reason}`, details: { silenceId: s.id, to: s.to } };
    }
    return undefined;
  }

  private inhibited(alarmType: string, location: Point | undefined, district: string | undefined): SuppressionReason | undefined {
    for (const p of this.policies.inhibit) {
      if (!p.input.targets.includes(alarmType)) continue;
      for (const a of this.activeOf(p.input.source)) {
        const scope = p.input.scope;
        if (scope === 'district') {
          if (district === undefined || a.district !== district) continue;
          return {
            code: 'inhibited',
            policyId: p.policy.id,
            zh: `被同区的${a.alarmType}告警（${a.originator}）抑制（${p.policy.name.zh}）`,
            en: `inhibited by the active ${a.alarmType} alarm of ${a.originator} in the same district (${p.policy.name.en})`,
            details: { by: a.id, alarmType: a.alarmType, originator: a.originator, district },
          };
        }
        if (!location || !a.location) continue;
        // the radius: fixed, or read from the source's entity (a power outage's area), the fixed one as a fallback
        const fromEntity = 'radiusFrom' in scope ? this.cache.get(a.originator)?.[scope.radiusFrom] : undefined;
        const radiusM = typeof fromEntity === 'number' && fromEntity > 0 ? fromEntity : scope.radiusM;
        if (radiusM === undefined) continue;
        const distanceM = Math.round(haversineMetres(location.coordinates, a.location.coordinates));
        if (distanceM > radiusM) continue;
        return {
          code: 'inhibited',
          policyId: p.policy.id,
          zh: `被${a.alarmType}告警（${a.originator}）抑制：距其中心 ${distanceM} 米，影响半径 ${radiusM} 米（${p.policy.name.zh}）`,
          en: `inhibited by the active ${a.alarmType} alarm of ${a.originator}: ${distanceM} m from its centre, within its ${radiusM} m radius (${p.policy.name.en})`,
          details: { by: a.id, alarmType: a.alarmType, originator: a.originator, distanceM, radiusM },
        };
      }
    }
    return undefined;
  }

  private hold(p: CorroboratePolicy & { policyId: string }, signal: Signal, attrs: Attrs, reason: SuppressionReason | null, at: number, decisions: Decision[]): void {
    const groupKey = attrs[p.sameAs];
    if (typeof groupKey !== 'string') {
      decisions.push({ kind: 'suppress', signal, reason: reason ?? { code: 'uncorroborated', policyId: p.policyId, zh: `缺少分组属性 ${p.sameAs}，无法佐证`, en: `no ${p.sameAs} to corroborate by` }, at });
      return;
    }
    // a confirmed alarm in the group: the signal joins it
    const existing = this.active.get(`${groupKey}|${p.raise.alarmType}`);
    if (existing) {
      this.raiseOrRepeat({ ...this.policyAlarmBase(p, groupKey, signal) }, [signal], at, decisions);
      return;
    }
    const key = `g|${p.policyId}|${groupKey}`;
    let g = this.groups.get(key);
    if (!g) {
      g = { policyId: p.policyId, key: groupKey, expires: at + (parseDuration(p.within) ?? 0), signals: [], reasons: [] };
      this.groups.set(key, g);
    }
    g.signals.push(signal);
    g.reasons.push(reason);
    this.dirty.add(key);
    if (!corroborated(g.signals, p)) return;
    this.groups.delete(key);
    const compiled = this.policies.corroborate.find((c) => c.policy.id === p.policyId);
    const first = g.signals[0] as Signal;
    if (compiled?.expected) {
      const firstAttrs = this.cache.get(first.originator) ?? attrs;
      const ctx = this.context(first.originator, firstAttrs, at);
      if (test(compiled.expected, ctx)) {
        const why = p.expectedReason ?? { zh: '预期活动', en: 'expected activity' };
        for (const s of g.signals) decisions.push({ kind: 'suppress', signal: s, reason: { code: 'expectedActivity', policyId: p.policyId, zh: why.zh, en: why.en, details: figuresOf(compiled.expected, ctx) }, at });
        return;
      }
    }
    const base = this.policyAlarmBase(p, groupKey, first);
    const stop = this.silenced(base.alarmType, groupKey, base.originatorType, base.district, at) ?? this.inhibited(base.alarmType, base.location, base.district);
    if (stop) {
      for (const s of g.signals) decisions.push({ kind: 'suppress', signal: s, reason: stop, at });
      return;
    }
    this.raiseOrRepeat(base, g.signals, at, decisions);
  }

  private policyAlarmBase(p: CorroboratePolicy & { policyId: string }, groupKey: string, signal: Signal) {
    const target = this.cache.get(groupKey);
    const location = pointOf(target?.['location']) ?? signal.location;
    const district = typeof target?.['district'] === 'string' ? (target['district'] as string) : signal.district;
    const name = typeof p.name === 'string' ? { zh: p.name, en: p.name } : p.name;
    return {
      originator: groupKey,
      originatorType: this.types.get(groupKey) ?? 'Entity',
      alarmType: p.raise.alarmType,
      category: p.raise.category,
      severity: p.raise.severity,
      ruleId: signal.ruleId,
      policyId: p.policyId,
      location,
      district,
      description: name,
    };
  }

  private raiseOrRepeat(
    base: { originator: string; originatorType: string; alarmType: string; category: string; severity: Severity; ruleId: string; policyId?: string; location?: Point; district?: string; description: Bilingual },
    signals: Signal[],
    at: number,
    decisions: Decision[],
  ): void {
    const key = `${base.originator}|${base.alarmType}`;
    const existing = this.active.get(key);
    if (existing) {
      existing.count += signals.length;
      existing.lastSeen = Math.max(existing.lastSeen, at);
      existing.evidence = [...existing.evidence, ...signals].slice(-EVIDENCE_LIMIT);
      decisions.push({ kind: 'repeat', alarm: existing, at });
      return;
    }
    const alarm: AlarmState = {
      id: `alarm-${hash(`${base.originator}|${base.alarmType}`)}-${at.toString(36)}`,
      originator: base.originator,
      originatorType: base.originatorType,
      alarmType: base.alarmType,
      category: base.category,
      severity: base.severity,
      ruleId: base.ruleId,
      ...(base.policyId ? { policyId: base.policyId } : {}),
      status: 'active',
      count: signals.length,
      firstSeen: at,
      lastSeen: at,
      ...(base.location ? { location: base.location } : {}),
      ...(base.district ? { district: base.district } : {}),
      evidence: signals.slice(-EVIDENCE_LIMIT),
      description: base.description,
    };
    this.track(alarm);
    if (alarm.policyId) this.quietClearing.add(alarm);
    decisions.push({ kind: 'raise', alarm, at });
    this.situate(alarm, at, decisions);
  }

  /** Grouping: enough alarms of the listed types close in space and time become one situation. */
  private situate(alarm: AlarmState, at: number, decisions: Decision[]): void {
    if (!alarm.location) return;
    for (const p of this.policies.group) {
      if (!p.input.alarmTypes.includes(alarm.alarmType)) continue;
      const members = [...this.activeOf(p.input.alarmTypes)].filter(
        (a) => a.lastSeen >= at - p.withinMs && a.location && haversineMetres(a.location.coordinates, (alarm.location as Point).coordinates) <= p.input.radiusM,
      );
      if (members.length < p.input.minCount) continue;
      const situationId = members.find((m) => m.situationId)?.situationId ?? `situation-${alarm.id}`;
      for (const m of members) m.situationId = situationId;
      decisions.push({ kind: 'situation', situationId, alarmIds: members.map((m) => m.id), at, location: alarm.location, ...(alarm.district ? { district: alarm.district } : {}) });
      return;
    }
  }

  private track(alarm: AlarmState): void {
    const key = `${alarm.originator}|${alarm.alarmType}`;
    const replaced = this.active.get(key);
    if (replaced) this.activeByType.get(replaced.alarmType)?.delete(replaced);
    this.active.set(key, alarm);
    this.byId.set(alarm.id, alarm);
    let ofType = this.activeByType.get(alarm.alarmType);
    if (!ofType) {
      ofType = new Set();
      this.activeByType.set(alarm.alarmType, ofType);
    }
    ofType.add(alarm);
  }

  /** The active alarms of the given types. */
  private *activeOf(types: readonly string[]): Iterable<AlarmState> {
    for (const type of types) yield* this.activeByType.get(type) ?? [];
  }

  private finish(alarm: AlarmState, at: number): AlarmState {
    alarm.status = 'cleared';
    alarm.clearedAt = at;
    this.active.delete(`${alarm.originator}|${alarm.alarmType}`);
    this.activeByType.get(alarm.alarmType)?.delete(alarm);
    this.byId.delete(alarm.id);
    const held = this.inhibitedSilences.get(alarm.id);
    if (held) {
      this.inhibitedSilences.delete(alarm.id);
      for (const key of held) {
        const state = this.ruleStates.get(key);
        if (state?.inhibitedBy === alarm.id) this.release(key, state, at);
      }
    }
    return alarm;
  }
}

/** Two different signal types in the group (in the policy's order when `ordered`: an earlier type before a later one). */
function corroborated(signals: Signal[], p: CorroboratePolicy): boolean {
  const kinds = new Set(signals.map((s) => s.alarmType));
  if (kinds.size < 2) return false;
  if (!p.ordered) return true;
  const rank = (s: Signal) => p.signalTypes.indexOf(s.alarmType);
  return signals.some((a) => signals.some((b) => rank(a) < rank(b) && a.at <= b.at));
}

/** The attributes read through changed(…): the engine tracks when their values last changed. */
function changedRefs(e: Expr, out: Set<string>): void {
  if (e.kind === 'changed') out.add(e.ref.attr);
  else if (e.kind === 'and' || e.kind === 'or') for (const o of e.operands) changedRefs(o, out);
  else if (e.kind === 'not') changedRefs(e.operand, out);
}
