import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { fastTextArrayParser, fastTimestamptzParser } from './fast-parsers.ts';

const TIMESTAMPTZ = 1184;
const TEXT_ARRAY = 1009 as Parameters<typeof pg.types.getTypeParser>[0]; // _text
const pgDate = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (value: string) => unknown;
const pgArray = pg.types.getTypeParser(TEXT_ARRAY, 'text') as (value: string) => unknown;

type Parse = (value: string) => unknown;

/** A fast parser over pg's, recording which values it handed to pg; `same` asserts it gives pg's value. */
function againstPg(make: (fallback: Parse) => Parse, pgParse: Parse) {
  const fallbacks: string[] = [];
  const parse = make((value) => {
    fallbacks.push(value);
    return pgParse(value);
  });
  return { fallbacks, same: (value: string) => assert.deepEqual(parse(value), pgParse(value), value) };
}

describe('fast timestamptz parser', () => {
  const { fallbacks, same } = againstPg(fastTimestamptzParser, pgDate);

  test('gives the Date pg gives for what PostgreSQL prints, without falling back', () => {
    fallbacks.length = 0;
    for (const value of [
      '2026-11-24 12:23:33+00',
      '2026-11-24 12:23:33.6+00',
      '2026-11-24 12:23:33.63+00',
      '2026-11-24 12:23:33.636+00',
      '2026-11-24 12:23:33.636123+00',
      '2026-11-24 12:23:33.000001+00',
      '2026-11-24 12:23:33.999999+00',
      '2026-11-24 03:23:33.5-08',
      '2026-11-24 12:23:33.25+05:30',
      '2026-11-24 12:23:33+05:45',
      '2026-03-31 23:59:59.999+14',
      '1970-01-01 00:00:00+00',
      '2024-02-29 12:00:00-03:30',
      '9999-12-31 23:59:59.999999+00',
    ])
      same(value);
    assert.deepEqual(fallbacks, []);
  });

  test('falls back to pg for every other shape, with the same result', () => {
    fallbacks.length = 0;
    const others = ['infinity', '-infinity', '0044-03-15 12:00:00+00 BC', '12345-01-01 00:00:00+00', '0099-01-01 00:00:00+00', '2026-11-24 12:23:33+05:30:15', '2026-11-24', 'not a date', '2026-11-24 12:23:33.1234567+00'];
    for (const value of others) same(value);
    assert.deepEqual(fallbacks, others);
  });

  test('agrees with pg on random instants and offsets', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let k = 0; k < 5000; k++) {
      const at = new Date(Date.UTC(1900, 0, 1) + Math.floor(random() * 300 * 365.25 * 86_400_000));
      const iso = at.toISOString();
      const fraction = ['', `.${String(Math.floor(random() * 1e6)).padStart(6, '0')}`, `.${Math.floor(random() * 10)}`][k % 3];
      const hours = Math.floor(random() * 15);
      const offset = k % 2 === 0 ? `+${String(hours).padStart(2, '0')}` : `-${String(hours).padStart(2, '0')}:30`;
      same(`${iso.slice(0, 10)} ${iso.slice(11, 19)}${fraction}${offset}`);
    }
  });
});

describe('fast text[] parser', () => {
  const { fallbacks, same } = againstPg(fastTextArrayParser, pgArray);

  test('splits unquoted arrays as pg does', () => {
    fallbacks.length = 0;
    for (const value of ['{}', '{a}', '{https://uri.etsi.org/ngsi-ld/default-context/AirQualityObserved}', '{a,b,c}', '{/Hangzhou/Xihu,/Shanghai}', '{NULL}', '{a,NULL,b}', '{杭州,上海}', '{NULLS,xNULL}']) same(value);
    assert.deepEqual(fallbacks, []);
  });

  test('hands quoted, escaped and nested arrays to pg', () => {
    fallbacks.length = 0;
    const others = ['{"a b",c}', '{"NULL"}', '{"a,b"}', '{"say \\"hi\\""}', '{{a,b},{c,d}}', '{""}', 'x', ''];
    for (const value of others) same(value);
    assert.deepEqual(fallbacks, others);
  });
});
