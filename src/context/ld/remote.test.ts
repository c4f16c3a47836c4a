/** Remote @contexts against a real local HTTP server: caching, shared fetches, persistence, TTL refresh, failures, SSRF guard. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { type AppError, isAppError } from '../../platform/errors/app-error.ts';
import { classifyError } from '../../platform/http/problem.ts';
import { isPrivateAddress } from './fetcher.ts';
import { type ContextServer, type LdHarness, openLdHarness, spyOnNetwork, startContextServer } from './testing.ts';

const ALLOWED = { allowedPrivateHosts: ['127.0.0.1'] };

function appError(code: AppError['code'], pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

function literally(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

let server: ContextServer;
before(async () => {
  server = await startContextServer();
});
after(async () => {
  await server.close();
});

describe('fetching remote contexts', () => {
  let h: LdHarness;
  before(async () => {
    h = await openLdHarness({}, ALLOWED);
  });
  after(async () => {
    await h.close();
  });

  test('a remote context is fetched once and then served from memory', async () => {
    server.serve('/once.jsonld', { speed: 'https://example.org/ns#speed' });
    const url = server.url('/once.jsonld');
    const first = await h.ld.resolver.resolve(url);
    assert.equal(first.expand('speed'), 'https://example.org/ns#speed');
    assert.equal(await h.ld.resolver.resolve(url), first);
    assert.equal((await h.ld.resolver.resolve([url, { extra: 'https://example.org/ns#extra' }])).expand('speed'), 'https://example.org/ns#speed');
    assert.equal(server.hits('/once.jsonld'), 1);
  });

  test('concurrent requests for the same unknown URL share one fetch', async () => {
    server.route('/slow.jsonld', (_request, response) => {
      setTimeout(() => response.end(JSON.stringify({ '@context': { slow: 'https://example.org/ns#slow' } })), 150);
    });
    const url = server.url('/slow.jsonld');
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => h.ld.resolver.resolve(url)));
    assert.ok(all.every((terms) => terms === all[0]));
    assert.equal(server.hits('/slow.jsonld'), 1);
  });

  test('a fetched context is kept in the database with its fetch time', async () => {
    server.serve('/stored.jsonld', { stored: 'https://example.org/ns#stored' });
    const url = server.url('/stored.jsonld');
    await h.ld.resolver.resolve(url);
    const rows = await h.store.query<{ kind: string; fresh: boolean }>(
      "SELECT kind, fetched_at > now() - interval '1 minute' AS fresh FROM ld_contexts WHERE url = $1",
      [url],
    );
    assert.deepEqual(rows, [{ kind: 'Cached', fresh: true }]);
  });

  test('a context a document references is fetched as well', async () => {
    server.serve('/leaf.jsonld', { leaf: 'https://example.org/ns#leaf' });
    server.serve('/branch.jsonld', [server.url('/leaf.jsonld'), { branch: 'https://example.org/ns#branch' }]);
    const terms = await h.ld.resolver.resolve(server.url('/branch.jsonld'));
    assert.equal(terms.expand('leaf'), 'https://example.org/ns#leaf');
    assert.equal(terms.expand('branch'), 'https://example.org/ns#branch');
  });

  test('up to three redirects are followed', async () => {
    server.serve('/target.jsonld', { redirected: 'https://example.org/ns#redirected' });
    for (const [from, to] of [
      ['/r1', '/r2'],
      ['/r2', '/r3'],
      ['/r3', '/target.jsonld'],
    ] as const) {
      server.route(from, (_request, response) => {
        response.writeHead(302, { location: to });
        response.end();
      });
    }
    const terms = await h.ld.resolver.resolve(server.url('/r1'));
    assert.equal(terms.expand('redirected'), 'https://example.org/ns#redirected');
  });

  test('a fourth redirect is LdContextNotAvailable', async () => {
    for (const [from, to] of [
      ['/s1', '/s2'],
      ['/s2', '/s3'],
      ['/s3', '/s4'],
      ['/s4', '/target.jsonld'],
    ] as const) {
      server.route(from, (_request, response) => {
        response.writeHead(301, { location: to });
        response.end();
      });
    }
    await assert.rejects(h.ld.resolver.resolve(server.url('/s1')), appError('LD_CONTEXT_NOT_AVAILABLE', /more than 3 redirects/));
  });
});

describe('contexts that cannot be fetched', () => {
  let h: LdHarness;
  before(async () => {
    h = await openLdHarness({}, { ...ALLOWED, fetchTimeoutMs: 300 });
  });
  after(async () => {
    await h.close();
  });

  test('a 404 is LdContextNotAvailable naming the URL and the status', async () => {
    const url = server.url('/missing.jsonld');
    await assert.rejects(h.ld.resolver.resolve(url), appError('LD_CONTEXT_NOT_AVAILABLE', new RegExp(`${literally(url)}.*HTTP 404`)));
  });

  test('a host that does not resolve is LdContextNotAvailable naming the URL', async () => {
    const url = 'https://context.citycloud-test.invalid/missing-context.jsonld';
    await assert.rejects(h.ld.resolver.resolve(url), appError('LD_CONTEXT_NOT_AVAILABLE', new RegExp(`${literally(url)}.*does not resolve`)));
  });

  test('a refused connection is LdContextNotAvailable naming the URL', async () => {
    const closed = await startContextServer();
    const url = closed.url('/gone.jsonld');
    await closed.close();
    await assert.rejects(h.ld.resolver.resolve(url), appError('LD_CONTEXT_NOT_AVAILABLE', new RegExp(`${literally(url)}.*refused the connection`)));
  });

  test('a document that is not JSON is LdContextNotAvailable', async () => {
    server.route('/html', (_request, response) => response.end('<html>hello</html>'));
    await assert.rejects(h.ld.resolver.resolve(server.url('/html')), appError('LD_CONTEXT_NOT_AVAILABLE', /is not JSON/));
  });

  test('a JSON document without an @context member is LdContextNotAvailable', async () => {
    server.route('/plain.json', (_request, response) => response.end('{"speed": "https://example.org/speed"}'));
    await assert.rejects(h.ld.resolver.resolve(server.url('/plain.json')), appError('LD_CONTEXT_NOT_AVAILABLE', /no "@context" member/));
  });

  test('a server that does not answer in time is LdContextNotAvailable', async () => {
    server.route('/hang.jsonld', () => undefined);
    await assert.rejects(h.ld.resolver.resolve(server.url('/hang.jsonld')), appError('LD_CONTEXT_NOT_AVAILABLE', /no complete answer within 0\.3 s/));
  });

  test('a document larger than 1 MB is LdContextNotAvailable', async () => {
    server.route('/huge.jsonld', (_request, response) => {
      response.write('{"@context": {"a": "');
      response.write('x'.repeat(1024 * 1024));
      response.end('"}}');
    });
    await assert.rejects(h.ld.resolver.resolve(server.url('/huge.jsonld')), appError('LD_CONTEXT_NOT_AVAILABLE', /larger than 1048576 bytes/));
  });

  test('an invalid remote context is bad request data', async () => {
    server.serve('/invalid.jsonld', { speed: 12 });
    await assert.rejects(h.ld.resolver.resolve(server.url('/invalid.jsonld')), appError('BAD_REQUEST_DATA', /the definition of "speed"/));
  });
});

describe('the SSRF guard', () => {
  test('a loopback URL whose host is not allowed is refused before any request reaches it', async () => {
    const h = await openLdHarness();
    try {
      server.serve('/secret.jsonld', { secret: 'https://example.org/ns#secret' });
      await assert.rejects(h.ld.resolver.resolve(server.url('/secret.jsonld')), appError('LD_CONTEXT_NOT_AVAILABLE', /127\.0\.0\.1 is a private or loopback address/));
      await assert.rejects(
        h.ld.resolver.resolve(server.url('/secret.jsonld').replace('127.0.0.1', 'localhost')),
        appError('LD_CONTEXT_NOT_AVAILABLE', /localhost resolves to a private or loopback address/),
      );
      assert.equal(server.hits('/secret.jsonld'), 0);
    } finally {
      await h.close();
    }
  });

  test('a loopback host listed in LD_CONTEXT_ALLOW_HOSTS may be fetched', async () => {
    const h = await openLdHarness({ LD_CONTEXT_ALLOW_HOSTS: '127.0.0.1' });
    try {
      server.serve('/allowed.jsonld', { allowed: 'https://example.org/ns#allowed' });
      assert.equal((await h.ld.resolver.resolve(server.url('/allowed.jsonld'))).expand('allowed'), 'https://example.org/ns#allowed');
      assert.equal(server.hits('/allowed.jsonld'), 1);
    } finally {
      await h.close();
    }
  });

  test('a private address literal is refused without connecting', async () => {
    const h = await openLdHarness();
    const spy = spyOnNetwork();
    try {
      for (const url of ['http://10.0.0.8/ctx.jsonld', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/ctx.jsonld']) {
        await assert.rejects(h.ld.resolver.resolve(url), appError('LD_CONTEXT_NOT_AVAILABLE', /private or loopback address/));
      }
      assert.deepEqual(spy.calls, []);
    } finally {
      spy.restore();
      await h.close();
    }
  });

  test('a redirect from an allowed host to a private one is refused', async () => {
    const h = await openLdHarness({}, ALLOWED);
    try {
      server.serve('/inside.jsonld', { inside: 'https://example.org/ns#inside' });
      server.route('/bounce', (_request, response) => {
        response.writeHead(302, { location: server.url('/inside.jsonld').replace('127.0.0.1', 'localhost') });
        response.end();
      });
      await assert.rejects(h.ld.resolver.resolve(server.url('/bounce')), appError('LD_CONTEXT_NOT_AVAILABLE', /localhost resolves to a private/));
      assert.equal(server.hits('/inside.jsonld'), 0);
    } finally {
      await h.close();
    }
  });

  test('only http and https URLs are fetched', async () => {
    const h = await openLdHarness();
    try {
      await assert.rejects(h.ld.resolver.resolve('ftp://example.org/ctx.jsonld'), appError('LD_CONTEXT_NOT_AVAILABLE', /only http and https/));
      await assert.rejects(h.ld.resolver.resolve('file:///etc/passwd'), appError('LD_CONTEXT_NOT_AVAILABLE', /only http and https/));
    } finally {
      await h.close();
    }
  });

  test('private, loopback, link-local and IPv4-mapped addresses are recognised', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      assert.ok(isPrivateAddress(address), address);
    }
    for (const address of ['8.8.8.8', '140.205.60.46', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.ok(!isPrivateAddress(address), address);
    }
  });
});

describe('cached contexts over time', () => {
  test('a fetched context still resolves after a restart with its server gone', async () => {
    const origin = await startContextServer();
    origin.serve('/kept.jsonld', { kept: 'https://example.org/ns#kept' });
    const url = origin.url('/kept.jsonld');
    const h = await openLdHarness({}, ALLOWED);
    try {
      await h.ld.resolver.resolve(url);
      await origin.close();
      const restarted = await h.restart();
      const spy = spyOnNetwork();
      try {
        assert.equal((await restarted.resolver.resolve(url)).expand('kept'), 'https://example.org/ns#kept');
        assert.deepEqual(spy.calls, []);
      } finally {
        spy.restore();
      }
    } finally {
      await h.close();
    }
  });

  test('after the TTL the stale copy keeps serving while a background refresh fetches the new one', async () => {
    let now = Date.parse('2025-06-01T08:00:00Z');
    server.serve('/ttl.jsonld', { level: 'https://example.org/v1#level' });
    const url = server.url('/ttl.jsonld');
    const h = await openLdHarness({ LD_CONTEXT_TTL: '60' }, { ...ALLOWED, clock: () => now });
    try {
      const fresh = await h.ld.resolver.resolve(url);
      now += 30_000;
      assert.equal(await h.ld.resolver.resolve(url), fresh);
      assert.equal(server.hits('/ttl.jsonld'), 1);

      server.serve('/ttl.jsonld', { level: 'https://example.org/v2#level' });
      now += 31_000;
      const stale = await h.ld.resolver.resolve(url);
      assert.equal(stale.expand('level'), 'https://example.org/v1#level');
      await h.ld.settle();
      assert.equal(server.hits('/ttl.jsonld'), 2);
      assert.equal((await h.ld.resolver.resolve(url)).expand('level'), 'https://example.org/v2#level');
    } finally {
      await h.close();
    }
  });

  test('a failed background refresh keeps the stale copy serving', async () => {
    let now = Date.parse('2025-06-01T08:00:00Z');
    server.serve('/flaky.jsonld', { mood: 'https://example.org/v1#mood' });
    const url = server.url('/flaky.jsonld');
    const h = await openLdHarness({ LD_CONTEXT_TTL: '60' }, { ...ALLOWED, clock: () => now });
    try {
      await h.ld.resolver.resolve(url);
      server.route('/flaky.jsonld', (_request, response) => {
        response.statusCode = 500;
        response.end();
      });
      now += 61_000;
      await h.ld.resolver.resolve(url);
      await h.ld.settle();
      assert.equal(server.hits('/flaky.jsonld'), 2);
      assert.equal((await h.ld.resolver.resolve(url)).expand('mood'), 'https://example.org/v1#mood');
      assert.match(h.logText(), /could not refresh a cached @context/);
    } finally {
      await h.close();
    }
  });
});

describe('reloading a cached context (DELETE ?reload=true)', () => {
  test('reload downloads the context again and later requests use the new version', async () => {
    server.serve('/reload.jsonld', { depth: 'https://example.org/v1#depth' });
    const url = server.url('/reload.jsonld');
    const h = await openLdHarness({}, ALLOWED);
    const app = Fastify();
    app.setErrorHandler((error, _request, reply) => {
      const { problem } = classifyError(error, 1024 * 1024);
      reply.status(problem.status).send(problem);
    });
    await app.register(h.ld.routes, { prefix: '/ngsi-ld/v1' });
    try {
      assert.equal((await h.ld.resolver.resolve(url)).expand('depth'), 'https://example.org/v1#depth');
      server.serve('/reload.jsonld', { depth: 'https://example.org/v2#depth' });
      const reloaded = await app.inject({ method: 'DELETE', url: `/ngsi-ld/v1/jsonldContexts/${encodeURIComponent(url)}?reload=true` });
      assert.equal(reloaded.statusCode, 204, reloaded.body);
      assert.equal((await h.ld.resolver.resolve(url)).expand('depth'), 'https://example.org/v2#depth');

      server.route('/reload.jsonld', (_request, response) => {
        response.statusCode = 502;
        response.end();
      });
      const failed = await app.inject({ method: 'DELETE', url: `/ngsi-ld/v1/jsonldContexts/${encodeURIComponent(url)}?reload=true` });
      assert.equal(failed.statusCode, 503);
      assert.match(failed.json<{ detail: string }>().detail, /HTTP 502/);
      assert.equal((await h.ld.resolver.resolve(url)).expand('depth'), 'https://example.org/v2#depth');
      assert.equal(server.hits('/reload.jsonld'), 3);
    } finally {
      await app.close();
      await h.close();
    }
  });

  test('a deleted cached context is fetched again on its next use', async () => {
    server.serve('/again.jsonld', { width: 'https://example.org/ns#width' });
    const url = server.url('/again.jsonld');
    const h = await openLdHarness({}, ALLOWED);
    const app = Fastify();
    await app.register(h.ld.routes, { prefix: '/ngsi-ld/v1' });
    try {
      await h.ld.resolver.resolve(url);
      const deleted = await app.inject({ method: 'DELETE', url: `/ngsi-ld/v1/jsonldContexts/${encodeURIComponent(url)}` });
      assert.equal(deleted.statusCode, 204, deleted.body);
      const rows = await h.store.query('SELECT 1 FROM ld_contexts WHERE url = $1', [url]);
      assert.equal(rows.length, 0);
      await h.ld.resolver.resolve(url);
      assert.equal(server.hits('/again.jsonld'), 2);
    } finally {
      await app.close();
      await h.close();
    }
  });
});
