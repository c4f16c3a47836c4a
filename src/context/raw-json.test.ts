/** Pre-rendered JSON members: the spliced text parses to what JSON.stringify of the same structure gives. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bufferWithRawMembers, hasRawMembers, jsonNumber, RawJson, stringifyWithRawMembers } from './raw-json.ts';

describe('RawJson members', () => {
  test('an array of objects with raw members parses back to the same structure', () => {
    const raw = [{ id: 'urn:a', type: 'T', pm25: new RawJson('{"type":"Property","avg":[[1.5,"s","e"]]}') }, { id: 'urn:b' }];
    const text = stringifyWithRawMembers(raw);
    assert.deepEqual(JSON.parse(text), [{ id: 'urn:a', type: 'T', pm25: { type: 'Property', avg: [[1.5, 's', 'e']] } }, { id: 'urn:b' }]);
  });

  test('an object of raw members only, and keys that need escaping', () => {
    assert.equal(stringifyWithRawMembers({ 'a"b': new RawJson('1') }), '{"a\\"b":1}');
  });

  test('the buffer holds the UTF-8 bytes of the same text, non-ASCII members and values included', () => {
    const values: unknown[] = [
      [{ id: 'urn:西湖', name: '断桥残雪', pm25: new RawJson('{"type":"Property","value":"良"}'), noise: new RawJson('[1,2]') }, { id: 'urn:b' }, 3, null],
      { only: new RawJson('{"a":"é"}') },
      { plain: '拱墅区' },
      [],
    ];
    for (const value of values) {
      const text = stringifyWithRawMembers(value);
      assert.equal(bufferWithRawMembers(value).toString('utf8'), text);
      assert.deepEqual(bufferWithRawMembers(value), Buffer.from(text, 'utf8'));
    }
    assert.deepEqual(JSON.parse(stringifyWithRawMembers(values[0])), [
      { id: 'urn:西湖', name: '断桥残雪', pm25: { type: 'Property', value: '良' }, noise: [1, 2] },
      { id: 'urn:b' },
      3,
      null,
    ]);
  });

  test('only objects with a raw member at the top level are reported', () => {
    assert.equal(hasRawMembers([{ a: 1 }, { b: new RawJson('2') }]), true);
    assert.equal(hasRawMembers({ a: { b: new RawJson('2') } }), false);
    assert.equal(hasRawMembers([1, 'x', null]), false);
  });

  test('numbers are written as JSON.stringify writes them, non-finite ones as null', () => {
    for (const n of [0, -0, 1.5, 1e21, 123456789.123, -3e-7]) assert.equal(jsonNumber(n), JSON.stringify(n));
    assert.equal(jsonNumber(Number.NaN), 'null');
    assert.equal(jsonNumber(Number.POSITIVE_INFINITY), 'null');
  });
});
