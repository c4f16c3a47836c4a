// The what-if worker thread: runs the simulator's scenario days (scenario.ts, ~2 s of CPU) off the server's event loop.
// Plain JavaScript so it starts the same under `node --import tsx` (tests) and bin/citycloud.mjs (tsx registered in code).
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { whatIf } = await import('./scenario.ts');

parentPort.on('message', ({ id, input }) => {
  try {
    parentPort.postMessage({ id, ok: true, result: whatIf(input) });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: { code: error?.code, message: String(error?.message ?? error) } });
  }
});
parentPort.postMessage({ ready: true });
