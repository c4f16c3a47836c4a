/** The resolver: caching of processed contexts, offline resolution of the built-in contexts, ImplicitlyCreated contexts, LD_CONTEXTS_DIR. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AppError, isAppError } from '../../platform/errors/app-error.ts';
import { CORE_CONTEXT_URL, CORE_CONTEXT_URLS, DEFAULT_VOCAB, SHIPPED_CONTEXTS_DIR } from './index.ts';
import { JSONLD_CONTEXTS_PATH } from './library.ts';
import { type LdHarness, openLdHarness, spyOnNetwork } from './testing.ts';

const NGSI = 'https://uri.etsi.org/ngsi-ld/';
const SDM_ENVIRONMENT = 'https://raw.githubusercontent.com/smart-data-models/dataModel.Environment/master/context.jsonld';

function appError(code: AppError['code'], pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(isAppError(error), String(error));
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('caching processed contexts', () => {
  let h: LdHarness;
  before(async () => {
    h = await openLdHarness();
  });
  after(async () => {
    await h.close();
  });

  test('resolving the same URL twice gives the same TermMap object', async () => {
    const first = await h.ld.resolver.resolve(SDM_ENVIRONMENT);
    assert.equal(await h.ld.resolver.resolve(SDM_ENVIRONMENT), first);
  });

  test('two equal inline contexts, sent as different objects, give the same TermMap object', async () => {
    const first = await h.ld.resolver.resolve([{ speed: 'https://example.org/speed' }, CORE_CONTEXT_URL]);
    const second = await h.ld.resolver.resolve([{ speed: 'https://example.org/speed' }, CORE_CONTEXT_URL]);
    assert.equal(second, first);
    assert.equal(second.expand('speed'), 'https://example.org/speed');
  });

  test('no context and the core URL both give the core TermMap', async () => {
    assert.equal(await h.ld.resolver.resolve(undefined), h.ld.resolver.core);
    assert.equal(await h.ld.resolver.resolve(CORE_CONTEXT_URL), h.ld.resolver.core);
    assert.equal(h.ld.resolver.core.document, CORE_CONTEXT_URL);
    assert.equal(h.ld.resolver.core.linkUrl, CORE_CONTEXT_URL);
  });
});

describe('offline operation', () => {
  test('every URL of the core context resolves without any network use', async () => {
    const h = await openLdHarness();
    const spy = spyOnNetwork();
    try {
      for (const url of CORE_CONTEXT_URLS) {
        const terms = await h.ld.resolver.resolve(url);
        assert.equal(terms.expand('Property'), `${NGSI}Property`, url);
        assert.equal(terms.expand('pm25'), `${DEFAULT_VOCAB}pm25`, url);
        assert.equal(terms.linkUrl, url);
      }
      assert.deepEqual(spy.calls, []);
    } finally {
      spy.restore();
      await h.close();
    }
  });

  test('every preloaded Smart Data Models URL resolves without any network use', async () => {
    const index = JSON.parse(await readFile(path.join(SHIPPED_CONTEXTS_DIR, 'index.json'), 'utf8')) as Record<string, string>;
    const expected: Record<string, [string, string]> = {
      'sdm-dataModel.Environment.jsonld': ['AirQualityObserved', 'https://smartdatamodels.org/dataModel.Environment/AirQualityObserved'],
      'sdm-dataModel.Parking.jsonld': ['ParkingSpot', 'https://smartdatamodels.org/dataModel.Parking/ParkingSpot'],
      'sdm-dataModel.Transportation.jsonld': ['Vehicle', 'https://smartdatamodels.org/dataModel.Transportation/Vehicle'],
    };
    assert.equal(Object.keys(index).length, 9);
    const h = await openLdHarness();
    const spy = spyOnNetwork();
    try {
      for (const [url, file] of Object.entries(index)) {
        const [term, iri] = expected[file]!;
        const terms = await h.ld.resolver.resolve([url, CORE_CONTEXT_URL]);
        assert.equal(terms.expand(term), iri, url);
        assert.equal(terms.compact(iri), term, url);
        assert.equal(terms.linkUrl, url);
      }
      assert.deepEqual(spy.calls, []);
    } finally {
      spy.restore();
      await h.close();
    }
  });

  test('a context of LD_CONTEXTS_DIR resolves without any network use', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'citycloud-contexts-'));
    await writeFile(path.join(dir, 'index.json'), JSON.stringify({ 'https://contexts.hangzhou.example/water.jsonld': 'water.jsonld' }));
    await writeFile(path.join(dir, 'water.jsonld'), JSON.stringify({ '@context': { WaterMeter: 'https://hangzhou.example/ns#WaterMeter' } }));
    const h = await openLdHarness({ LD_CONTEXTS_DIR: dir });
    const spy = spyOnNetwork();
    try {
      const terms = await h.ld.resolver.resolve('https://contexts.hangzhou.example/water.jsonld');
      assert.equal(terms.expand('WaterMeter'), 'https://hangzhou.example/ns#WaterMeter');
      assert.deepEqual(spy.calls, []);
    } finally {
      spy.restore();
      await h.close();
      await rm(dir, { recursive: true });
    }
  });

  test('an LD_CONTEXTS_DIR without index.json stops start-up with the variable named', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'citycloud-contexts-'));
    try {
      await assert.rejects(openLdHarness({ LD_CONTEXTS_DIR: dir }), appError('BAD_REQUEST_DATA', /LD_CONTEXTS_DIR: cannot read .*index\.json/));
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test('with LD_CONTEXT_FETCH=off an unknown URL is LdContextNotAvailable naming the URL and the setting', async () => {
    const h = await openLdHarness({ LD_CONTEXT_FETCH: 'off' });
    const spy = spyOnNetwork();
    try {
      const url = 'https://contexts.example.org/unknown.jsonld';
      await assert.rejects(h.ld.resolver.resolve(url), appError('LD_CONTEXT_NOT_AVAILABLE', /https:\/\/contexts\.example\.org\/unknown\.jsonld.*LD_CONTEXT_FETCH=off/));
      assert.deepEqual(spy.calls, []);
    } finally {
      spy.restore();
      await h.close();
    }
  });
});

describe('link URLs and ImplicitlyCreated contexts', () => {
  let h: LdHarness;
  before(async () => {
    h = await openLdHarness();
  });
  after(async () => {
    await h.close();
  });

  test('one user URL with the core context links to that URL', async () => {
    const terms = await h.ld.resolver.resolve([CORE_CONTEXT_URL, SDM_ENVIRONMENT]);
    assert.equal(terms.linkUrl, SDM_ENVIRONMENT);
    assert.deepEqual(terms.document, [CORE_CONTEXT_URL, SDM_ENVIRONMENT]);
  });

  test('an inline context is kept as an ImplicitlyCreated context that the broker serves and that resolves back', async () => {
    const inline = { reading: 'https://example.org/ns#reading' };
    const terms = await h.ld.resolver.resolve(inline);
    assert.match(terms.linkUrl, new RegExp(`^${JSONLD_CONTEXTS_PATH}[0-9a-f]{32}$`));
    assert.deepEqual(terms.document, inline);
    const rows = await h.store.query<{ kind: string; body: string }>('SELECT kind, body FROM ld_contexts WHERE local_id = $1', [
      terms.linkUrl.slice(JSONLD_CONTEXTS_PATH.length),
    ]);
    assert.deepEqual(rows, [{ kind: 'ImplicitlyCreated', body: JSON.stringify({ '@context': inline }) }]);
    const again = await h.ld.resolver.resolve(`https://broker.example${terms.linkUrl}`);
    assert.equal(again.expand('reading'), 'https://example.org/ns#reading');
  });

  test('the same inline context gets the same id after a restart', async () => {
    const inline = [{ flowRate: 'https://example.org/ns#flowRate' }, SDM_ENVIRONMENT];
    const before = (await h.ld.resolver.resolve(inline)).linkUrl;
    const restarted = await h.restart();
    assert.equal((await restarted.resolver.resolve(inline)).linkUrl, before);
    const rows = await h.store.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ld_contexts WHERE kind = 'ImplicitlyCreated' AND body LIKE '%\"flowRate\"%'",
    );
    assert.equal(rows[0]?.n, 1);
  });
});

describe('usage counters', () => {
  test('the uses of a stored context reach the database when the capability closes', async () => {
    const h = await openLdHarness();
    try {
      const inline = { usage: 'https://example.org/ns#usage' };
      const { linkUrl } = await h.ld.resolver.resolve(inline);
      await h.ld.resolver.resolve(inline);
      await h.ld.resolver.resolve({ usage: 'https://example.org/ns#usage' });
      await h.ld.close();
      const rows = await h.store.query<{ hits: number; used: boolean }>(
        'SELECT hits, last_usage IS NOT NULL AS used FROM ld_contexts WHERE local_id = $1',
        [linkUrl.slice(JSONLD_CONTEXTS_PATH.length)],
      );
      assert.deepEqual(rows, [{ hits: 3, used: true }]);
    } finally {
      await h.close();
    }
  });
});

describe('refused contexts', () => {
  let h: LdHarness;
  before(async () => {
    h = await openLdHarness();
  });
  after(async () => {
    await h.close();
  });

  test('a string that is not a URL is bad request data', async () => {
    await assert.rejects(h.ld.resolver.resolve('just words'), appError('BAD_REQUEST_DATA', /neither a URL nor a context object/));
  });

  test('a number is bad request data', async () => {
    await assert.rejects(h.ld.resolver.resolve(7), appError('BAD_REQUEST_DATA', /must be a URL, an object or an array/));
  });

  test('an unknown id under /jsonldContexts is LdContextNotAvailable', async () => {
    await assert.rejects(h.ld.resolver.resolve(`${JSONLD_CONTEXTS_PATH}nothing-here`), appError('LD_CONTEXT_NOT_AVAILABLE', /nothing-here/));
  });
});
