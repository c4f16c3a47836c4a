/** The incidents capability's types: incident types and response plans, incidents, their units, steps and timeline. */
import type { Bilingual, Severity } from '../alarms/engine/model.ts';

export type { Bilingual, Severity };

export const INCIDENT_TYPES = ['fire', 'gasLeak', 'intrusion', 'trafficAccident', 'citizenReports', 'general'] as const;
export type IncidentType = (typeof INCIDENT_TYPES)[number];

export const INCIDENT_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export const VEHICLE_KINDS = ['fireEngine', 'ambulance', 'policeCar'] as const;
export type VehicleKind = (typeof VEHICLE_KINDS)[number];

/** A unit's part in one incident: dispatched → enRoute → onScene → clear (clear from any earlier state: recalled). */
export const UNIT_STATUSES = ['dispatched', 'enRoute', 'onScene', 'clear'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

export const OUTCOMES = ['resolved', 'falseAlarm', 'transferred', 'duplicate', 'noActionNeeded'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface PlanStep {
  id: string;
  text: Bilingual;
  /** The department this step involves (notified or acting), when one. */
  department?: string;
  /** Minutes after opening by which the step should be done. */
  targetMinutes?: number;
}

export interface UnitLine {
  vehicleKind: VehicleKind;
  count: number;
  /** When the line applies only sometimes (e.g. an ambulance when there are injuries). */
  when?: Bilingual;
}

export interface ResponsePlan {
  type: IncidentType;
  name: Bilingual;
  /** Alarm types (`Alert.alarmType`) that open an incident of this type by themselves. */
  autoOpenAlarmTypes: string[];
  defaultSeverity: Severity;
  steps: PlanStep[];
  /** Departments (and outside bodies) to notify, by id or name. */
  notify: Array<{ department: string; name: Bilingual }>;
  units: UnitLine[];
  /** Not acknowledged within this → escalated. */
  ackWithinSeconds: number;
  /** 0: no evacuation. */
  evacuateRadiusM: number;
  targets: { firstUnitOnSceneMinutes?: number; closeReportHours?: number; note?: Bilingual };
}

export interface Point {
  lat: number;
  long: number;
}

export interface StepState extends PlanStep {
  done: boolean;
  doneAt: string | null;
  doneBy: string | null;
}

export interface IncidentUnitView {
  unitId: string;
  vehicleKind: string | null;
  status: UnitStatus;
  dispatchedBy: string;
  dispatchedAt: string;
  enRouteAt: string | null;
  onSceneAt: string | null;
  clearedAt: string | null;
}

export interface TimelineEntry {
  at: string;
  actor: string;
  kind: string;
  details: Record<string, unknown>;
}

export interface IncidentSummary {
  id: string;
  type: IncidentType;
  title: string;
  status: IncidentStatus;
  severity: Severity;
  location: Point;
  district: string | null;
  openedBy: string;
  openedAt: string;
  ackDueAt: string;
  acknowledgedBy: string | null;
  acknowledgedAt: string | null;
  escalated: boolean;
  escalatedAt: string | null;
  closedBy: string | null;
  closedAt: string | null;
  outcome: string | null;
  note: string | null;
  alarmIds: string[];
  requestIds: string[];
}

export interface IncidentView extends IncidentSummary {
  plan: ResponsePlan;
  steps: StepState[];
  units: IncidentUnitView[];
  timeline: TimelineEntry[];
}

export interface OpenInput {
  type: string;
  title?: string;
  location: Point;
  district?: string;
  severity?: string;
  alarmIds?: string[];
  requestIds?: string[];
}

export interface Recommendation {
  vehicleKind: VehicleKind;
  count: number;
  when?: Bilingual;
  /** The `count` nearest available units, nearest first. */
  units: RecommendedUnit[];
  /** The next nearest, should one of the first refuse. */
  alternates: RecommendedUnit[];
  /** How many the line lacks (fewer available units than asked). */
  missing: number;
}

export interface RecommendedUnit {
  unitId: string;
  name: string | null;
  station: string | null;
  location: Point;
  /** Straight-line (road-free) distance, metres. */
  distanceM: number;
  /** Turnout + distance at the urban average speed, seconds (see recommend.ts). */
  etaSeconds: number;
}
