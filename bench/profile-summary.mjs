/** Summarises a .cpuprofile (see bench/cpu-profile.mjs): self time by function and by file or package. Usage: node bench/profile-summary.mjs <file> [top]. */
import { readFileSync } from 'node:fs';

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 25);
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfTime = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  selfTime.set(id, (selfTime.get(id) ?? 0) + dt);
});
const byFunction = new Map();
const byFile = new Map();
for (const [id, time] of selfTime) {
  const frame = nodes.get(id).callFrame;
  const url = (frame.url || '(native)').replace(/^file:\/\/\/.*?\/(src|bench|test|node_modules)\//, '$1/').replace(/^node_modules\//, 'nm/');
  const fn = `${frame.functionName || '(anonymous)'} ${url}:${frame.lineNumber + 1}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + time);
  const file = url.startsWith('nm/') ? url.split('/').slice(0, url.startsWith('nm/@') ? 3 : 2).join('/') : url;
  byFile.set(file, (byFile.get(file) ?? 0) + time);
}
const list = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, time]) => `${((100 * time) / total).toFixed(1).padStart(5)}%  ${key}`)
    .join('\n');
console.log(`${(total / 1e6).toFixed(1)} s sampled\n-- self time by function\n${list(byFunction, top)}\n-- by file or package\n${list(byFile, 20)}`);
