/** `npm run bench`: runs every benchmark on the embedded store and, with DATABASE_URL, on PostgreSQL; writes BENCHMARKS.md. */
import path from 'node:path';
import { benchHttp } from './http.bench.ts';
import { type BenchResult, writeReport } from './report.ts';

const databaseUrl = process.env.DATABASE_URL?.trim() || undefined;
const drivers: Array<'pglite' | 'postgres'> = databaseUrl ? ['pglite', 'postgres'] : ['pglite'];
const started = new Date();
const results: BenchResult[] = [];

results.push(...(await benchHttp(drivers, databaseUrl)));

const file = path.resolve(import.meta.dirname, '../BENCHMARKS.md');
writeReport(file, results, started);
for (const r of results) console.log(`${r.driver.padEnd(8)} ${r.name}: ${r.figure} — baseline ${r.baseline} — ratio ${r.ratio.toFixed(2)}`);
console.log(`Wrote ${file}`);
