/** The evaluation's readable report (告警评估报告): per event kind, per noise cause, the alarms shown and the delays. */
import type { EvalResult } from './evaluate.ts';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const mins = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;

export function formatReport(r: EvalResult): string {
  const out: string[] = [];
  const o = r.options;
  out.push(`告警评估 / Alarm evaluation — seed ${o.seed}, ${o.days} days, size ${o.size}, from ${o.start}`);
  out.push(`${r.readings.toLocaleString('en-US')} readings, ${r.decisions.toLocaleString('en-US')} decisions in ${r.seconds.toFixed(1)} s`);
  out.push('');
  out.push('Real events (真实事件):');
  const kinds = [...new Set(r.events.map((e) => e.kind))].sort();
  if (kinds.length === 0) out.push('  none in this span');
  for (const k of kinds) {
    const list = r.events.filter((e) => e.kind === k);
    const missed = list.filter((e) => e.detectedAt === undefined);
    out.push(`  ${k.padEnd(10)} events ${list.length}, detected ${list.length - missed.length}, missed ${missed.length}${missed.length ? `: ${missed.map((e) => e.id).join(', ')}` : ''}`);
    for (const e of list) if (e.detectedAt !== undefined) out.push(`    ${e.id} → ${e.alarmId} after ${mins(e.detectedAt - Math.min(...e.triggers.map((t) => t.at)))}`);
  }
  out.push('');
  out.push('Noise triggers (误报源) per cause: total, suppressed, shown; suppression reasons:');
  const causes = [...new Set(r.noise.map((n) => n.cause))].sort();
  for (const c of causes) {
    const list = r.noise.filter((n) => n.cause === c);
    const shown = list.filter((n) => n.shown);
    const reasons: Record<string, number> = {};
    for (const n of list) if (!n.shown) reasons[n.reason ?? '?'] = (reasons[n.reason ?? '?'] ?? 0) + 1;
    const why = Object.entries(reasons).map(([k, v]) => `${k} ${v}`).join(', ');
    out.push(`  ${c.padEnd(18)} ${String(list.length).padStart(5)} ${String(list.length - shown.length).padStart(5)} ${String(shown.length).padStart(4)}   ${why}`);
  }
  out.push('');
  const falseOnes = r.securityAlarms.filter((a) => !a.real);
  out.push(`Security alarms shown (安防告警): ${r.securityAlarms.length}, real ${r.securityAlarms.length - falseOnes.length}, false ${falseOnes.length}`);
  for (const a of falseOnes) out.push(`  false: ${a.id} ${a.alarmType} on ${a.originator} at ${new Date(a.at).toISOString()} (${a.joins.map((j) => j.entity.split(':').pop()).join(', ')})`);
  out.push(`Other alarms (非安防告警, not in precision): ${Object.entries(r.otherAlarms).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; situations ${r.situations}`);
  out.push('');
  out.push(...deviceSection(r));
  out.push('');
  const s = r.summary;
  out.push(`recall ${pct(s.recall)} (target ≥ 99 %), precision ${pct(s.precision)} (≥ 80 %), noise suppressed ${pct(s.suppressed)} (≥ 95 %)`);
  out.push(`detection delay p50 ${mins(s.delayP50Ms)}, p99 ${mins(s.delayP99Ms)}`);
  return out.join('\n');
}

/** Devices (设备离线与停电): faults found, outages and the offline alarms they held back, unexplained offline alarms. */
function deviceSection(r: EvalResult): string[] {
  const out: string[] = [];
  const d = r.devices;
  const s = d.summary;
  const at = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
  out.push('Devices (设备离线 / 停电):');
  out.push(`  missing-data faults ≥ 10 min ${s.missingFaults}, found as deviceOffline ${s.faultsDetected} (${pct(s.faultRecall)}), delay from the fault's start p50 ${mins(s.faultDelayP50Ms)}, p99 ${mins(s.faultDelayP99Ms)}`);
  for (const f of d.faults) if (f.detectedAt === undefined) out.push(`    not found: ${f.id} on ${f.entityId.split(':').pop()}${f.inhibited ? ' (inhibited: inside a power outage)' : ''}`);
  out.push(`  power outages ${s.outages}, alarmed ${s.outagesAlarmed}; devices silenced ${s.outageDevices}, offline alarms inhibited ${s.outageDevicesInhibited} (${pct(s.inhibitedShare)}), shown ${s.outageDevicesShown}`);
  out.push(`    silence due after the outage report: ${s.afterReport}, inhibited ${s.afterReportInhibited} (${pct(s.afterReportShare)})`);
  for (const o of d.outages) {
    const counts: Record<string, number> = {};
    for (const x of o.devices) counts[x.outcome] = (counts[x.outcome] ?? 0) + 1;
    const why = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'no device in its area';
    out.push(`    ${o.id.split(':').pop()} ${o.district} r=${o.radius} m ${at(o.start)}–${at(o.end)} UTC, reported ${mins(o.reportedAt - o.start)} after, alarm ${o.alarmAt === undefined ? 'none' : `after ${mins(o.alarmAt - o.start)}`}: ${why}`);
    for (const x of o.devices) {
      if (x.outcome === 'inhibited') continue;
      const because =
        x.outcome === 'alreadyOffline'
          ? 'already offline before the outage (a missing-data fault): its alarm was up before the grid report could explain it'
          : x.outcome === 'shown'
            ? x.afterReport
              ? 'shown although the outage was reported: check the radius'
              : 'its silence came due before the outage report arrived'
            : 'no offline signal in the outage (it reported again, or its alarm was already up)';
      out.push(`      ${x.entityId.split(':').pop()}: ${x.outcome}, last reading ${at(x.lastSeen)} — ${because}`);
    }
  }
  out.push(`  deviceOffline alarms shown ${s.offlineAlarms}, false (neither a fault nor an outage) ${s.falseOfflineAlarms}`);
  for (const f of d.falseAlarms.slice(0, 20)) out.push(`    false: ${f.alarmId} on ${f.entityId.split(':').pop()} at ${at(f.at)}`);
  return out;
}
