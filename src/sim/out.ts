/** The `--out DIR` writer: the stream and the ground truth as JSON lines (plus the city's entities and devices), no server needed. */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { buildCity, devices, initialEntities } from './index.ts';
import type { City } from './model.ts';
import { simulate } from './stream.ts';

export interface OutProgress {
  /** the simulated time reached */
  at: string;
  /** 0–1 */
  fraction: number;
  observations: number;
  truth: number;
}

export interface OutResult {
  observations: number;
  truth: number;
  ticks: number;
  files: { stream: string; truth: string; entities: string; devices: string };
}

/** Buffers lines and writes them in large chunks (one write per ~1 MB, not one per line). */
class LineWriter {
  private readonly fd: number;
  private parts: string[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  line(text: string): void {
    this.parts.push(text);
    this.size += text.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length === 0) return;
    writeSync(this.fd, `${this.parts.join('\n')}\n`);
    this.parts = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/**
 * Writes `stream.jsonl` (one observation per line, `{"at": tick, ...observation}`), `truth.jsonl` (one ground-truth
 * record per line, in time order), `entities.jsonl` (initial entities) and `devices.jsonl` into `dir`.
 * Same city and range → byte-identical files.
 */
export function writeSimulation(city: City, from: string, to: string, dir: string, onProgress?: (p: OutProgress) => void): OutResult {
  mkdirSync(dir, { recursive: true });
  const files = {
    stream: join(dir, 'stream.jsonl'),
    truth: join(dir, 'truth.jsonl'),
    entities: join(dir, 'entities.jsonl'),
    devices: join(dir, 'devices.jsonl'),
  };
  const entities = new LineWriter(files.entities);
  for (const e of initialEntities(city)) entities.line(JSON.stringify(e));
  entities.close();
  const deviceFile = new LineWriter(files.devices);
  for (const d of devices(city)) deviceFile.line(JSON.stringify(d));
  deviceFile.close();

  const stream = new LineWriter(files.stream);
  const truth = new LineWriter(files.truth);
  const fromMs = Date.parse(from);
  const span = Math.max(1, Date.parse(to) - fromMs);
  let observations = 0;
  let truthCount = 0;
  let ticks = 0;
  let lastReport = fromMs;
  try {
    for (const tick of simulate(city, from, to)) {
      const prefix = `{"at":${JSON.stringify(tick.at)},`;
      for (const o of tick.observations) stream.line(prefix + JSON.stringify(o).slice(1));
      for (const r of tick.truth) truth.line(JSON.stringify(r));
      observations += tick.observations.length;
      truthCount += tick.truth.length;
      ticks++;
      const ms = Date.parse(tick.at);
      if (onProgress && ms - lastReport >= 3_600_000) {
        lastReport = ms;
        onProgress({ at: tick.at, fraction: (ms - fromMs) / span, observations, truth: truthCount });
      }
    }
  } finally {
    stream.close();
    truth.close();
  }
  onProgress?.({ at: to, fraction: 1, observations, truth: truthCount });
  return { observations, truth: truthCount, ticks, files };
}

export interface WriteOutOptions {
  seed: number;
  size: City['size'];
  /** ISO instant (UTC) */
  start: string;
  stepSeconds?: number;
  days: number;
  dir: string;
  onProgress?: (p: OutProgress) => void;
}

/** `citycloud simulate --out DIR`: builds the city for (seed, size) and writes `days` days from `start`. */
export function writeOut(options: WriteOutOptions): OutResult {
  const startMs = Date.parse(options.start);
  if (!Number.isFinite(startMs)) throw new RangeError(`--start must be a date or an ISO instant (got ${options.start})`);
  const start = new Date(startMs).toISOString();
  const city = buildCity({ seed: options.seed, size: options.size, start, ...(options.stepSeconds ? { stepSeconds: options.stepSeconds } : {}) });
  const to = new Date(startMs + options.days * 86_400_000).toISOString();
  return writeSimulation(city, start, to, options.dir, options.onProgress);
}
