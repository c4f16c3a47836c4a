/**
 * CPU profile of a benchmarked server: `BENCH_CPU_PROF=<dir> npm run bench` loads this into each CityCloud
 * child with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there) and writes <dir>/server-<pid>.cpuprofile
 * when the server exits. Open it in Chrome DevTools, or summarise it with bench/profile-summary.mjs.
 * SIGUSR2 starts the profile afresh (to leave start-up and warm-up out of it) and keeps the one it ends as
 * server-<pid>-<n>.cpuprofile (the n-th measured run and what followed it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.start');
  let segment = 0;
  const write = (profile, name) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, name), JSON.stringify(profile));
  };
  // Each SIGUSR2 keeps what was profiled since the previous one (server-<pid>-<n>.cpuprofile: one per measured run, with what followed it).
  process.on('SIGUSR2', () => {
    const n = segment++;
    session.post('Profiler.stop', (error, result) => {
      if (!error && n > 0) write(result.profile, `server-${process.pid}-${n}.cpuprofile`);
    });
    session.post('Profiler.start');
  });
  // The in-thread inspector answers synchronously, so the profile can be written from the exit handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) write(result.profile, `server-${process.pid}.cpuprofile`);
    });
  });
}
