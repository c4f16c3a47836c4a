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
  const s = r.summary;
  out.push(`recall ${pct(s.recall)} (target ≥ 99 %), precision ${pct(s.precision)} (≥ 80 %), noise suppressed ${pct(s.suppressed)} (≥ 95 %)`);
  out.push(`detection delay p50 ${mins(s.delayP50Ms)}, p99 ${mins(s.delayP99Ms)}`);
  return out.join('\n');
}
