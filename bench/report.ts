/** Writes BENCHMARKS.md: each figure beside a baseline measured in the same run, and the machine it ran on. */
import { writeFileSync } from 'node:fs';
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

export function writeReport(file: string, results: readonly BenchResult[], started: Date): void {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (do not edit by hand). Every figure stands beside a baseline measured in the',
    'same run on the same machine: absolute numbers drift on shared machines, ratios hold.',
    '',
    `- Run: ${started.toISOString()}`,
    `- Machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}`,
    `- Node.js ${process.version}; load generator (autocannon) in its own process`,
    '',
    '| benchmark | store | figure | same-run baseline | ratio | notes |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.name} | ${r.driver} | ${r.figure} | ${r.baseline} | ${r.ratio.toFixed(2)} | ${r.notes ?? ''} |`),
    '',
  ];
  writeFileSync(file, lines.join('\n'));
}
