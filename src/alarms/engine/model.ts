/**
 * The alarm engine's types: the interface between the pure engine (`engine/`) and the alarms service that feeds it
 * from the hub and stores what it decides. See `../CONTRACT.md`. The engine is pure: no I/O, no wall clock.
 */

export const SEVERITIES = ['critical', 'major', 'minor', 'warning', 'indeterminate'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Bilingual {
  zh: string;
  en: string;
}

/** One hub change as the engine sees it: the whole entity after the change, in keyValues form with core terms. */
export interface Reading {
  id: string;
  type: string;
  /** keyValues: attribute name → value (GeoProperty → GeoJSON geometry, Relationship → target id). */
  attrs: Record<string, unknown>;
  /** Attribute names this change set (a reading updates only some attributes of an entity). */
  changed: readonly string[];
  /** Event time, ms since the epoch: the changed attributes' observedAt, else the write time. */
  at: number;
}

/** A detection rule as stored and sent over the API (validated by `parseRule`). */
export interface AlarmRuleInput {
  id?: string;
  name: Bilingual | string;
  enabled?: boolean;
  entityType: string;
  /** The hub's NGSI-LD `q` grammar, applied to the entity (e.g. `sensorKind=="smoke"`). */
  where?: string;
  /**
   * Expression (see CONTRACT.md), e.g. `value >= 15`, `pm25 > alarmThreshold`, `rate(pm25, PT10M) > 20`.
   * Required unless `silentFor` is given; with `silentFor`, only entities whose last reading met it are watched for silence.
   */
  condition?: string;
  /**
   * Absence detection (ISO 8601 duration): raise when an entity of this type (and `where`) that has reported before
   * has sent nothing for this long; the alarm clears at its next reading (`clear`, `for`, `repeat` do not apply).
   */
  silentFor?: string;
  /** ISO 8601 duration the condition must hold before the alarm is raised ("above 50 for 2 minutes"). */
  for?: string;
  /** Raise when the condition held in at least `atLeast` of the last `of` readings. */
  repeat?: { atLeast: number; of: number };
  /** Hysteresis: the alarm clears only when this expression holds (default: when `condition` no longer holds). */
  clear?: string;
  clearFor?: string;
  /** Armed only inside these local-time windows and/or while `armedWhen` holds. */
  schedule?: {
    timezone?: string;
    /** days: 1 = Monday … 7 = Sunday; from/to "HH:MM" (a window may pass midnight). */
    windows?: { days?: number[]; from: string; to: string }[];
    armedWhen?: string;
  };
  alarmType: string;
  /** FIWARE Alert category: security, fire, environment, traffic, device, health. */
  category: string;
  severity: Severity;
  description?: Bilingual;
}

/** A rule after validation (the engine's compiled form is internal). */
export interface AlarmRule extends Required<Pick<AlarmRuleInput, 'entityType' | 'alarmType' | 'category' | 'severity'>> {
  id: string;
  /** Absent for an absence-only rule (`silentFor` without a condition). */
  condition?: string;
  name: Bilingual;
  enabled: boolean;
  input: AlarmRuleInput;
}

export type NoisePolicyInput =
  | {
      id?: string;
      kind: 'corroborate';
      name: Bilingual | string;
      /** Signal alarmTypes held for corroboration; two different ones in the same group confirm each other. */
      signalTypes: string[];
      /** The attribute whose value forms the group (e.g. `refBuilding`). */
      sameAs: string;
      /** ISO 8601 duration. */
      within: string;
      raise: { alarmType: string; category: string; severity: Severity };
      /** Expression: when it holds for the group's first signal, the group is expected activity (suppressed). */
      expectedWhen?: string;
      expectedReason?: Bilingual;
      /** Added: the signal types must come in the listed order (entry before motion); a motion then a door is not a break-in. */
      ordered?: boolean;
      /** Added: ISO 8601 duration; the raised alarm clears when no signal joined it for this long (default: never, cleared by an operator). */
      clearAfter?: string;
    }
  | { id?: string; kind: 'suppressWhen'; name: Bilingual | string; signalTypes: string[]; condition: string; reason: Bilingual }
  | {
      id?: string;
      kind: 'inhibit';
      name: Bilingual | string;
      source: string[];
      targets: string[];
      /**
       * `district`, a fixed radius, or (added) the radius read from the source alarm's originator entity, e.g.
       * `{ radiusFrom: "radius" }` for a PowerOutage's area (`radiusM` is then the fallback when it has none).
       */
      scope: 'district' | { radiusM: number } | { radiusFrom: string; radiusM?: number };
      /**
       * Added, ISO 8601 duration: when the source alarm clears, absence signals it inhibited are checked again after
       * this grace (devices come back within a minute or two of the power); still silent, they raise. Default PT5M.
       */
      releaseAfter?: string;
    }
  | { id?: string; kind: 'group'; name: Bilingual | string; alarmTypes: string[]; radiusM: number; within: string; minCount: number };

export interface NoisePolicy {
  id: string;
  kind: NoisePolicyInput['kind'];
  name: Bilingual;
  enabled: boolean;
  input: NoisePolicyInput;
}

export interface SilenceInput {
  id?: string;
  kind: 'silence' | 'maintenance';
  matchers: { alarmType?: string; originator?: string; district?: string; entityType?: string };
  /** ISO instants; [from, to). */
  from: string;
  to: string;
  reason: string;
  createdBy?: string;
}

export interface Silence extends SilenceInput {
  id: string;
}

/** A rule match on one reading: one raw trigger. */
export interface Signal {
  /** Unique within the engine's life: `${ruleId}|${originator}|${at}`. */
  id: string;
  ruleId: string;
  alarmType: string;
  category: string;
  severity: Severity;
  /** The entity that raised it. */
  originator: string;
  originatorType: string;
  at: number;
  location?: { type: 'Point'; coordinates: [number, number] };
  district?: string;
  /** What was read: attribute → value at the time. */
  evidence: Record<string, unknown>;
}

export interface SuppressionReason {
  /** silenced, maintenance, inhibited, uncorroborated, expectedActivity, condition (a suppressWhen), … */
  code: string;
  policyId?: string;
  zh: string;
  en: string;
  /** The figures behind the decision (e.g. `{ windSpeed: 9.2 }`). */
  details?: Record<string, unknown>;
}

export interface AlarmState {
  /** Stable id: derived from (originator, alarmType, firstSeen). */
  id: string;
  originator: string;
  originatorType: string;
  alarmType: string;
  category: string;
  severity: Severity;
  ruleId: string;
  /** The policy that raised it (corroboration), if any. */
  policyId?: string;
  status: 'active' | 'cleared';
  count: number;
  firstSeen: number;
  lastSeen: number;
  clearedAt?: number;
  location?: { type: 'Point'; coordinates: [number, number] };
  district?: string;
  /** The signals that made it (ids and their originators), for explanation. */
  evidence: Signal[];
  description: Bilingual;
  situationId?: string;
}

export type Decision =
  | { kind: 'raise'; alarm: AlarmState; at: number }
  | { kind: 'repeat'; alarm: AlarmState; at: number }
  | { kind: 'clear'; alarm: AlarmState; at: number }
  | { kind: 'suppress'; signal: Signal; reason: SuppressionReason; at: number }
  | { kind: 'situation'; situationId: string; alarmIds: string[]; at: number; location?: { type: 'Point'; coordinates: [number, number] }; district?: string };

/** A row of engine state: the service stores rows by `key` and gives them back at start. */
export interface StateRow {
  key: string;
  /** null: the state is gone (delete the row). */
  value: unknown | null;
}

export interface EngineOptions {
  rules: AlarmRule[];
  policies: NoisePolicy[];
  silences: Silence[];
  /** Restored state rows (from `drainState()` of an earlier engine). */
  state?: StateRow[];
  /** Active alarms to continue (one per originator and type). */
  activeAlarms?: AlarmState[];
}

/** A validation failure: where and what to fix. */
export interface RuleError {
  path: string;
  message: string;
}

/** What the validator knows of the city: attribute names per entity type (from the hub and the known shapes). */
export interface KnownAttributes {
  /** undefined: the type is unknown (no entity yet and no known shape) — attributes are not checked. */
  of(entityType: string): ReadonlySet<string> | undefined;
}

/** The engine's public surface (implemented by `AlarmEngine` in `engine/engine.ts`). */
export interface AlarmEngineApi {
  /** Feeds one reading; returns what it decided (synchronously; p99 ≤ 20 ms at 5,000 readings/s). */
  observe(reading: Reading): Decision[];
  /** Moves event time forward (no reading): duration conditions, corroboration windows and clears come due. */
  advance(at: number): Decision[];
  /** Replaces rules, policies or silences; state of unchanged rules is kept. */
  configure(update: Partial<Pick<EngineOptions, 'rules' | 'policies' | 'silences'>>): void;
  /** Marks an alarm cleared by an operator (a new one may be raised afterwards). */
  clearAlarm(alarmId: string, at: number): AlarmState | undefined;
  /** The state rows changed since the last call. */
  drainState(): StateRow[];
  activeAlarms(): AlarmState[];
}
