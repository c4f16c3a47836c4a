/**
 * `npm run eval:anomaly [--seed N] [--days D] [--size tiny|small|city] [--start ISO] [--every H] [--roads]`: the
 * anomaly detector against the simulator's pollution episodes and accidents. The last line is one JSON object.
 */
import { SIZES, type Size } from '../../sim/model.ts';
import { DEFAULT_EVAL, evaluateAnomalies } from './anomaly.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined && !process.argv[i + 1]!.startsWith('--')) return process.argv[i + 1] as string;
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  return inline ? inline.slice(name.length + 3) : fallback;
}

const seed = Number(option('seed', String(DEFAULT_EVAL.seed)));
const days = Number(option('days', String(DEFAULT_EVAL.days)));
const every = Number(option('every', String(DEFAULT_EVAL.every)));
const size = option('size', DEFAULT_EVAL.size) as Size;
const start = option('start', DEFAULT_EVAL.start);
const roads = process.argv.includes('--roads');
const problems: string[] = [];
if (!Number.isInteger(seed)) problems.push(`--seed must be a whole number, not ${seed}`);
if (!(days > 0)) problems.push('--days must be greater than zero');
if (!(Number.isInteger(every) && every >= 1 && every <= 24)) problems.push('--every must be a whole number of hours from 1 to 24');
if (!SIZES.includes(size)) problems.push(`--size must be one of ${SIZES.join(', ')}`);
if (Number.isNaN(Date.parse(start))) problems.push('--start must be an ISO 8601 instant, e.g. 2026-11-02T00:00:00+08:00');
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}
const r = evaluateAnomalies({ seed, days, size, start, every, roads });
console.log(`anomaly detection — seed ${seed}, ${size}, ${days} days from ${start}, forecasts every ${every} h${roads ? ', per road too' : ''}`);
console.log(`  pollution episodes: ${r.episodes.detected}/${r.episodes.total} detected (hours after the start: ${r.episodes.delayHours.join(', ') || '—'})`);
console.log(`  accidents:          ${r.accidents.detected}/${r.accidents.total} detected`);
console.log(`  recall ${r.recall}; alarms ${r.alarms} (anomalous hours ${r.anomalies}), false ${r.falseAlarms} = ${r.falseAlarmsPerDay}/day ${JSON.stringify(r.falseAlarmsBySeries)}`);
console.log(`  ${r.forecasts} forecasts in ${r.seconds} s`);
console.log(
  JSON.stringify({
    recall: r.recall,
    falseAlarmsPerDay: r.falseAlarmsPerDay,
    episodes: r.episodes,
    accidents: r.accidents,
    alarms: r.alarms,
    falseAlarms: r.falseAlarms,
    anomalies: r.anomalies,
    seed,
    days,
    size,
    every,
    roads,
    seconds: r.seconds,
  }),
);
