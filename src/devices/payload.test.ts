/** Device payloads: JSON and UltraLight 2.0 read into measurements; malformed ones refused with a reason. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IngestRejected } from './model.ts';
import { parseJsonPayload, parseUltraLight, typedValue } from './payload.ts';
import { TokenBuckets } from './throttle.ts';
import { parseDeviceTopic, sniffFormat } from './topics.ts';

const buf = (s: string) => Buffer.from(s, 'utf8');
const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof IngestRejected && error.reason === 'bad_payload' && pattern.test(error.message));

describe('UltraLight 2.0', () => {
  test('pairs, a leading timestamp and several measurements separated by #', () => {
    assert.deepEqual(parseUltraLight(buf('t|21.5|h|40')), [{ values: { t: '21.5', h: '40' } }]);
    assert.deepEqual(parseUltraLight(buf('2025-05-01T08:00:00+08:00|t|1#t|2')), [
      { observedAt: '2025-05-01T00:00:00.000Z', values: { t: '1' } },
      { values: { t: '2' } },
    ]);
  });

  test('a lone value, an empty key or a bad timestamp are refused', () => {
    refused(() => parseUltraLight(buf('21.5')), /key\|value/);
    refused(() => parseUltraLight(buf('|1')), /empty key/);
    refused(() => parseUltraLight(buf('yesterday|t|1')), /ISO 8601/);
    refused(() => parseUltraLight(buf('')), /empty/);
  });

  test('text values become numbers where they are numbers, unless the mapping says otherwise', () => {
    assert.equal(typedValue('21.5', undefined), 21.5);
    assert.equal(typedValue('-3e2', undefined), -300);
    assert.equal(typedValue('0012', undefined), '0012');
    assert.equal(typedValue('21.5', 'text'), '21.5');
    assert.equal(typedValue('1', 'boolean'), true);
    assert.throws(() => typedValue('warm', 'number'), IngestRejected);
  });
});

describe('JSON', () => {
  test('an object or an array of objects, with TimeInstant or observedAt', () => {
    assert.deepEqual(parseJsonPayload(buf('{"t": 21.5, "TimeInstant": "2025-05-01T08:00:00Z"}')), [{ observedAt: '2025-05-01T08:00:00.000Z', values: { t: 21.5 } }]);
    assert.equal(parseJsonPayload(buf('[{"t": 1}, {"t": 2, "observedAt": "2025-05-01T08:00:00Z"}]')).length, 2);
  });

  test('malformed JSON, non-objects, nulls, empty measurements and invalid UTF-8 are refused', () => {
    refused(() => parseJsonPayload(buf('{"t": ')), /not valid JSON/);
    refused(() => parseJsonPayload(buf('42')), /object of values/);
    refused(() => parseJsonPayload(buf('{"t": null}')), /null/);
    refused(() => parseJsonPayload(buf('{}')), /no values/);
    refused(() => parseJsonPayload(buf('[]')), /empty array/);
    refused(() => parseJsonPayload(Buffer.from([0x7b, 0xff, 0x7d])), /UTF-8/);
    refused(() => parseJsonPayload(buf(JSON.stringify(Array.from({ length: 101 }, () => ({ t: 1 }))))), /at most 100/);
  });

  test('__proto__ and constructor are refused as measurement names', () => {
    refused(() => parseJsonPayload(buf('{"__proto__": {"polluted": 1}, "t": 1}')), /cannot be a measurement name/);
    refused(() => parseUltraLight(buf('constructor|1')), /cannot be a measurement name/);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('topics', () => {
  test('with and without the leading slash, and with a format prefix', () => {
    assert.deepEqual(parseDeviceTopic('/k1/dev-1/attrs'), { key: 'k1', deviceId: 'dev-1' });
    assert.deepEqual(parseDeviceTopic('k1/dev-1/attrs'), { key: 'k1', deviceId: 'dev-1' });
    assert.deepEqual(parseDeviceTopic('ul/k1/dev-1/attrs'), { key: 'k1', deviceId: 'dev-1', format: 'ultralight' });
    assert.equal(parseDeviceTopic('x/k1/dev-1/attrs'), undefined);
    assert.equal(parseDeviceTopic('/k1/dev-1/cmd'), undefined);
    assert.equal(parseDeviceTopic('//dev-1/attrs'), undefined);
  });

  test('the payload format is sniffed from its first character', () => {
    assert.equal(sniffFormat(buf('  {"t":1}')), 'json');
    assert.equal(sniffFormat(buf('[{"t":1}]')), 'json');
    assert.equal(sniffFormat(buf('t|1')), 'ultralight');
  });
});

describe('token buckets', () => {
  test('a burst, then the rate; 0 turns throttling off', () => {
    let now = 0;
    const buckets = new TokenBuckets(10, 20, () => now);
    let taken = 0;
    for (let i = 0; i < 100; i++) if (buckets.take('d')) taken++;
    assert.equal(taken, 20);
    now += 1000;
    taken = 0;
    for (let i = 0; i < 100; i++) if (buckets.take('d')) taken++;
    assert.equal(taken, 10);
    assert.ok(buckets.take('other'), 'devices have buckets of their own');
    const off = new TokenBuckets(0, 1, () => 0);
    for (let i = 0; i < 1000; i++) assert.ok(off.take('d'));
  });
});
