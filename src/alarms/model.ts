/** What the alarms service shows over HTTP: alarms with their timeline, suppressed signals with why, and the noise figures. */
import type { AlarmRuleInput, Bilingual, NoisePolicyInput, Severity, Signal, Silence, SuppressionReason } from './engine/model.ts';

export const ALARM_STATUSES = ['active', 'cleared'] as const;
export type AlarmStatus = (typeof ALARM_STATUSES)[number];

export const EVENT_KINDS = ['raised', 'repeated', 'acknowledged', 'cleared'] as const;
export type AlarmEventKind = (typeof EVENT_KINDS)[number];

export interface AlarmTimelineEntry {
  at: string;
  kind: AlarmEventKind;
  /** Who: a user or API key name; null for the engine. */
  actor: string | null;
  note: string | null;
  count: number | null;
}

export interface AlarmView {
  id: string;
  /** The `Alert` entity that mirrors it in the hub. */
  entityId: string;
  originator: string;
  originatorType: string;
  alarmType: string;
  category: string;
  severity: Severity;
  status: AlarmStatus;
  acknowledged: boolean;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  count: number;
  firstSeen: string;
  lastSeen: string;
  clearedAt: string | null;
  location: { type: 'Point'; coordinates: [number, number] } | null;
  district: string | null;
  situationId: string | null;
  ruleId: string;
  policyId: string | null;
  description: Bilingual;
  evidence: Signal[];
  /** Only on `GET /alarms/{id}`. */
  timeline?: AlarmTimelineEntry[];
}

export interface SuppressedView {
  id: string;
  at: string;
  signal: Signal;
  reason: SuppressionReason;
}

export interface AlarmFilter {
  status?: 'active' | 'cleared' | 'all';
  ack?: boolean;
  severity?: string;
  district?: string;
  type?: string;
  limit?: number;
  offset?: number;
}

export interface SuppressedFilter {
  from?: string;
  to?: string;
  reason?: string;
  limit?: number;
  offset?: number;
}

export interface AlarmStats {
  from: string;
  to: string;
  /** Raw triggers the rules produced in the period (suppressed + those behind raised or repeated alarms). */
  signals: number;
  suppressed: number;
  /** Alarms raised in the period. */
  alarms: number;
  byReason: Record<string, number>;
  bySeverity: Record<string, number>;
  byType: Record<string, number>;
  /** Per FIWARE category (security, traffic, …): raw triggers, how many were suppressed, alarms raised. */
  byCategory: Record<string, { signals: number; suppressed: number; alarms: number }>;
}

/** Who changed a rule or policy last, beside its document. */
export interface Revision {
  version: number;
  updatedBy: string | null;
  updatedAt: string;
}

/** A rule as listed: the document as sent (`AlarmRuleInput`) with its id, bilingual name and revision. */
export type RuleView = AlarmRuleInput & Revision & { id: string; enabled: boolean; name: Bilingual };
export type PolicyView = NoisePolicyInput & Revision & { id: string; enabled: boolean; name: Bilingual };
export type SilenceView = Silence & { createdAt: string; active: boolean };
