/** Fetches remote @context documents safely: http(s) only, public addresses only (SSRF guard), bounded in time, size and redirects. */
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { AppError } from '../../platform/errors/app-error.ts';

export interface FetchPolicy {
  /** Whole fetch, redirects included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  /**
   * Host names (as written in the URL, lower case) that may resolve to private or loopback addresses.
   * Empty in production; tests put their local context server here.
   */
  allowedPrivateHosts: ReadonlySet<string>;
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = {
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
  allowedPrivateHosts: new Set(),
};

export interface FetchedDocument {
  /** The body as text (UTF-8). */
  text: string;
  /** The URL that answered, after redirects. */
  finalUrl: string;
}

const BLOCKED = new net.BlockList();
for (const [address, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  BLOCKED.addSubnet(address, prefix, 'ipv4');
}
for (const [address, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  BLOCKED.addSubnet(address, prefix, 'ipv6');
}

/**
 * True for addresses a context fetch must never reach: loopback, private, link-local, carrier-grade NAT,
 * multicast, reserved, documentation, and IPv6 forms that embed IPv4 (mapped, NAT64, 6to4).
 * @example isPrivateAddress('10.1.2.3') // true
 */
export function isPrivateAddress(address: string): boolean {
  // IPv4-mapped IPv6 (::ffff:a.b.c.d or ::ffff:hhhh:hhhh) is judged by its IPv4 address.
  const dotted = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (dotted) return isPrivateAddress(dotted[1]!);
  const hex = /^(?:0{0,4}:){0,4}:?(?:0{0,4}:)?ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = Number.parseInt(hex[1]!, 16);
    const low = Number.parseInt(hex[2]!, 16);
    return isPrivateAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const family = net.isIP(address);
  if (family === 0) return true;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function unavailable(url: string, reason: string): AppError {
  return new AppError('LD_CONTEXT_NOT_AVAILABLE', `The @context ${url} could not be fetched: ${reason}`);
}

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'its host name does not resolve',
  EAI_AGAIN: 'its host name could not be resolved (DNS unavailable)',
  ECONNREFUSED: 'the server refused the connection',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's TLS certificate is self-signed",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's TLS certificate is for another host",
};

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup for http.request that refuses private addresses, so the checked address is the one connected to. */
function guardedLookup(host: string, original: string, allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, []);
        return;
      }
      if (!allowPrivate && addresses.some((a) => isPrivateAddress(a.address))) {
        const refusal = unavailable(original, `${host} resolves to a private or loopback address, which this broker never fetches from`);
        callback(refusal as unknown as NodeJS.ErrnoException, []);
        return;
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
    });
  };
}

interface Hop {
  status: number;
  location: string | undefined;
  body: string;
}

function getOnce(url: URL, original: string, policy: FetchPolicy, signal: AbortSignal): Promise<Hop> {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const allowPrivate = policy.allowedPrivateHosts.has(host);
  if (net.isIP(host) !== 0 && !allowPrivate && isPrivateAddress(host)) {
    return Promise.reject(unavailable(original, `${host} is a private or loopback address, which this broker never fetches from`));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Hop>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: 'GET',
        agent: false,
        signal,
        lookup: guardedLookup(host, original, allowPrivate),
        headers: {
          accept: 'application/ld+json, application/json;q=0.9, */*;q=0.1',
          'user-agent': 'CityCloud-NGSI-LD-broker',
        },
      },
      (response: IncomingMessage) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.resume();
          resolve({ status, location: response.headers.location, body: '' });
          return;
        }
        if (status !== 200) {
          response.resume();
          resolve({ status, location: undefined, body: '' });
          return;
        }
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > policy.maxBytes) {
          response.destroy();
          reject(unavailable(original, `the document is larger than ${policy.maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > policy.maxBytes) {
            response.destroy();
            reject(unavailable(original, `the document is larger than ${policy.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, location: undefined, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function explain(error: unknown, original: string, policy: FetchPolicy): AppError {
  if (error instanceof AppError) return error;
  const e = error as NodeJS.ErrnoException;
  if (e?.name === 'AbortError' || e?.code === 'ABORT_ERR') {
    return unavailable(original, `no complete answer within ${policy.timeoutMs / 1000} s`);
  }
  const reason = (e?.code && NETWORK_REASONS[e.code]) || (e?.message ? `network error (${e.code ?? e.message})` : 'network error');
  return unavailable(original, reason);
}

/**
 * GETs a @context document. Only http and https; never a private or loopback address (checked on the
 * resolved address that is actually connected to, and again on every redirect) unless its host is in
 * `allowedPrivateHosts`; at most `maxRedirects` redirects, never from https down to http; at most
 * `maxBytes`; at most `timeoutMs` in all. Throws AppError LD_CONTEXT_NOT_AVAILABLE naming the URL and the reason.
 * @example const { text } = await fetchContextDocument('https://example.org/context.jsonld')
 */
export async function fetchContextDocument(url: string, policy: FetchPolicy = DEFAULT_FETCH_POLICY): Promise<FetchedDocument> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new AppError('BAD_REQUEST_DATA', `The @context URL ${url} is not a valid URL`);
  }
  if (current.protocol !== 'http:' && current.protocol !== 'https:') {
    throw unavailable(url, `only http and https @context URLs are fetched, not ${current.protocol}`);
  }
  const signal = AbortSignal.timeout(policy.timeoutMs);
  for (let redirects = 0; ; redirects++) {
    let hop: Hop;
    try {
      hop = await getOnce(current, url, policy, signal);
    } catch (error) {
      throw explain(error, url, policy);
    }
    if (hop.status >= 300 && hop.status < 400) {
      if (hop.location === undefined) throw unavailable(url, `HTTP ${hop.status} without a Location header`);
      if (redirects >= policy.maxRedirects) throw unavailable(url, `more than ${policy.maxRedirects} redirects`);
      let next: URL;
      try {
        next = new URL(hop.location, current);
      } catch {
        throw unavailable(url, `a redirect to an invalid URL (${hop.location.slice(0, 200)})`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw unavailable(url, `a redirect to ${next.protocol}, which is not fetched`);
      if (current.protocol === 'https:' && next.protocol === 'http:') throw unavailable(url, 'a redirect from https down to http');
      current = next;
      continue;
    }
    if (hop.status !== 200) throw unavailable(url, `the server answered HTTP ${hop.status}`);
    return { text: hop.body, finalUrl: current.href };
  }
}
