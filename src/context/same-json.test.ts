import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameJson } from './same-json.ts';

test('sameJson answers as comparing the JSON texts would, member order aside', () => {
  const cases: Array<[unknown, unknown]> = [
    [1, 1],
    [1, 2],
    ['a', 'a'],
    ['1', 1],
    [null, null],
    [null, undefined],
    [Number.NaN, null],
    [Number.POSITIVE_INFINITY, Number.NaN],
    [[1, [2, 3]], [1, [2, 3]]],
    [[1, [2, 3]], [1, [3, 2]]],
    [[1, undefined], [1, null]],
    [[1], [1, 2]],
    [{ type: 'Property', value: 3 }, { type: 'Property', value: 3 }],
    [{ type: 'Property', value: 3 }, { type: 'Property', value: 4 }],
    [{ type: 'Property', value: 3, datasetId: undefined }, { type: 'Property', value: 3 }],
    [{ type: 'Property', value: { a: [1, { b: 'x' }] } }, { type: 'Property', value: { a: [1, { b: 'y' }] } }],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1, b: 2 }, { a: 1 }],
    [{}, []],
    [[], {}],
    [{ a: true }, { a: 'true' }],
  ];
  for (const [a, b] of cases) assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  // Member order: equal as JSON values, though their texts differ.
  assert.equal(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 }), true);
});
