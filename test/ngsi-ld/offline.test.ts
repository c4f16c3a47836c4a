/**
 * The hub with the network unplugged (issue: offline operation): entities whose @context is a core
 * context URL or a preloaded Smart Data Models URL are created and read back without one outbound request.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CORE_CONTEXT_URLS, SHIPPED_CONTEXTS_DIR } from '../../src/context/ld/index.ts';
import { type NetworkSpy, spyOnNetwork } from '../../src/context/ld/testing.ts';
import { API, type Hub, linkTo, openHub } from './support.ts';

const PRELOADED = Object.keys(JSON.parse(readFileSync(path.join(SHIPPED_CONTEXTS_DIR, 'index.json'), 'utf8')) as Record<string, string>);
// A term each Smart Data Models domain defines, to prove its context (not the default vocabulary) expanded it.
const DOMAIN_TERM: Record<string, string> = { Environment: 'AirQualityObserved', Parking: 'OffStreetParking', Transportation: 'TrafficFlowObserved' };

describe('offline operation (6.3.5 with preloaded contexts)', () => {
  let hub: Hub;
  let spy: NetworkSpy;
  before(async () => {
    hub = await openHub();
    spy = spyOnNetwork();
  });
  after(async () => {
    spy?.restore();
    await hub?.close();
  });

  const urls = [...CORE_CONTEXT_URLS, ...PRELOADED];
  urls.forEach((url, n) => {
    test(`an entity whose @context is ${url} is created and read back with no outbound request`, async () => {
      const domain = Object.keys(DOMAIN_TERM).find((d) => url.includes(`dataModel.${d}/`));
      const type = domain ? (DOMAIN_TERM[domain] as string) : 'Building';
      const id = `urn:ngsi-ld:${type}:offline-${n}`;
      const created = await hub.post(
        `${API}/entities`,
        { '@context': url, id, type, name: { type: 'Property', value: `offline ${n}` } },
        { headers: { 'content-type': 'application/ld+json' } },
      );
      assert.equal(created.statusCode, 201, created.body);
      const read = await hub.get(`${API}/entities/${encodeURIComponent(id)}`, { headers: { link: linkTo(url) } });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().type, type);
      if (domain) {
        // The domain context maps the type to its Smart Data Models IRI, not the default vocabulary.
        const core = await hub.get(`${API}/entities/${encodeURIComponent(id)}`);
        assert.match(String(core.json().type), /^https:\/\/smartdatamodels\.org\//);
      }
      assert.deepEqual(spy.calls, []);
    });
  });
});
