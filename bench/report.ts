/** Writes BENCHMARKS.md: each figure beside a baseline measured in the same run, and the machine it ran on. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

export interface BenchResult {
  name: string;
  driver: 'pglite' | 'postgres' | 'none';
  figure: string;
  baseline: string;
  /** figure ÷ baseline, in the direction where higher is better. */
  ratio: number;
  notes?: string;
}

/** Everything from this heading on is kept as it is: the evaluations (eval:alarms, eval:forecast…) are not benchmarks. */
const KEPT_SECTION = '## Evaluations';

const HEADER = '| benchmark | store | figure | same-run baseline | ratio | notes | measured |';

/** The rows of an earlier report, keyed by benchmark and store, so a partial run (BENCH_ONLY) keeps the others. */
function earlierRows(file: string): Map<string, string> {
  const rows = new Map<string, string>();
  if (!existsSync(file)) return rows;
  const text = readFileSync(file, 'utf8');
  const end = text.indexOf(`\n${KEPT_SECTION}`);
  for (const line of (end === -1 ? text : text.slice(0, end)).split('\n')) {
    if (!line.startsWith('| ') || line.startsWith('| benchmark ') || line.startsWith('| ---')) continue;
    const cells = line.split(' | ');
    const padded = cells.length >= 7 ? line : `${line} earlier run |`;
    rows.set(`${cells[0]?.slice(2)}\u0001${cells[1]}`, padded);
  }
  return rows;
}

function keptSection(file: string): string[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(`\n${KEPT_SECTION}`);
  return at === -1 ? [] : text.slice(at + 1).trimEnd().split('\n');
}

const PG_LINE = '- PostgreSQL (as of the last run that used it): ';

/** The PostgreSQL settings line of the file as it is (kept when this run did not use PostgreSQL). */
function earlierPgLine(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8')
    .split('\n')
    .find((line) => line.startsWith(PG_LINE));
}

export function writeReport(file: string, results: readonly BenchResult[], started: Date, postgresSettings?: string): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const pgLine = postgresSettings ? `${PG_LINE}${postgresSettings}` : earlierPgLine(file);
  const kept = keptSection(file);
  const rows = earlierRows(file);
  const day = started.toISOString().slice(0, 16).replace('T', ' ');
  for (const r of results) {
    rows.set(`${r.name}\u0001${r.driver}`, `| ${r.name} | ${r.driver} | ${r.figure} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.notes ?? ''} | ${day} |`);
  }
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (do not edit by hand). Every figure stands beside a baseline measured in the',
    'same run on the same machine: absolute numbers drift on shared machines, ratios hold.',
    '',
    `- Last run: ${started.toISOString()} (a run with BENCH_ONLY replaces only its own rows; the last column says when each was measured)`,
    `- Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
    `- Node.js ${process.version}; load generator (autocannon) in its own process`,
    ...(pgLine ? [pgLine] : []),
    '',
    HEADER,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.values(),
    '',
    ...(kept.length > 0 ? [...kept, ''] : []),
  ];
  writeFileSync(file, lines.join('\n'));
}
