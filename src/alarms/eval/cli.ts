/**
 * `npm run eval:alarms [--seed N] [--days D] [--size tiny|small|city] [--start ISO]`: replays the simulated city
 * through the default rules and prints a readable report; the last line is one JSON object with the figures.
 */
import { SIZES, type Size } from '../../sim/model.ts';
import { evaluateAlarms } from './evaluate.ts';
import { formatReport } from './report.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1] !== undefined) return process.argv[i + 1] as string;
  const inline = process.argv.find((a) => a.startsWith(`--${name}=`));
  return inline ? inline.slice(name.length + 3) : fallback;
}

const seed = Number(option('seed', '42'));
const days = Number(option('days', '7'));
const size = option('size', 'small') as Size;
const start = option('start', '2026-11-02T00:00:00+08:00');
const problems: string[] = [];
if (!Number.isInteger(seed)) problems.push(`--seed must be a whole number, not ${seed}`);
if (!(days > 0)) problems.push('--days must be greater than zero');
if (!SIZES.includes(size)) problems.push(`--size must be one of ${SIZES.join(', ')}`);
if (Number.isNaN(Date.parse(start))) problems.push('--start must be an ISO 8601 instant, e.g. 2026-11-02T00:00:00+08:00');
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(2);
}
const result = evaluateAlarms({ seed, days, size, start: new Date(Date.parse(start)).toISOString() });
console.log(formatReport(result));
console.log(JSON.stringify({ ...result.summary, seed, days, size, start, readings: result.readings, seconds: Math.round(result.seconds * 10) / 10, devices: result.devices.summary }));
