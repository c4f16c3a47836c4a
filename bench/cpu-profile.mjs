/**
 * CPU profile of a benchmarked server: `BENCH_CPU_PROF=<dir> npm run bench` loads this into each CityCloud
 * child with NODE_OPTIONS=--import (Node 20 refuses --cpu-prof there) and writes <dir>/server-<pid>.cpuprofile
 * when the server exits. Open it in Chrome DevTools, or summarise it with bench/profile-summary.mjs.
 * SIGUSR2 starts the profile afresh (to leave start-up and warm-up out of it).
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
  process.on('SIGUSR2', () => {
    session.post('Profiler.stop');
    session.post('Profiler.start');
  });
  // The in-thread inspector answers synchronously, so the profile can be written from the exit handler.
  process.on('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `server-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
