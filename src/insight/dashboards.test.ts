import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TermMap } from '../context/ld/model.ts';
import type { Queryable } from '../platform/store/store.ts';
import { buildDashboard, type DashboardContext, EAGER_SCOPE_IDS } from './dashboards.ts';
import { INDICATORS } from './indicators/catalog.ts';

const HOUR = 3_600_000;

/** A store that answers every history statement with one point per asked entity, and records the ids asked. */
function recordingStore(asked: string[][]): Queryable {
  return {
    query: async (sql: string, params: unknown[] = []) => {
      if (sql.includes('json_agg')) {
        const ids = params[1] as string[];
        asked.push(ids);
        return ids.map((entity_id) => ({ entity_id, points: JSON.stringify([[Date.parse('2026-11-20T01:00:00Z'), 42]]) })) as never;
      }
      return [] as never;
    },
  } as unknown as Queryable;
}

test('a family of more than EAGER_SCOPE_IDS lines (AQI at many stations) is sent deferred, without reading its history', async () => {
  const asked: string[][] = [];
  const stations = Array.from({ length: EAGER_SCOPE_IDS + 3 }, (_, i) => `hz-air-${i + 1}`);
  const latest = [
    { indicator: 'aqi', scope: 'city', scopeId: 'hangzhou', value: 60 },
    ...stations.map((s, i) => ({ indicator: 'aqi', scope: 'station', scopeId: s, value: 40 + i })),
    { indicator: 'opinionVolume', scope: 'topic', scopeId: 'traffic', value: 3 },
  ];
  const ctx: DashboardContext = {
    tenant: 'hangzhou',
    period: { from: Date.parse('2026-11-19T00:00:00Z'), to: Date.parse('2026-11-20T00:00:00Z') + HOUR },
    store: recordingStore(asked),
    terms: { expand: (t: string) => `https://example.org/${t}` } as unknown as TermMap,
    catalog: new Map(INDICATORS.map((d) => [d.id, d])),
    latest: async () => latest,
    arterials: async () => [],
    forecasts: async () => [],
    forecastView: () => ({ points: [] }),
  };
  const body = await buildDashboard('livelihood', ctx);
  const stationLines = body.series.filter((s) => s.indicator === 'aqi' && s.scope === 'station');
  assert.equal(stationLines.length, stations.length);
  for (const line of stationLines) {
    assert.equal(line.deferred, true, line.id);
    assert.deepEqual(line.points, []);
  }
  // One history statement, for the eager lines only: the city's AQI and the opinion topic are read, no station.
  assert.equal(asked.length, 1);
  const ids = asked[0] as string[];
  assert.ok(ids.includes('urn:ngsi-ld:CityIndicator:aqi:city:hangzhou'), JSON.stringify(ids));
  assert.ok(ids.includes('urn:ngsi-ld:CityIndicator:opinionVolume:topic:traffic'), JSON.stringify(ids));
  assert.equal(ids.filter((id) => id.includes(':station:')).length, 0, JSON.stringify(ids));
  const city = body.series.find((s) => s.id === 'aqi:city:hangzhou');
  assert.equal(city?.deferred, undefined);
  assert.deepEqual(city?.points, [{ at: '2026-11-20T01:00:00.000Z', value: 42 }]);
});

test('a family of EAGER_SCOPE_IDS lines or fewer comes with its points', async () => {
  const asked: string[][] = [];
  const stations = Array.from({ length: EAGER_SCOPE_IDS }, (_, i) => `s${i}`);
  const ctx: DashboardContext = {
    tenant: 'hangzhou',
    period: { from: Date.parse('2026-11-19T00:00:00Z'), to: Date.parse('2026-11-20T00:00:00Z') },
    store: recordingStore(asked),
    terms: { expand: (t: string) => t } as unknown as TermMap,
    catalog: new Map(INDICATORS.map((d) => [d.id, d])),
    latest: async () => stations.map((s) => ({ indicator: 'aqi', scope: 'station', scopeId: s, value: 50 })),
    arterials: async () => [],
    forecasts: async () => [],
    forecastView: () => ({ points: [] }),
  };
  const body = await buildDashboard('livelihood', ctx);
  const stationLines = body.series.filter((s) => s.scope === 'station');
  assert.equal(stationLines.length, EAGER_SCOPE_IDS);
  for (const line of stationLines) assert.equal(line.points.length, 1, line.id);
  assert.equal((asked[0] as string[]).filter((id) => id.includes(':station:')).length, EAGER_SCOPE_IDS);
});
