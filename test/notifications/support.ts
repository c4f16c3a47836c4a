/** Test support for notifications: receivers in this process (conformance tests) or in their own processes (delivery tests). */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface ReceivedNotification {
  path: string;
  /** Receipt time, ms since the epoch (sub-millisecond). */
  at: number;
  headers: Record<string, string>;
  body: { id: string; type: string; subscriptionId: string; notifiedAt: string; data: Array<Record<string, unknown>>; '@context'?: unknown };
}

/** A receiver in this process: answers `status` (default 204) and keeps what it got. */
export interface LocalReceiver {
  url: string;
  received: ReceivedNotification[];
  status: number;
  /** Resolves when `count` notifications arrived at `pathname` (or anywhere), or rejects after `timeoutMs`. */
  waitFor(count: number, pathname?: string, timeoutMs?: number): Promise<ReceivedNotification[]>;
  close(): Promise<void>;
}

export async function startLocalReceiver(): Promise<LocalReceiver> {
  const received: ReceivedNotification[] = [];
  const waiters = new Set<() => void>();
  const receiver = { status: 204 } as LocalReceiver;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const status = receiver.status;
      if (status < 300) {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(request.headers)) if (typeof v === 'string') headers[k] = v;
        received.push({ path: request.url ?? '/', at: Date.now(), headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        for (const w of waiters) w();
      }
      response.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const of = (pathname?: string) => received.filter((r) => pathname === undefined || r.path === pathname);
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor(count: number, pathname?: string, timeoutMs = 10_000) {
      return new Promise<ReceivedNotification[]>((resolve, reject) => {
        const check = () => {
          const got = of(pathname);
          if (got.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(got);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${count} notifications at ${pathname ?? 'any path'}, got ${of(pathname).length}: ${JSON.stringify(of(pathname)).slice(0, 800)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** A receiver in its own process (test/notifications/receiver.mjs). */
export interface ReceiverProcess {
  port: number;
  url: string;
  process: ChildProcess;
  records(from?: number): Promise<{ total: number; records: ReceivedNotification[] }>;
  stop(): Promise<void>;
}

const SCRIPT = path.join(import.meta.dirname, 'receiver.mjs');

export async function spawnReceiver(port = 0, env: Record<string, string> = {}): Promise<ReceiverProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.NODE_OPTIONS;
  const child = spawn(process.execPath, [SCRIPT], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const actual = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const m = /listening ([\d,]+)\n/.exec(text);
      if (m) resolve(Number((m[1] as string).split(',')[0]));
    });
    exited.then(() => reject(new Error(`receiver exited before listening: ${text}`)));
  });
  const url = `http://127.0.0.1:${actual}`;
  return {
    port: actual,
    url,
    process: child,
    async records(from = 0) {
      const response = await fetch(`${url}/records?from=${from}`);
      return (await response.json()) as { total: number; records: ReceivedNotification[] };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
