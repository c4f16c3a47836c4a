/** The feeder's HTTP client: CityCloud's public API as any outside program sees it (bearer token, JSON, retries on 429/503). */
import http from 'node:http';
import https from 'node:https';

/** A refusal from the platform that a person can act on: the method, path, status and the platform's own words. */
export class PlatformRefused extends Error {
  override readonly name = 'PlatformRefused';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${detailOf(body)}`);
  }
}

function detailOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { detail?: string; title?: string } | Array<{ description?: string }>;
    if (Array.isArray(parsed)) return parsed.map((e) => e.description).join('; ') || body.slice(0, 300);
    return parsed.detail ?? parsed.title ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

export interface PlatformClientOptions {
  /** The platform's base URL, e.g. http://127.0.0.1:8080 (no trailing slash needed). */
  url: string;
  token?: string;
  /** Times a 429/503 answer (or a dropped connection) is retried before giving up. */
  retries?: number;
}

const LOGIN_PATH = '/api/v1/auth/login';

/** An answer's headers, read by name (any case). */
export interface AnswerHeaders {
  get(name: string): string | null;
}

export interface Answer {
  status: number;
  text: string;
  headers: AnswerHeaders;
}

/**
 * One HTTP exchange over node:http on kept-alive connections. (fetch's web streams and body copies were a sixth of
 * the simulator's time in a city-scale backfill, for requests that are a string out and a string back.)
 */
function exchange(url: URL, agent: http.Agent, method: string, headers: Record<string, string>, payload: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      { method, agent, headers: payload === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(payload)) } },
      (response) => {
        response.setEncoding('utf8');
        let text = '';
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('error', reject);
        response.on('end', () => {
          const raw = response.headers;
          resolve({
            status: response.statusCode ?? 0,
            text,
            headers: {
              get(name) {
                const value = raw[name.toLowerCase()];
                return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
              },
            },
          });
        });
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class PlatformClient {
  readonly url: string;
  #token: string | undefined;
  readonly #retries: number;
  readonly #agent: http.Agent;
  /** Kept after login: an access token expires (TOKEN_TTL, an hour by default), a feed runs for days. */
  #credentials: { username: string; password: string } | undefined;
  /** The login under way, shared by every request that found the token expired at the same time. */
  #relogin: Promise<void> | undefined;

  constructor(options: PlatformClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#retries = options.retries ?? 8;
    this.#agent = new (this.url.startsWith('https:') ? https.Agent : http.Agent)({ keepAlive: true });
  }

  /** Logs in with a username and password and keeps the access token for the following calls. */
  async login(username: string, password: string): Promise<void> {
    const session = await this.json<{ accessToken: string }>('POST', LOGIN_PATH, { username, password });
    this.#token = session.accessToken;
    this.#credentials = { username, password };
  }

  /** Uses an access token or API key obtained elsewhere (e.g. issued by the platform itself in demo mode); no renewal. */
  setToken(token: string): void {
    this.#token = token;
    this.#credentials = undefined;
  }

  /** Logs in again after a 401 (once for all the requests that met it); false when there is nothing to log in with. */
  async #renew(rejected: string | undefined): Promise<boolean> {
    const credentials = this.#credentials;
    if (!credentials) return false;
    if (this.#token !== rejected) return true; // another request has renewed it meanwhile
    this.#relogin ??= this.login(credentials.username, credentials.password).finally(() => {
      this.#relogin = undefined;
    });
    await this.#relogin;
    return true;
  }

  /** One call; 429 and 503 (and connection errors) are retried after the platform's Retry-After, or a growing pause. */
  async request(method: string, path: string, body?: { json: unknown } | { jsonText: string } | { form: URLSearchParams }): Promise<Answer> {
    const headers: Record<string, string> = {};
    // Logging in carries no token (an expired one would be refused before the password is looked at).
    let sentToken = path === LOGIN_PATH ? undefined : this.#token;
    if (sentToken) headers.authorization = `Bearer ${sentToken}`;
    let renewed = false;
    let payload: string | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body && 'jsonText' in body) {
      headers['content-type'] = 'application/json';
      payload = body.jsonText;
    } else if (body && 'form' in body) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      payload = body.form.toString();
    }
    for (let attempt = 0; ; attempt++) {
      let response: Answer;
      try {
        response = await exchange(new URL(`${this.url}${path}`), this.#agent, method, headers, payload);
      } catch (error) {
        if (attempt >= this.#retries) throw new Error(`${method} ${path}: cannot reach ${this.url} (${error instanceof Error ? error.message : String(error)})`);
        await sleep(Math.min(5000, 200 * 2 ** attempt));
        continue;
      }
      if (response.status === 401 && !renewed && path !== LOGIN_PATH && (await this.#renew(sentToken))) {
        // The access token expired during a long feed: log in again and repeat the call (once).
        renewed = true;
        attempt--;
        sentToken = this.#token as string;
        headers.authorization = `Bearer ${sentToken}`;
        continue;
      }
      if ((response.status === 429 || response.status === 503) && attempt < this.#retries) {
        const retryAfter = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Math.min(5000, 200 * 2 ** attempt));
        continue;
      }
      return response;
    }
  }

  /** A call that must succeed (2xx); its JSON answer, or undefined for an empty one. */
  async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const answer = await this.request(method, path, body === undefined ? undefined : { json: body });
    if (answer.status >= 300) throw new PlatformRefused(method, path, answer.status, answer.text);
    return (answer.text ? JSON.parse(answer.text) : undefined) as T;
  }
}
