/** The temporal backfill's request bodies: historyJson writes the JSON text of exactly the body historyBody describes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCity, devices, simulate } from '../index.ts';
import type { DeviceMeasurement } from './publisher.ts';
import { historyBody, historyJson } from './feeder.ts';

test('historyJson is the JSON of historyBody for every device of a simulated hour (numbers, booleans, text, locations, unit codes)', () => {
  const city = buildCity({ seed: 3, size: 'tiny', start: '2025-03-03T07:00:00Z' });
  const specs = new Map(devices(city).map((d) => [d.id, d]));
  const pending = new Map<string, DeviceMeasurement[]>();
  for (const tick of simulate(city, '2025-03-03T07:00:00Z', '2025-03-03T08:00:00Z')) {
    for (const o of tick.observations) {
      if (o.channel !== 'device') continue;
      const list = pending.get(o.deviceId) ?? [];
      pending.set(o.deviceId, list);
      list.push({ observedAt: o.observedAt, values: o.values });
    }
  }
  const kinds = new Set<string>();
  for (const [id, list] of pending) {
    const spec = specs.get(id);
    assert.ok(spec);
    const body = historyBody(spec, list);
    const counts = new Map<string, number>();
    assert.deepEqual(JSON.parse(historyJson(spec, list, counts)), body);
    assert.deepEqual(Object.fromEntries(counts), Object.fromEntries(Object.entries(body).map(([name, instances]) => [name, instances.length])));
    for (const instances of Object.values(body)) for (const i of instances) kinds.add(`${i.type}:${typeof i.value}${i.unitCode ? ':unit' : ''}`);
  }
  // The hour covers every kind of value a device sends.
  for (const kind of ['Property:number:unit', 'Property:boolean', 'Property:string']) assert.ok(kinds.has(kind), `${kind} in ${[...kinds].join(', ')}`);
});

test('historyJson: a device location is a GeoProperty (never with a unit code), text is escaped, unknown keys keep their name', () => {
  const [first] = devices(buildCity({ seed: 3, size: 'tiny', start: '2025-03-03T07:00:00Z' }));
  assert.ok(first);
  const spec = { ...first, attributes: [...first.attributes, { key: 'loc', name: 'location', unitCode: 'MTR' }, { key: 'note', name: 'note' }] };
  // Device values are scalars in the simulator; ingest maps a `location` (a GeoJSON object) all the same.
  const point = (x: number, y: number) => ({ type: 'Point', coordinates: [x, y] }) as unknown as string;
  const list: DeviceMeasurement[] = [
    { observedAt: '2025-03-03T07:00:00.000Z', values: { loc: point(120.1, 30.2), note: '引号 "quoted" \\ back', other: -0.5 } },
    { observedAt: '2025-03-03T07:01:00.000Z', values: { loc: point(120.2, 30.3), note: 'plain' } },
  ];
  const body = historyBody(spec, list);
  assert.deepEqual(JSON.parse(historyJson(spec, list)), body);
  assert.deepEqual(body.location?.[0], { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.1, 30.2] }, observedAt: '2025-03-03T07:00:00.000Z' });
  assert.equal(body.other?.length, 1);
});
