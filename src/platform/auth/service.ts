/** Principals of a city: users and API keys, login, access tokens, and the first admin. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/service.ts';
import { AppError } from '../errors/app-error.ts';
import type { Queryable, Store } from '../store/store.ts';
import type { Tenancy } from '../tenancy/service.ts';
import { generateApiKey, parseApiKey, secretMatches } from './api-keys.ts';
import { type ApiKeyRecord, anonymous, systemPrincipal, type Principal, ROLES, type Role, type User, type UserRecord } from './model.ts';
import { checkPasswordPolicy, DECOY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import * as sql from './store.ts';
import { LoginThrottle } from './throttle.ts';
import { signAccessToken, VerifiedTokens } from './tokens.ts';

const USERNAME = /^[\p{L}\p{N}][\p{L}\p{N}_.@+-]{1,63}$/u;
const KEY_CACHE_MS = 30_000;

export interface RequestContext {
  requestId?: string;
  /** Client address, for throttling and the audit trail. */
  ip?: string;
}

export interface Session {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: User;
}

export interface NewUser {
  username: string;
  password: string;
  displayName?: string;
  roles: Role[];
  department?: string | null;
}

export interface AuthOptions {
  secret: string;
  tokenTtl: number;
}

const publicUser = (u: UserRecord): User => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  roles: u.roles,
  tenant: u.tenant,
  department: u.department,
});

export class AuthService {
  #store: Store;
  #audit: AuditLog;
  #tenancy: Tenancy;
  #options: AuthOptions;
  #throttle = new LoginThrottle();
  #keyCache = new Map<string, { key: sql.StoredKey; until: number }>();
  #usedKeys = new Set<string>();
  #tokens: VerifiedTokens;

  constructor(deps: { store: Store; audit: AuditLog; tenancy: Tenancy }, options: AuthOptions) {
    this.#store = deps.store;
    this.#audit = deps.audit;
    this.#tenancy = deps.tenancy;
    this.#options = options;
    this.#tokens = new VerifiedTokens(options.secret);
  }

  async login(tenant: string, username: string, password: string, ctx: RequestContext = {}): Promise<Session> {
    await this.#tenancy.assertExists(tenant);
    const throttleKey = `${tenant}\u0000${username.toLowerCase()}`;
    const wait = this.#throttle.secondsToWait(throttleKey);
    if (wait > 0) {
      throw new AppError('TOO_MANY_REQUESTS', `Too many failed logins for "${username}"; try again in ${wait} s`, {
        retryAfter: wait,
      });
    }
    const user = await sql.findUserByName(this.#store, tenant, username);
    // Verify against a decoy when the user is unknown so the answer takes as long either way.
    const ok = await verifyPassword(password, user?.passwordHash ?? DECOY_HASH);
    if (!user || !ok || user.disabled) {
      this.#throttle.fail(throttleKey);
      await this.#audit.record(this.#store, {
        tenant,
        actor: { ...anonymous(tenant), name: username.slice(0, 64) },
        action: 'auth.login',
        outcome: 'failure',
        reason: user?.disabled ? 'account disabled' : 'wrong username or password',
        ...this.#context(ctx),
      });
      throw new AppError('UNAUTHENTICATED', 'Wrong username or password');
    }
    this.#throttle.succeed(throttleKey);
    const session = this.#session(user);
    await this.#audit.record(this.#store, {
      tenant,
      actor: this.#principalOf(user),
      action: 'auth.login',
      target: { type: 'user', id: user.id },
      ...this.#context(ctx),
    });
    return session;
  }

  /** Citizen self-registration: anyone may open a citizen account in a city. */
  async register(tenant: string, input: { username: string; password: string; displayName?: string }, ctx: RequestContext = {}): Promise<Session> {
    await this.#tenancy.assertExists(tenant);
    const user = await this.#store.transaction(async (tx) => {
      const created = await this.#insertUser(tx, tenant, { ...input, roles: ['citizen'], department: null });
      await this.#audit.record(tx, {
        tenant,
        actor: this.#principalOf(created),
        action: 'user.register',
        target: { type: 'user', id: created.id },
        details: { username: created.username },
        ...this.#context(ctx),
      });
      return created;
    });
    return this.#session(user);
  }

  async createUser(actor: Principal, input: NewUser, ctx: RequestContext = {}): Promise<User> {
    const user = await this.#store.transaction(async (tx) => {
      const created = await this.#insertUser(tx, actor.tenant, input);
      await this.#audit.record(tx, {
        tenant: actor.tenant,
        actor,
        action: 'user.create',
        target: { type: 'user', id: created.id },
        details: { username: created.username, roles: created.roles, department: created.department },
        ...this.#context(ctx),
      });
      return created;
    });
    return publicUser(user);
  }

  /** Sets a user's password (an administrator's reset, e.g. of a lost first-admin password). */
  async resetPassword(actor: Principal, username: string, password: string, ctx: RequestContext = {}): Promise<void> {
    checkPasswordPolicy(password, username);
    const hash = await hashPassword(password);
    await this.#store.transaction(async (tx) => {
      const id = await sql.updatePassword(tx, actor.tenant, username, hash);
      if (!id) throw new AppError('NOT_FOUND', `No user "${username.slice(0, 64)}" in city "${actor.tenant}"`);
      await this.#audit.record(tx, {
        tenant: actor.tenant,
        actor,
        action: 'user.resetPassword',
        target: { type: 'user', id },
        ...this.#context(ctx),
      });
    });
    this.#throttle.succeed(`${actor.tenant}\u0000${username.toLowerCase()}`);
  }

  async listUsers(actor: Principal, ctx: RequestContext = {}): Promise<UserRecord[]> {
    const users = await sql.listUsers(this.#store, actor.tenant);
    await this.#audit.record(this.#store, {
      tenant: actor.tenant,
      actor,
      action: 'user.list',
      details: { count: users.length },
      ...this.#context(ctx),
    });
    return users.map(({ passwordHash: _, ...u }) => u);
  }

  async me(principal: Principal): Promise<User> {
    if (principal.kind === 'user' && principal.id) {
      const user = await sql.findUserById(this.#store, principal.tenant, principal.id);
      if (!user || user.disabled) throw new AppError('UNAUTHENTICATED', 'This account no longer exists or is disabled');
      return publicUser(user);
    }
    return {
      id: principal.id ?? '',
      username: principal.name ?? principal.kind,
      displayName: principal.name ?? principal.kind,
      roles: [...principal.roles],
      tenant: principal.tenant,
      department: principal.department,
    };
  }

  async createApiKey(
    actor: Principal,
    input: { name: string; role: Role; department?: string | null },
    ctx: RequestContext = {},
  ): Promise<{ apiKey: ApiKeyRecord; key: string }> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) throw new AppError('BAD_REQUEST_DATA', 'A key needs a name of 1 to 100 characters');
    assertRole(input.role);
    const generated = generateApiKey();
    const stored = await this.#store.transaction(async (tx) => {
      if (input.department) await this.#tenancy.assertDepartment(tx, actor.tenant, input.department);
      const key = await sql.insertKey(tx, {
        id: generated.id,
        tenant: actor.tenant,
        name,
        role: input.role,
        department: input.department ?? null,
        secretHash: generated.secretHash,
        createdBy: actor.name, // shown to people; the audit entry keeps the id
      });
      await this.#audit.record(tx, {
        tenant: actor.tenant,
        actor,
        action: 'apiKey.create',
        target: { type: 'apiKey', id: key.id },
        details: { name, role: input.role, department: input.department ?? null },
        ...this.#context(ctx),
      });
      return key;
    });
    return { apiKey: publicKey(stored), key: generated.key };
  }

  async listApiKeys(actor: Principal): Promise<ApiKeyRecord[]> {
    return (await sql.listKeys(this.#store, actor.tenant)).map(publicKey);
  }

  async revokeApiKey(actor: Principal, id: string, ctx: RequestContext = {}): Promise<void> {
    await this.#store.transaction(async (tx) => {
      const revoked = await sql.revokeKey(tx, actor.tenant, id);
      if (!revoked) throw new AppError('NOT_FOUND', `No active API key "${id.slice(0, 32)}" in this city`);
      await this.#audit.record(tx, {
        tenant: actor.tenant,
        actor,
        action: 'apiKey.revoke',
        target: { type: 'apiKey', id },
        ...this.#context(ctx),
      });
    });
    this.#keyCache.delete(id);
  }

  /** Turns a bearer credential (access token or API key) into a principal, or throws UNAUTHENTICATED. */
  async authenticate(credential: string): Promise<Principal> {
    if (!credential.startsWith('cck_')) return this.#tokens.verify(credential);
    const parsed = parseApiKey(credential);
    if (!parsed) throw new AppError('UNAUTHENTICATED', 'The API key is malformed; copy the whole key, starting with "cck_"');
    const key = await this.#cachedKey(parsed.id);
    if (!key || !secretMatches(parsed.secret, key.secretHash)) throw new AppError('UNAUTHENTICATED', 'The API key is not valid');
    if (key.revokedAt) throw new AppError('UNAUTHENTICATED', `The API key "${key.name}" was revoked at ${key.revokedAt}`);
    this.#usedKeys.add(key.id);
    return { kind: 'apiKey', id: key.id, name: key.name, tenant: key.tenant, roles: [key.role], department: key.department };
  }

  /** Writes the keys used since the last call as `last_used_at` (one statement, on a timer). */
  async flushKeyUsage(): Promise<void> {
    if (this.#usedKeys.size === 0) return;
    const ids = [...this.#usedKeys];
    this.#usedKeys.clear();
    await sql.touchKeys(this.#store, ids);
  }

  /**
   * Creates the city's first admin unless the city has one. Returns the password when it was
   * generated here (so it can be printed once), `null` when it was given, `undefined` when an admin exists.
   */
  async ensureFirstAdmin(tenant: string, password?: string): Promise<{ username: string; password: string | null } | undefined> {
    return this.#store.transaction(async (tx) => {
      if ((await sql.countAdmins(tx, tenant)) > 0) return undefined;
      const generated = password ?? randomBytes(12).toString('base64url');
      const admin = await this.#insertUser(tx, tenant, {
        username: 'admin',
        password: generated,
        displayName: '管理员 Administrator',
        roles: ['admin'],
      });
      await this.#audit.record(tx, {
        tenant,
        actor: systemPrincipal(tenant, 'first start'),
        action: 'user.create',
        target: { type: 'user', id: admin.id },
        details: { username: 'admin', roles: ['admin'], reason: 'first admin of the city' },
      });
      return { username: 'admin', password: password ? null : generated };
    });
  }

  async #insertUser(q: Queryable, tenant: string, input: NewUser): Promise<sql.StoredUser> {
    const username = input.username.trim();
    if (!USERNAME.test(username)) {
      throw new AppError('BAD_REQUEST_DATA', 'A username is 2 to 64 letters, digits or . _ @ + -, starting with a letter or digit', {
        details: { field: 'username' },
      });
    }
    checkPasswordPolicy(input.password, username);
    if (input.roles.length === 0) throw new AppError('BAD_REQUEST_DATA', 'A user needs at least one role', { details: { field: 'roles' } });
    for (const role of input.roles) assertRole(role);
    const department = input.department ?? null;
    if (department) await this.#tenancy.assertDepartment(q, tenant, department);
    const displayName = (input.displayName ?? username).trim().slice(0, 100) || username;
    const created = await sql.insertUser(q, {
      tenant,
      id: randomUUID(),
      username,
      displayName,
      passwordHash: await hashPassword(input.password),
      roles: [...new Set(input.roles)],
      department,
    });
    if (!created) throw new AppError('ALREADY_EXISTS', `The username "${username}" is taken in this city; choose another`);
    return created;
  }

  #session(user: UserRecord): Session {
    return {
      accessToken: signAccessToken(this.#principalOf(user), this.#options.secret, this.#options.tokenTtl),
      tokenType: 'Bearer',
      expiresIn: this.#options.tokenTtl,
      user: publicUser(user),
    };
  }

  #principalOf(user: UserRecord): Principal {
    return { kind: 'user', id: user.id, name: user.username, tenant: user.tenant, roles: user.roles, department: user.department };
  }

  #context(ctx: RequestContext): { requestId?: string } {
    return ctx.requestId ? { requestId: ctx.requestId } : {};
  }

  async #cachedKey(id: string): Promise<sql.StoredKey | undefined> {
    const now = Date.now();
    const hit = this.#keyCache.get(id);
    if (hit && hit.until > now) return hit.key;
    const key = await sql.findKey(this.#store, id);
    if (key) {
      if (this.#keyCache.size > 10_000) this.#keyCache.clear();
      this.#keyCache.set(id, { key, until: now + KEY_CACHE_MS });
    }
    return key;
  }
}

function assertRole(role: string): asserts role is Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new AppError('BAD_REQUEST_DATA', `Unknown role "${String(role).slice(0, 32)}"; roles are ${ROLES.join(', ')}`, {
      details: { field: 'roles' },
    });
  }
}

function publicKey({ secretHash: _, tenant: __, ...key }: sql.StoredKey): ApiKeyRecord {
  return key;
}

/** The token signing secret: JWT_SECRET, or one generated once and shared by every node through the store. */
export async function loadTokenSecret(store: Store, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  await store.query(
    `INSERT INTO platform_settings (key, value) VALUES ('token_secret', to_jsonb($1::text)) ON CONFLICT (key) DO NOTHING`,
    [randomBytes(48).toString('base64url')],
  );
  const [row] = await store.query<{ value: string }>(`SELECT value FROM platform_settings WHERE key = 'token_secret'`);
  if (!row) throw new Error('token secret missing after insert');
  return row.value;
}
