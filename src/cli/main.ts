/** The citycloud command line: serve, demo, migrate, user add, key create, simulate. */
import { parseArgs } from 'node:util';
import { createPlatform } from '../app.ts';
import type { Role } from '../platform/auth/model.ts';
import { systemPrincipal } from '../platform/auth/model.ts';
import { loadConfig, type Mode } from '../platform/config/config.ts';
import { isAppError } from '../platform/errors/app-error.ts';
import { createLogger } from '../platform/logging/logger.ts';
import { firstAdminLines, runServer } from './run-server.ts';
import { SIMULATE_HELP, simulateCommand } from './simulate.ts';

const HELP = `citycloud — CityCloud (城市云), the city platform

Usage: citycloud <command> [options]

Commands:
  serve                      Run the platform (production mode: no simulator)
  demo                       Run the platform in demo mode (what "npm start" runs)
  migrate                    Apply database migrations and exit
  user add                   Create a user
      --username NAME --password PASSWORD --role ROLE[,ROLE…]
      [--display-name NAME] [--department ID] [--tenant CITY]
  user password              Set a user's password (e.g. a lost admin password)
      --username NAME --password PASSWORD [--tenant CITY]
  key create                 Create an API key (printed once)
      --name NAME --role ROLE [--department ID] [--tenant CITY]
${SIMULATE_HELP}
  help, --help               Show this help

Roles: citizen, enterprise, officer, operator, developer, admin

Environment:
  PORT (8080)  HOST (127.0.0.1)  DATA_DIR (./data)  DATABASE_URL (embedded PGlite when unset)
  MQTT_PORT (1883, 0 = off)  MQTT_URL  LOG_LEVEL (info)  CITYCLOUD_AUTH (on | off)
  CITYCLOUD_TENANT (hangzhou)  CITYCLOUD_ADMIN_PASSWORD  JWT_SECRET  TOKEN_TTL (3600)  BODY_LIMIT (1048576)
`;

function fail(message: string): number {
  process.stderr.write(`citycloud: ${message}\n`);
  return 2;
}

/** Runs a short administrative task against the configured store with a quiet logger. */
async function withPlatform(task: (platform: Awaited<ReturnType<typeof createPlatform>>) => Promise<void>): Promise<number> {
  const config = loadConfig(process.env, 'serve');
  const platform = await createPlatform(config, { logger: createLogger('warn'), processMetrics: false });
  const admin = firstAdminLines(config, platform);
  if (admin.length > 0) process.stdout.write(`${admin.join('\n')}\n\n`);
  try {
    await task(platform);
    return 0;
  } finally {
    await platform.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return 0;
      case 'serve':
      case 'demo':
        return await runServer(loadConfig(process.env, command as Mode));
      case 'simulate':
        return await simulateCommand(argv.slice(1));
      case 'migrate':
        return await withPlatform(async (p) => {
          const [row] = await p.store.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
          process.stdout.write(`Database is at the latest schema (${row?.n ?? 0} migrations applied).\n`);
        });
      case 'user': {
        if (sub === 'password') {
          const { values } = parseArgs({
            args: argv.slice(2),
            options: { username: { type: 'string' }, password: { type: 'string' }, tenant: { type: 'string' } },
          });
          if (!values.username || !values.password) return fail('user password needs --username and --password');
          return await withPlatform(async (p) => {
            const tenant = values.tenant ?? p.config.defaultTenant;
            await p.tenancy.assertExists(tenant);
            await p.auth.resetPassword(systemPrincipal(tenant, 'citycloud cli'), values.username as string, values.password as string);
            process.stdout.write(`Password of "${values.username}" in city "${tenant}" set.\n`);
          });
        }
        if (sub !== 'add') return fail('usage: citycloud user add|password --username NAME --password PASSWORD …');
        const { values } = parseArgs({
          args: argv.slice(2),
          options: {
            username: { type: 'string' },
            password: { type: 'string' },
            role: { type: 'string' },
            'display-name': { type: 'string' },
            department: { type: 'string' },
            tenant: { type: 'string' },
          },
        });
        if (!values.username || !values.password || !values.role) return fail('user add needs --username, --password and --role');
        return await withPlatform(async (p) => {
          const tenant = values.tenant ?? p.config.defaultTenant;
          await p.tenancy.assertExists(tenant);
          const user = await p.auth.createUser(systemPrincipal(tenant, 'citycloud cli'), {
            username: values.username as string,
            password: values.password as string,
            roles: (values.role as string).split(',').map((r) => r.trim()) as Role[],
            ...(values['display-name'] ? { displayName: values['display-name'] } : {}),
            ...(values.department ? { department: values.department } : {}),
          });
          process.stdout.write(`Created user "${user.username}" (${user.roles.join(', ')}) in city "${tenant}".\n`);
        });
      }
      case 'key': {
        if (sub !== 'create') return fail('usage: citycloud key create --name NAME --role ROLE');
        const { values } = parseArgs({
          args: argv.slice(2),
          options: {
            name: { type: 'string' },
            role: { type: 'string' },
            department: { type: 'string' },
            tenant: { type: 'string' },
          },
        });
        if (!values.name || !values.role) return fail('key create needs --name and --role');
        return await withPlatform(async (p) => {
          const tenant = values.tenant ?? p.config.defaultTenant;
          await p.tenancy.assertExists(tenant);
          const created = await p.auth.createApiKey(systemPrincipal(tenant, 'citycloud cli'), {
            name: values.name as string,
            role: values.role as Role,
            ...(values.department ? { department: values.department } : {}),
          });
          process.stdout.write(
            `Created API key "${created.apiKey.name}" (${created.apiKey.role}) in city "${tenant}".\n` +
              `Key (shown only this once): ${created.key}\n`,
          );
        });
      }
      default:
        return fail(`unknown command "${command}"; run "citycloud --help"`);
    }
  } catch (error) {
    if (isAppError(error)) return fail(error.message);
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      return fail(`${error.message}; run "citycloud --help"`);
    }
    throw error;
  }
}
