/**
 * The evaluation's devices section (设备离线评估): missing-data faults of the ground truth (`sensorFault`, mode
 * `missing`, ≥ 10 min) found as deviceOffline alarms, the devices a power outage silenced (`powerOutage.deviceIds`)
 * held back by the outage's alarm rather than shown one by one, and deviceOffline alarms that neither explains.
 */
import type { TruthRecord } from '../../sim/index.ts';
import { parseDuration } from '../engine/expression.ts';
import type { Decision, Reading } from '../engine/model.ts';

const SLACK_MS = 10 * 60_000;
/** The default rules' silentFor (defaults.ts `hz-offline-*`). */
export const OFFLINE_AFTER_MS = parseDuration('PT10M') as number;

export type OutageDeviceOutcome = 'inhibited' | 'shown' | 'alreadyOffline' | 'none';

export interface OutageDevice {
  entityId: string;
  /** Its last reading before the outage began. */
  lastSeen: number;
  /** When its silence came due (lastSeen + silentFor). */
  dueAt: number;
  /** The silence came due after the grid's report reached the engine (the outage alarm could explain it). */
  afterReport: boolean;
  outcome: OutageDeviceOutcome;
}

export interface DeviceEval {
  faults: { id: string; entityId: string; start: number; end: number; detectedAt?: number; inhibited?: boolean }[];
  outages: { id: string; district: string; radius: number; start: number; end: number; reportedAt: number; alarmAt?: number; devices: OutageDevice[] }[];
  falseAlarms: { alarmId: string; entityId: string; at: number }[];
  summary: {
    missingFaults: number;
    faultsDetected: number;
    faultRecall: number;
    faultDelayP50Ms: number;
    faultDelayP99Ms: number;
    outages: number;
    outagesAlarmed: number;
    outageDevices: number;
    outageDevicesInhibited: number;
    /** Share of outage-silenced devices whose offline alarm was inhibited (not shown). */
    inhibitedShare: number;
    /** The same among devices whose silence came due after the outage report. */
    afterReport: number;
    afterReportInhibited: number;
    afterReportShare: number;
    /** Outage devices whose offline alarm was shown (not inhibited). */
    outageDevicesShown: number;
    offlineAlarms: number;
    falseOfflineAlarms: number;
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}

/** Collects truth, readings and decisions while the replay runs; `result` scores them. */
export class DeviceTally {
  private readonly watched: Set<string>;
  private readonly lastSeen = new Map<string, number>();
  private readonly faults: DeviceEval['faults'] = [];
  private readonly outages: (DeviceEval['outages'][number] & { pending: { entityId: string; lastSeen: number }[] })[] = [];
  private readonly raises: { alarmId: string; entityId: string; at: number }[] = [];
  private readonly inhibited: { entityId: string; at: number; by: string }[] = [];
  private readonly outageAlarmAt = new Map<string, number>();

  /** `entityIds`: the periodic sensors' entities (the ones the deviceOffline rules watch). */
  constructor(entityIds: readonly string[]) {
    this.watched = new Set(entityIds);
  }

  reading(r: Reading): void {
    if (r.changed.length > 0 && this.watched.has(r.id)) this.lastSeen.set(r.id, r.at);
  }

  truth(t: TruthRecord, entityOfDevice: ReadonlyMap<string, string>): void {
    if (t.kind === 'sensorFault' && t['mode'] === 'missing') {
      const start = Date.parse(String(t['start']));
      const end = Date.parse(String(t['end']));
      if (end - start >= OFFLINE_AFTER_MS) this.faults.push({ id: t.id, entityId: String(t['entityId']), start, end });
    } else if (t.kind === 'powerOutage') {
      const start = Date.parse(String(t['start']));
      // truth comes before the tick's readings: the last reading of each device is from before the power went
      const pending = ((t['deviceIds'] as string[] | undefined) ?? []).map((d) => {
        const entityId = entityOfDevice.get(d) ?? d;
        return { entityId, lastSeen: this.lastSeen.get(entityId) ?? start };
      });
      this.outages.push({
        id: t.id,
        district: String(t['district']),
        radius: Number(t['radius']),
        start,
        end: Date.parse(String(t['end'])),
        reportedAt: Date.parse(String(t['reportedAt'])),
        devices: [],
        pending,
      });
    }
  }

  decisions(list: readonly Decision[]): void {
    for (const d of list) {
      if (d.kind === 'raise' && d.alarm.alarmType === 'deviceOffline') this.raises.push({ alarmId: d.alarm.id, entityId: d.alarm.originator, at: d.at });
      else if (d.kind === 'raise' && d.alarm.alarmType === 'powerOutage' && !this.outageAlarmAt.has(d.alarm.originator)) this.outageAlarmAt.set(d.alarm.originator, d.at);
      else if (d.kind === 'suppress' && d.signal.alarmType === 'deviceOffline' && d.reason.code === 'inhibited')
        this.inhibited.push({ entityId: d.signal.originator, at: d.signal.at, by: String(d.reason.details?.['originator'] ?? '') });
    }
  }

  /** Scores what was collected; `to` is where the replay's stream ended (silences after it are the replay's end, not devices). */
  result(to: number): DeviceEval {
    const raises = this.raises.filter((r) => r.at < to);
    const delays: number[] = [];
    for (const f of this.faults) {
      const hit = raises.find((r) => r.entityId === f.entityId && r.at >= f.start && r.at <= f.end + SLACK_MS);
      if (hit) {
        f.detectedAt = hit.at;
        delays.push(hit.at - f.start);
      } else if (this.inhibited.some((x) => x.entityId === f.entityId && x.at >= f.start && x.at <= f.end + SLACK_MS)) f.inhibited = true;
    }
    const outages: DeviceEval['outages'] = this.outages.map(({ pending, ...o }) => {
      const alarmAt = this.outageAlarmAt.get(o.id);
      const devices = pending.map(({ entityId, lastSeen }): OutageDevice => {
        const dueAt = lastSeen + OFFLINE_AFTER_MS;
        const within = (at: number) => at >= o.start && at <= o.end + SLACK_MS;
        let outcome: OutageDeviceOutcome = 'none';
        if (this.inhibited.some((x) => x.entityId === entityId && x.by === o.id && within(x.at))) outcome = 'inhibited';
        else if (raises.some((r) => r.entityId === entityId && within(r.at))) outcome = 'shown';
        else if (raises.some((r) => r.entityId === entityId && r.at >= lastSeen && r.at < o.start)) outcome = 'alreadyOffline';
        return { entityId, lastSeen, dueAt, afterReport: dueAt >= (alarmAt ?? o.reportedAt), outcome };
      });
      return { ...o, ...(alarmAt !== undefined ? { alarmAt } : {}), devices };
    });
    // an offline alarm is explained by a missing-data fault of its device or an outage that silenced it
    const falseAlarms = raises.filter(
      (r) =>
        !this.faults.some((f) => f.entityId === r.entityId && r.at >= f.start && r.at <= f.end + SLACK_MS) &&
        !outages.some((o) => r.at >= o.start && r.at <= o.end + SLACK_MS && o.devices.some((d) => d.entityId === r.entityId)),
    );
    delays.sort((a, b) => a - b);
    const all = outages.flatMap((o) => o.devices);
    const after = all.filter((d) => d.afterReport);
    const detected = this.faults.filter((f) => f.detectedAt !== undefined).length;
    return {
      faults: this.faults,
      outages,
      falseAlarms,
      summary: {
        missingFaults: this.faults.length,
        faultsDetected: detected,
        faultRecall: this.faults.length === 0 ? 1 : detected / this.faults.length,
        faultDelayP50Ms: percentile(delays, 0.5),
        faultDelayP99Ms: percentile(delays, 0.99),
        outages: outages.length,
        outagesAlarmed: outages.filter((o) => o.alarmAt !== undefined).length,
        outageDevices: all.length,
        outageDevicesInhibited: all.filter((d) => d.outcome === 'inhibited').length,
        inhibitedShare: all.length === 0 ? 1 : all.filter((d) => d.outcome === 'inhibited').length / all.length,
        afterReport: after.length,
        afterReportInhibited: after.filter((d) => d.outcome === 'inhibited').length,
        afterReportShare: after.length === 0 ? 1 : after.filter((d) => d.outcome === 'inhibited').length / after.length,
        outageDevicesShown: all.filter((d) => d.outcome === 'shown').length,
        offlineAlarms: raises.length,
        falseOfflineAlarms: falseAlarms.length,
      },
    };
  }
}
