/**
 * Validation of rules, noise policies and silences as they come over the API: every problem is listed with its path
 * and a message that says what to fix (the expression's column, the unknown attribute and the known ones, the
 * impossible schedule). Also the `where` adapter: the hub's NGSI-LD q parser and evaluator applied to keyValues.
 */
import { type AttrsTest, compileQ } from '../../context/query/q-eval.ts';
import { parseQ, type QExpression } from '../../context/query/q.ts';
import { qAttributes } from '../../context/query/q-sql.ts';
import { type Expr, ExpressionError, parseDuration, parseExpression, referencesOf } from './expression.ts';
import {
  type AlarmRule,
  type AlarmRuleInput,
  type Bilingual,
  type KnownAttributes,
  type NoisePolicy,
  type NoisePolicyInput,
  type RuleError,
  SEVERITIES,
  type Severity,
  type Silence,
  type SilenceInput,
} from './model.ts';

const COMMON = ['id', 'type', 'location', 'district', 'name', 'dateObserved'];

/** The simulator's entity types and attributes (src/sim/CONTRACT.md), so rules validate before the hub has entities. */
export const KNOWN_SHAPES: Record<string, readonly string[]> = {
  RoadSegment: ['roadClass', 'totalLaneNumber', 'maximumAllowedSpeed', 'capacity', 'length'],
  TrafficFlowObserved: ['refRoadSegment', 'intensity', 'averageVehicleSpeed', 'occupancy', 'congestionIndex', 'congested'],
  AirQualityObserved: ['pm25', 'pm10', 'no2', 'o3', 'so2', 'co', 'temperature', 'relativeHumidity', 'alarmThreshold'],
  NoiseLevelObserved: ['LAeq', 'LAmax'],
  OffStreetParking: ['totalSpotNumber', 'availableSpotNumber', 'occupancyRate', 'category'],
  WeatherObserved: ['temperature', 'relativeHumidity', 'precipitation', 'windSpeed', 'windDirection'],
  Hospital: ['totalBeds', 'availableBeds', 'bedOccupancy', 'emergencyWaiting', 'emergencyLoad'],
  Building: ['category', 'occupancyState'],
  SecuritySensor: ['refBuilding', 'sensorKind', 'state', 'triggeredAt', 'value'],
  EmergencyVehicle: ['vehicleKind', 'status', 'station', 'refIncident'],
  PublicOpinionPost: ['text', 'topic', 'sentiment', 'publishedAt'],
  RoadAccident: ['refRoadSegment', 'status', 'accidentDate'],
  PowerOutage: ['status', 'radius', 'startedAt', 'restoredAt', 'affectedDevices'],
};

/** `KnownAttributes` over the simulator's shapes. */
export const knownShapes: KnownAttributes = {
  of(entityType) {
    const attrs = KNOWN_SHAPES[entityType];
    return attrs ? new Set([...COMMON, ...attrs]) : undefined;
  },
};

/** Known attributes from several sources (the hub's types, then the known shapes): the union per type. */
export function combineKnown(...sources: KnownAttributes[]): KnownAttributes {
  return {
    of(entityType) {
      let out: Set<string> | undefined;
      for (const s of sources) {
        const a = s.of(entityType);
        if (a) out = new Set([...(out ?? []), ...a]);
      }
      return out;
    },
  };
}

// ---- where: the hub's q on keyValues ----

const IDENTITY_TERMS = { expand: (term: string) => term };

/** keyValues → the stored attribute shape compileQ reads (one default instance per attribute). */
function asStored(attrs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    const geo = typeof v === 'object' && v !== null && 'type' in v && 'coordinates' in v;
    out[k] = [{ type: geo ? 'GeoProperty' : 'Property', value: v }];
  }
  return out;
}

/** Compiles a `where` (NGSI-LD q) into a test on keyValues; throws the hub's error when the text is not valid q. */
export function compileWhere(text: string): { test: AttrsTest; attributes: string[]; expr: QExpression } {
  const expr = parseQ(text);
  const compiled = compileQ(expr, IDENTITY_TERMS);
  // only the attributes the q names are converted: a where reads one or two attributes of a wide entity
  const attributes = qAttributes(expr);
  return {
    expr,
    attributes,
    test: (attrs) => {
      const picked: Record<string, unknown> = {};
      for (const a of attributes) if (Object.hasOwn(attrs, a)) picked[a] = attrs[a];
      return compiled(asStored(picked) as Record<string, unknown>);
    },
  };
}

// ---- shared checks ----

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function bilingual(v: unknown, path: string, errors: RuleError[], required: boolean): Bilingual | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v === 'string' && v.trim()) return { zh: v, en: v };
  if (isObject(v) && typeof v['zh'] === 'string' && typeof v['en'] === 'string' && (v['zh'] || v['en'])) return { zh: v['zh'] || (v['en'] as string), en: v['en'] || (v['zh'] as string) };
  errors.push({ path, message: 'expected a non-empty string or { "zh": "…", "en": "…" }' });
  return undefined;
}

function text(v: unknown, path: string, errors: RuleError[], what: string): string | undefined {
  if (typeof v === 'string' && v.trim()) return v;
  errors.push({ path, message: `${what} is required (a non-empty string)` });
  return undefined;
}

function duration(v: unknown, path: string, errors: RuleError[]): number | undefined {
  if (v === undefined) return undefined;
  const ms = typeof v === 'string' ? parseDuration(v) : undefined;
  if (ms === undefined) errors.push({ path, message: `expected an ISO 8601 duration such as "PT10M" or "PT1H", not ${JSON.stringify(v)}` });
  else if (ms <= 0) errors.push({ path, message: `the duration must be longer than zero (got ${JSON.stringify(v)})` });
  return ms;
}

function targetType(via: string): string | undefined {
  return /^ref[A-Z]/.test(via) ? via.slice(3) : undefined;
}

/** Parses an expression and checks its attribute names; pushes errors, returns the AST when it parsed. */
export function checkExpression(source: unknown, path: string, entityType: string, known: KnownAttributes, errors: RuleError[], what = path): Expr | undefined {
  if (typeof source !== 'string' || !source.trim()) {
    errors.push({ path, message: `${what} is required: an expression such as value >= 15` });
    return undefined;
  }
  let expr: Expr;
  try {
    expr = parseExpression(source);
  } catch (e) {
    if (e instanceof ExpressionError) {
      errors.push({ path, message: `${what}: at column ${e.column}: ${e.expected}` });
      return undefined;
    }
    throw e;
  }
  const own = known.of(entityType);
  for (const { ref, column } of referencesOf(expr)) {
    if (ref.kind === 'nearest') {
      const attrs = known.of(ref.entityType);
      if (attrs && !attrs.has(ref.attr)) errors.push({ path, message: `${what}: at column ${column}: unknown attribute '${ref.attr}' of ${ref.entityType}; known: ${[...attrs].sort().join(', ')}` });
      continue;
    }
    const first = ref.kind === 'own' ? ref.attr : ref.via;
    if (own && !own.has(first)) errors.push({ path, message: `${what}: at column ${column}: unknown attribute '${first}' of ${entityType}; known: ${[...own].sort().join(', ')}` });
    if (ref.kind === 'hop') {
      const t = targetType(ref.via);
      const attrs = t ? known.of(t) : undefined;
      if (attrs && !attrs.has(ref.attr)) errors.push({ path, message: `${what}: at column ${column}: unknown attribute '${ref.attr}' of ${t} (through ${ref.via}); known: ${[...attrs].sort().join(', ')}` });
    }
  }
  return expr;
}

const HHMM = /^([0-9]{1,2}):([0-9]{2})$/;

function validTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

let ruleCounter = 0;

/** Validates a rule input; every problem is listed with its path. */
export function parseRule(input: unknown, known: KnownAttributes): { rule: AlarmRule } | { errors: RuleError[] } {
  const errors: RuleError[] = [];
  if (!isObject(input)) return { errors: [{ path: '', message: 'expected a JSON object describing the rule' }] };
  const name = bilingual(input['name'], 'name', errors, true);
  const entityType = text(input['entityType'], 'entityType', errors, 'the entity type the rule watches (e.g. SecuritySensor)');
  const type = entityType ?? '';
  if (input['where'] !== undefined) {
    if (typeof input['where'] !== 'string') errors.push({ path: 'where', message: 'expected an NGSI-LD q text such as sensorKind=="smoke"' });
    else {
      try {
        const { attributes } = compileWhere(input['where']);
        const own = known.of(type);
        for (const a of attributes) if (own && !own.has(a)) errors.push({ path: 'where', message: `unknown attribute '${a}' of ${type}; known: ${[...own].sort().join(', ')}` });
      } catch (e) {
        errors.push({ path: 'where', message: (e as Error).message });
      }
    }
  }
  const silentFor = input['silentFor'];
  if (silentFor !== undefined) {
    // an absence rule says how long a silence must last: without a positive duration it would fire on every reading
    const ms = typeof silentFor === 'string' ? parseDuration(silentFor) : undefined;
    if (ms === undefined) errors.push({ path: 'silentFor', message: `expected an ISO 8601 duration such as "PT10M" (how long a device may stay silent), not ${JSON.stringify(silentFor)}` });
    else if (ms <= 0) errors.push({ path: 'silentFor', message: `silentFor must be longer than zero (got ${JSON.stringify(silentFor)})` });
    for (const k of ['clear', 'clearFor', 'for', 'repeat'])
      if (input[k] !== undefined) errors.push({ path: k, message: `${k} does not apply to an absence rule (silentFor): its alarm clears at the entity's next reading; leave ${k} out` });
  }
  if (input['condition'] === undefined && silentFor === undefined) {
    errors.push({ path: 'condition', message: 'a rule needs a condition (an expression such as value >= 15) or silentFor (an ISO 8601 duration such as "PT10M" for a device that stops reporting)' });
  } else if (input['condition'] !== undefined) checkExpression(input['condition'], 'condition', type, known, errors);
  duration(input['for'], 'for', errors);
  duration(input['clearFor'], 'clearFor', errors);
  if (input['clear'] !== undefined) {
    checkExpression(input['clear'], 'clear', type, known, errors);
    if (typeof input['clear'] === 'string' && typeof input['condition'] === 'string' && input['clear'].replace(/\s+/g, '') === input['condition'].replace(/\s+/g, '')) {
      errors.push({ path: 'clear', message: 'the clear expression is the same as the condition: the alarm would clear as soon as it is raised; use the opposite with a margin (e.g. value < 12 for value >= 15) or leave clear out' });
    }
  }
  const repeat = input['repeat'];
  if (repeat !== undefined) {
    if (!isObject(repeat)) errors.push({ path: 'repeat', message: 'expected { "atLeast": n, "of": m }' });
    else {
      const { atLeast, of } = repeat;
      if (!Number.isInteger(atLeast) || (atLeast as number) < 1) errors.push({ path: 'repeat.atLeast', message: 'expected a whole number ≥ 1' });
      if (!Number.isInteger(of) || (of as number) < 1 || (of as number) > 1000) errors.push({ path: 'repeat.of', message: 'expected a whole number from 1 to 1000' });
      if (Number.isInteger(atLeast) && Number.isInteger(of) && (atLeast as number) > (of as number)) errors.push({ path: 'repeat', message: `atLeast (${atLeast}) cannot exceed of (${of}): the rule could never fire` });
    }
  }
  const schedule = input['schedule'];
  if (schedule !== undefined) {
    if (!isObject(schedule)) errors.push({ path: 'schedule', message: 'expected { timezone?, windows?, armedWhen? }' });
    else {
      if (schedule['timezone'] !== undefined && (typeof schedule['timezone'] !== 'string' || !validTimezone(schedule['timezone'])))
        errors.push({ path: 'schedule.timezone', message: `unknown time zone ${JSON.stringify(schedule['timezone'])}; use an IANA name such as Asia/Shanghai` });
      const windows = schedule['windows'];
      if (windows !== undefined) {
        if (!Array.isArray(windows) || windows.length === 0) errors.push({ path: 'schedule.windows', message: 'expected a non-empty list of { days?, from: "HH:MM", to: "HH:MM" }' });
        else
          windows.forEach((w, i) => {
            const p = `schedule.windows[${i}]`;
            if (!isObject(w)) {
              errors.push({ path: p, message: 'expected { days?, from: "HH:MM", to: "HH:MM" }' });
              return;
            }
            const times: (number | undefined)[] = ['from', 'to'].map((k) => {
              const m = typeof w[k] === 'string' ? HHMM.exec(w[k] as string) : null;
              const h = m ? Number(m[1]) : Number.NaN;
              const min = m ? Number(m[2]) : Number.NaN;
              if (!m || h > 23 || min > 59) {
                errors.push({ path: `${p}.${k}`, message: `expected a local time "HH:MM" from 00:00 to 23:59, not ${JSON.stringify(w[k])}` });
                return undefined;
              }
              return h * 60 + min;
            });
            if (times[0] !== undefined && times[0] === times[1]) errors.push({ path: p, message: `from and to are both ${w['from']}: the window is empty; for all day leave windows out` });
            if (w['days'] !== undefined) {
              const days = w['days'];
              if (!Array.isArray(days) || days.length === 0) errors.push({ path: `${p}.days`, message: 'expected a non-empty list of days, 1 = Monday … 7 = Sunday (leave it out for every day)' });
              else
                days.forEach((d, j) => {
                  if (!Number.isInteger(d) || d < 1 || d > 7) errors.push({ path: `${p}.days[${j}]`, message: `expected a day from 1 (Monday) to 7 (Sunday), not ${JSON.stringify(d)}` });
                });
            }
          });
      }
      if (schedule['armedWhen'] !== undefined) checkExpression(schedule['armedWhen'], 'schedule.armedWhen', type, known, errors);
    }
  }
  const alarmType = text(input['alarmType'], 'alarmType', errors, 'alarmType (e.g. fire)');
  const category = text(input['category'], 'category', errors, 'category (security, fire, environment, traffic, device, health)');
  const severity = input['severity'];
  if (!SEVERITIES.includes(severity as Severity)) errors.push({ path: 'severity', message: `unknown severity ${JSON.stringify(severity)}; one of ${SEVERITIES.join(', ')}` });
  if (input['description'] !== undefined) bilingual(input['description'], 'description', errors, false);
  if (input['enabled'] !== undefined && typeof input['enabled'] !== 'boolean') errors.push({ path: 'enabled', message: 'expected true or false' });
  if (input['id'] !== undefined && (typeof input['id'] !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(input['id']))) errors.push({ path: 'id', message: 'expected letters, digits, _ . : - (at most 100)' });
  if (errors.length > 0) return { errors };
  const ruleInput = input as unknown as AlarmRuleInput;
  return {
    rule: {
      id: ruleInput.id ?? `rule-${++ruleCounter}`,
      name: name as Bilingual,
      enabled: ruleInput.enabled ?? true,
      entityType: entityType as string,
      ...(ruleInput.condition !== undefined ? { condition: ruleInput.condition } : {}),
      alarmType: alarmType as string,
      category: category as string,
      severity: severity as Severity,
      input: ruleInput,
    },
  };
}

function stringList(v: unknown, path: string, errors: RuleError[], what: string): string[] {
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x)) {
    errors.push({ path, message: `expected a non-empty list of ${what}` });
    return [];
  }
  return v as string[];
}

const POLICY_KINDS = ['corroborate', 'suppressWhen', 'inhibit', 'group'];

/**
 * Validates a noise policy. Expressions of policies are checked against `signalEntityType` (the entity type of the
 * signals they act on, SecuritySensor by default) when given.
 */
export function parsePolicy(input: unknown, known: KnownAttributes, signalEntityType = 'SecuritySensor'): { policy: NoisePolicy } | { errors: RuleError[] } {
  const errors: RuleError[] = [];
  if (!isObject(input)) return { errors: [{ path: '', message: 'expected a JSON object describing the policy' }] };
  const name = bilingual(input['name'], 'name', errors, true);
  const kind = input['kind'];
  if (!POLICY_KINDS.includes(kind as string)) {
    errors.push({ path: 'kind', message: `unknown kind ${JSON.stringify(kind)}; one of ${POLICY_KINDS.join(', ')}` });
    return { errors };
  }
  if (kind === 'corroborate') {
    const types = stringList(input['signalTypes'], 'signalTypes', errors, 'signal alarm types');
    if (types.length === 1) errors.push({ path: 'signalTypes', message: 'corroboration needs at least two different signal types' });
    text(input['sameAs'], 'sameAs', errors, 'sameAs (the attribute that groups signals, e.g. refBuilding)');
    duration(input['within'], 'within', errors);
    if (input['within'] === undefined) errors.push({ path: 'within', message: 'within is required: an ISO 8601 duration such as PT5M' });
    const raise = input['raise'];
    if (!isObject(raise)) errors.push({ path: 'raise', message: 'expected { alarmType, category, severity }' });
    else {
      text(raise['alarmType'], 'raise.alarmType', errors, 'raise.alarmType');
      text(raise['category'], 'raise.category', errors, 'raise.category');
      if (!SEVERITIES.includes(raise['severity'] as Severity)) errors.push({ path: 'raise.severity', message: `unknown severity ${JSON.stringify(raise['severity'])}; one of ${SEVERITIES.join(', ')}` });
    }
    if (input['expectedWhen'] !== undefined) checkExpression(input['expectedWhen'], 'expectedWhen', signalEntityType, known, errors);
    if (input['expectedReason'] !== undefined) bilingual(input['expectedReason'], 'expectedReason', errors, false);
    if (input['ordered'] !== undefined && typeof input['ordered'] !== 'boolean') errors.push({ path: 'ordered', message: 'expected true or false' });
    duration(input['clearAfter'], 'clearAfter', errors);
  } else if (kind === 'suppressWhen') {
    stringList(input['signalTypes'], 'signalTypes', errors, 'signal alarm types');
    checkExpression(input['condition'], 'condition', signalEntityType, known, errors);
    bilingual(input['reason'], 'reason', errors, true);
  } else if (kind === 'inhibit') {
    stringList(input['source'], 'source', errors, 'alarm types that inhibit');
    stringList(input['targets'], 'targets', errors, 'alarm types inhibited');
    const scope = input['scope'];
    const fixed = isObject(scope) && typeof scope['radiusM'] === 'number' && scope['radiusM'] > 0;
    const fromEntity = isObject(scope) && typeof scope['radiusFrom'] === 'string' && scope['radiusFrom'] !== '';
    if (scope !== 'district' && !fixed && !fromEntity)
      errors.push({ path: 'scope', message: 'expected "district", { "radiusM": metres > 0 } or { "radiusFrom": "<attribute of the source alarm\'s entity holding its radius in metres>", "radiusM"?: fallback }' });
    else if (isObject(scope) && scope['radiusM'] !== undefined && !fixed) errors.push({ path: 'scope.radiusM', message: 'expected a radius in metres > 0' });
    duration(input['releaseAfter'], 'releaseAfter', errors);
  } else {
    stringList(input['alarmTypes'], 'alarmTypes', errors, 'alarm types');
    if (typeof input['radiusM'] !== 'number' || !(input['radiusM'] > 0)) errors.push({ path: 'radiusM', message: 'expected a radius in metres > 0' });
    duration(input['within'], 'within', errors);
    if (input['within'] === undefined) errors.push({ path: 'within', message: 'within is required: an ISO 8601 duration such as PT30M' });
    if (!Number.isInteger(input['minCount']) || (input['minCount'] as number) < 2) errors.push({ path: 'minCount', message: 'expected a whole number ≥ 2' });
  }
  if (errors.length > 0) return { errors };
  const policyInput = input as unknown as NoisePolicyInput;
  return { policy: { id: policyInput.id ?? `policy-${++ruleCounter}`, kind: policyInput.kind, name: name as Bilingual, enabled: true, input: policyInput } };
}

/** Validates a silence or maintenance window. */
export function parseSilence(input: unknown): { silence: Silence } | { errors: RuleError[] } {
  const errors: RuleError[] = [];
  if (!isObject(input)) return { errors: [{ path: '', message: 'expected a JSON object describing the silence' }] };
  if (input['kind'] !== 'silence' && input['kind'] !== 'maintenance') errors.push({ path: 'kind', message: 'expected "silence" or "maintenance"' });
  const matchers = input['matchers'];
  if (!isObject(matchers) || Object.keys(matchers).length === 0) errors.push({ path: 'matchers', message: 'expected at least one of alarmType, originator, district, entityType (a silence that matches everything hides every alarm)' });
  else
    for (const [k, v] of Object.entries(matchers)) {
      if (!['alarmType', 'originator', 'district', 'entityType'].includes(k)) errors.push({ path: `matchers.${k}`, message: 'unknown matcher; use alarmType, originator, district or entityType' });
      else if (typeof v !== 'string' || !v) errors.push({ path: `matchers.${k}`, message: 'expected a non-empty string' });
    }
  const from = typeof input['from'] === 'string' ? Date.parse(input['from']) : Number.NaN;
  const to = typeof input['to'] === 'string' ? Date.parse(input['to']) : Number.NaN;
  if (Number.isNaN(from)) errors.push({ path: 'from', message: 'expected an ISO 8601 instant such as 2026-11-02T08:00:00+08:00' });
  if (Number.isNaN(to)) errors.push({ path: 'to', message: 'expected an ISO 8601 instant such as 2026-11-02T18:00:00+08:00' });
  if (!Number.isNaN(from) && !Number.isNaN(to) && to <= from) errors.push({ path: 'to', message: 'to must be after from' });
  text(input['reason'], 'reason', errors, 'reason (why alarms are silenced)');
  if (errors.length > 0) return { errors };
  const s = input as unknown as SilenceInput;
  return { silence: { ...s, id: s.id ?? `silence-${++ruleCounter}` } };
}
