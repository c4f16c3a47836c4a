import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer, startTestPlatform, type TestPlatform } from '../../test/support/platform.ts';

const entity = (n: number) => `urn:ngsi-ld:Streetlight:gc-${n}`;

describe('concurrent single-entity writes (group commit)', () => {
  let t: TestPlatform;
  before(async () => {
    t = await startTestPlatform();
    const batch = Array.from({ length: 20 }, (_, n) => ({ id: entity(n), type: 'Streetlight', power: { type: 'Property', value: 0 } }));
    const created = await t.platform.server.inject({
      method: 'POST',
      url: '/ngsi-ld/v1/entityOperations/create',
      headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
      payload: batch,
    });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(() => t?.close());

  const patch = (id: string, value: number) =>
    t.platform.server.inject({
      method: 'PATCH',
      url: `/ngsi-ld/v1/entities/${encodeURIComponent(id)}/attrs`,
      headers: { ...bearer(t.adminToken), 'content-type': 'application/json', 'x-request-id': `gc-${value}` },
      payload: { power: { type: 'Property', value } },
    });

  test('each request keeps its own outcome, value and audit event, and a failing one fails alone', async () => {
    const responses = await Promise.all([
      ...Array.from({ length: 20 }, (_, n) => patch(entity(n), n + 100)),
      patch('urn:ngsi-ld:Streetlight:absent', 999),
    ]);
    assert.deepEqual(
      responses.map((r) => r.statusCode),
      [...Array.from({ length: 20 }, () => 204), 404],
    );
    for (let n = 0; n < 20; n++) {
      const read = await t.platform.server.inject({
        method: 'GET',
        url: `/ngsi-ld/v1/entities/${encodeURIComponent(entity(n))}?format=keyValues`,
        headers: bearer(t.adminToken),
      });
      assert.equal(read.json().power, n + 100);
    }
    const audit = await t.platform.server.inject({ method: 'GET', url: '/api/v1/audit?action=entity.updateAttrs&limit=100', headers: bearer(t.adminToken) });
    const entries = audit.json<{ entries: Array<{ target: { id: string }; requestId: string }> }>().entries;
    assert.equal(entries.length, 20);
    assert.deepEqual(
      entries.map((e) => `${e.target.id} ${e.requestId}`).sort(),
      Array.from({ length: 20 }, (_, n) => `${entity(n)} gc-${n + 100}`).sort(),
    );
  });
});
