/** `citycloud simulate`: feed the simulated city to a running CityCloud (--target), or write its stream and ground truth to files (--out). */
import { parseArgs } from 'node:util';
import { AppError } from '../platform/errors/app-error.ts';
import type { Size } from '../sim/model.ts';

export const SIMULATE_HELP = `  simulate                   Run the simulated city (Hangzhou): feed a running CityCloud or write files
      --seed N --start DATE [--days D] [--size tiny|small|city] [--step SECONDS]
      --target URL [--user admin --password PASSWORD] [--backfill-days N] [--speed realtime|Nx]
                   [--backfill-step SECONDS] [--backfill-via mqtt|temporal] [--mqtt URL] [--window N] [--connections N]
                   [--resume] [--keys FILE]
                   (or CITYCLOUD_API_KEY=cck_… instead of --user/--password)
      --out DIR     (writes stream.jsonl and truth.jsonl; no server needed)
      With --target: history of the --backfill-days before --start (default now) is sent at once, then --days
      run live (default: until Ctrl-C); the last line is a JSON summary of what was sent. --backfill-via temporal
      sends the history through the NGSI-LD temporal API (an archive import, far faster for long backfills) and
      only each device's newest measurement over MQTT. Demo mode runs it
      itself (SIM_CITY=off turns it off; SIM_SIZE, SIM_SEED, SIM_BACKFILL_HOURS).`;

const SIZES: readonly Size[] = ['tiny', 'small', 'city'];
const DAY_S = 86_400;

export interface SimulateArgs {
  seed: number;
  size: Size;
  stepSeconds: number;
  /** --target: where the live part starts (default now); --out: where the files start. */
  start: string | undefined;
  /** --target: simulated days to run live (Infinity: until stopped); --out: days to write. */
  days: number | undefined;
  target: string | undefined;
  out: string | undefined;
  user: string;
  password: string | undefined;
  backfillDays: number;
  /** Simulated seconds per wall-clock second. */
  speed: number;
  mqtt: string | undefined;
  window: number;
  connections: number;
  /** Continue after the newest history the target holds instead of sending it again. */
  resume: boolean;
  /** Seconds between backfilled measurements (default: --step). */
  backfillStep: number | undefined;
  /** How device history is backfilled: over MQTT (default) or through the temporal API. */
  backfillVia: 'mqtt' | 'temporal';
  /** A file that keeps the device keys between runs. */
  keys: string | undefined;
  /** CITYCLOUD_API_KEY: an admin or operator API key to use instead of --user/--password. */
  apiKey: string | undefined;
}

function bad(message: string): never {
  throw new AppError('BAD_REQUEST_DATA', message);
}

function nonNegative(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) bad(`${name} must be a number ≥ 0, got "${raw}"`);
  return value;
}

function wholeNumber(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) bad(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return Number(raw);
}

/** "realtime" → 1; "60x" (or "60") → 60 simulated seconds per second. */
export function parseSpeed(raw: string | undefined): number {
  if (raw === undefined || raw === 'realtime') return 1;
  const match = /^(\d+(?:\.\d+)?)x?$/i.exec(raw.trim());
  const value = match ? Number(match[1]) : Number.NaN;
  if (!(value > 0) || value > 1_000_000) bad(`--speed must be "realtime" or a factor such as 60x, got "${raw}"`);
  return value;
}

/** Reads and checks the options; throws an AppError naming the option to fix. */
export function parseSimulateArgs(argv: string[], env: Record<string, string | undefined> = process.env): SimulateArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' },
      start: { type: 'string' },
      days: { type: 'string' },
      size: { type: 'string' },
      step: { type: 'string' },
      speed: { type: 'string' },
      'backfill-days': { type: 'string' },
      target: { type: 'string' },
      out: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      mqtt: { type: 'string' },
      window: { type: 'string' },
      connections: { type: 'string' },
      resume: { type: 'boolean' },
      'backfill-step': { type: 'string' },
      'backfill-via': { type: 'string' },
      keys: { type: 'string' },
    },
  });
  if (values.target && values.out) bad('give either --target URL (feed a running CityCloud) or --out DIR (write files), not both');
  if (!values.target && !values.out) bad('give --target URL to feed a running CityCloud, or --out DIR to write the stream and ground truth to files');
  const size = (values.size ?? 'small') as Size;
  if (!SIZES.includes(size)) bad(`--size must be one of ${SIZES.join(', ')}, got "${values.size}"`);
  let start: string | undefined;
  if (values.start !== undefined) {
    const ms = Date.parse(values.start);
    if (Number.isNaN(ms)) bad(`--start must be a date such as 2025-03-03 or 2025-03-03T08:00:00Z, got "${values.start}"`);
    start = new Date(ms).toISOString();
  }
  if (values.target !== undefined && !/^https?:\/\/[^\s/]+/i.test(values.target)) bad(`--target must be the URL of a CityCloud, e.g. http://127.0.0.1:8080, got "${values.target}"`);
  if (values.mqtt !== undefined && !/^(mqtts?|tcp|wss?):\/\/[^\s/]+/i.test(values.mqtt)) bad(`--mqtt must be a broker URL such as mqtt://127.0.0.1:1883, got "${values.mqtt}"`);
  const via = values['backfill-via'] ?? 'mqtt';
  if (via !== 'mqtt' && via !== 'temporal') bad(`--backfill-via must be mqtt or temporal, got "${via}"`);
  const days = values.days === undefined ? undefined : nonNegative(values.days, '--days', 0);
  if (values.out !== undefined && days === 0) bad('--days must be more than 0 with --out');
  return {
    seed: wholeNumber(values.seed, '--seed', 1, 0, 2 ** 32 - 1),
    size,
    stepSeconds: wholeNumber(values.step, '--step', 60, 1, 3600),
    start,
    days,
    target: values.target?.replace(/\/+$/, ''),
    out: values.out,
    user: values.user ?? 'admin',
    password: values.password ?? (env.CITYCLOUD_ADMIN_PASSWORD || undefined),
    backfillDays: nonNegative(values['backfill-days'], '--backfill-days', 0),
    speed: parseSpeed(values.speed),
    mqtt: values.mqtt,
    window: wholeNumber(values.window, '--window', 256, 1, 100_000),
    connections: wholeNumber(values.connections, '--connections', 4, 1, 64),
    resume: values.resume === true,
    backfillStep: values['backfill-step'] === undefined ? undefined : wholeNumber(values['backfill-step'], '--backfill-step', 60, 1, 86_400),
    backfillVia: via,
    keys: values.keys,
    apiKey: env.CITYCLOUD_API_KEY?.trim() || undefined,
  };
}

/** The broker the platform consumes: --mqtt, else MQTT_URL, else the embedded broker on the target's host (MQTT_PORT or 1883). */
export function mqttUrlFor(args: SimulateArgs, env: Record<string, string | undefined>): string {
  if (args.mqtt) return args.mqtt;
  if (env.MQTT_URL?.trim()) return env.MQTT_URL.trim();
  const host = new URL(args.target as string).hostname;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${env.MQTT_PORT?.trim() || '1883'}`;
}

export async function simulateCommand(argv: string[]): Promise<number> {
  const args = parseSimulateArgs(argv);
  const generator = await import('../sim/index.ts');
  if (args.out !== undefined) {
    const { writeOut } = await import('../sim/out.ts');
    const start = args.start ?? bad('--start is needed with --out (the files must not depend on today)');
    let shown = 0;
    const written = writeOut({
      seed: args.seed,
      size: args.size,
      start,
      stepSeconds: args.stepSeconds,
      days: args.days ?? 1,
      dir: args.out,
      onProgress: (p) => {
        // One line every few seconds at most: long runs write millions of lines.
        if (Date.now() - shown < 5000 && p.fraction < 1) return;
        shown = Date.now();
        process.stderr.write(`writing ${p.at.slice(0, 16).replace('T', ' ')}Z (${Math.round(p.fraction * 100)} %) · ${p.observations.toLocaleString('en')} observations · ${p.truth.toLocaleString('en')} ground-truth records\n`);
      },
    });
    process.stdout.write(`${JSON.stringify({ written })}\n`);
    return 0;
  }
  if (!args.password && !args.apiKey) bad('--password (or CITYCLOUD_ADMIN_PASSWORD) is needed to log in to the target as --user (default admin)');
  const { runFeed } = await import('../sim/feed/feeder.ts');
  const controller = new AbortController();
  let firstStop = 0;
  const onSignal = () => {
    // A second signal quits at once, unless it came with the first (Ctrl-C reaches a whole process group).
    if (firstStop > 0) {
      if (Date.now() - firstStop > 1000) process.exit(130);
      return;
    }
    firstStop = Date.now();
    process.stderr.write('citycloud simulate: stopping (sending what is pending; press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const liveStart = args.start ?? new Date().toISOString();
    const summary = await runFeed({
      generator,
      target: args.target as string,
      credentials: args.apiKey ? { token: args.apiKey } : { username: args.user, password: args.password as string },
      resume: args.resume,
      ...(args.backfillStep !== undefined ? { backfillStepSeconds: args.backfillStep } : {}),
      ...(args.keys !== undefined ? { keysFile: args.keys } : {}),
      backfillVia: args.backfillVia,
      mqttUrl: mqttUrlFor(args, process.env),
      seed: args.seed,
      size: args.size,
      stepSeconds: args.stepSeconds,
      liveStart,
      backfillSeconds: args.backfillDays * DAY_S,
      liveSeconds: args.days === undefined ? Number.POSITIVE_INFINITY : args.days * DAY_S,
      speed: args.speed,
      window: args.window,
      connections: args.connections,
      signal: controller.signal,
      log: (line) => process.stdout.write(`${line}\n`),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    // The last line: what was sent and acknowledged, for scripts and tests to compare with the hub.
    process.stdout.write(`${JSON.stringify({ summary })}\n`);
    return 0;
  } catch (error) {
    if (error instanceof AppError) throw error;
    // The platform refused or could not be reached: say so in its own words, without a stack trace.
    process.stderr.write(`citycloud simulate: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
