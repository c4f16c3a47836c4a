/** Test support: a whole platform on a fresh test store, with its log captured for assertions. */
import { Writable } from 'node:stream';
import { createPlatform, type Platform } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/platform/config/config.ts';
import { createLogger } from '../../src/platform/logging/logger.ts';
import { openTestStore } from '../../src/platform/store/testing.ts';

export const ADMIN_PASSWORD = 'test-admin-password';

export interface TestPlatform {
  platform: Platform;
  /** Every log line written so far, as text. */
  logText(): string;
  /** An access token for the first admin of the default city. */
  adminToken: string;
  login(username: string, password: string, tenant?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  const config: Config = loadConfig({ CITYCLOUD_ADMIN_PASSWORD: ADMIN_PASSWORD, LOG_LEVEL: 'info', WEB_DIR: '/nonexistent', ...env });
  const handle = await openTestStore();
  const platform = await createPlatform(config, { logger: createLogger('info', sink), store: handle.store, processMetrics: false });
  const login = async (username: string, password: string, tenant?: string) => {
    const response = await platform.server.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username, password, ...(tenant ? { tenant } : {}) },
    });
    if (response.statusCode !== 200) throw new Error(`login of ${username} failed: ${response.body}`);
    return response.json<{ accessToken: string }>().accessToken;
  };
  const adminToken = await login('admin', ADMIN_PASSWORD);
  return {
    platform,
    logText: () => lines.join(''),
    adminToken,
    login,
    async close() {
      await platform.close();
      await handle.dispose();
    },
  };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
