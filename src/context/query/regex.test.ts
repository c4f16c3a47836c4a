/** Tests of the regular-expression subset of `~=`: what it accepts, what it refuses, and that PostgreSQL agrees with JavaScript on it. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestStore, type TestStore } from '../../platform/store/testing.ts';
import { REGEX_LIMITS, regexProblem } from './regex.ts';

const ACCEPTED = [
  'abc',
  '^Hang(zhou|gang)$',
  'a.c',
  '[a-z]+[0-9]*',
  '[^,;]+',
  '[-a-z_]{2,5}',
  '[a\\]b]',
  '\\d{4}-\\d{2}',
  '\\w+\\s\\S\\W\\D',
  '[\\d\\w\\s.]+',
  '(?:ab)+?c*?d??',
  'x{3}y{2,}z{0,1}',
  '\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\\\\\/\\-',
  '\\t\\n\\r',
  '西湖|钱塘',
  'a|b|c',
  '((a|b)(c|d))*',
  'a b',
  '#&<>@!%=~`\'",:',
  `(${'a'.repeat(10)}){100}`,
];

const REFUSED: Array<[string, RegExp]> = [
  ['', /empty alternative/],
  ['a||b', /empty alternative/],
  ['()', /empty alternative/],
  ['*a', /has nothing to repeat/],
  ['a**', /cannot follow another quantifier/],
  ['a{2}{3}', /cannot follow another quantifier/],
  ['^*', /cannot be repeated/],
  ['a(?=b)', /only plain groups/],
  ['(?i)abc', /only plain groups/],
  ['(?<n>a)', /only plain groups/],
  ['(a)\\1', /"\\1" is not supported/],
  ['\\bword\\b', /"\\b" is not supported/],
  ['\\y', /"\\y" is not supported/],
  ['\\u0041', /"\\u" is not supported/],
  ['[]a]', /empty \[\.\.\.\]/],
  ['[]', /empty \[\.\.\.\]/],
  ['[[:alpha:]]', /unescaped "\[" inside/],
  ['[z-a]', /runs backwards/],
  ['[\\d-z]', /from one character to another/],
  ['[\\W]', /cannot be used inside/],
  ['a{,3}', /a bound like/],
  ['a{101}', /larger than 100/],
  ['a{5,2}', /minimum above its maximum/],
  ['a{', /a bound like/],
  ['a}', /unescaped "}"/],
  ['a]', /unescaped "]"/],
  ['(a', /never closed/],
  ['a)', /unbalanced "\)"/],
  ['[abc', /never closed/],
  ['abc\\', /trailing/],
  ['((x{50}){50})', /too large/],
  ['a\u0001', /control characters/],
  ['x'.repeat(REGEX_LIMITS.length + 1), /longer than 256/],
];

describe('regexProblem', () => {
  test('patterns in the subset are accepted', () => {
    for (const pattern of ACCEPTED) assert.equal(regexProblem(pattern), undefined, pattern);
  });

  test('patterns outside the subset are refused with the reason', () => {
    for (const [pattern, reason] of REFUSED) {
      const problem = regexProblem(pattern);
      assert.ok(problem, `refused: ${pattern}`);
      assert.match(problem.message, reason, pattern);
    }
  });

  test('the problem points at the offending character', () => {
    assert.equal(regexProblem('abc(?=d)')?.index, 4);
    assert.equal(regexProblem('ab[z-a]')?.index, 4);
  });

  test('groups nested deeper than 16 are refused', () => {
    assert.match(regexProblem(`${'('.repeat(17)}a${')'.repeat(17)}`)?.message ?? '', /nested more than 16 deep/);
  });
});

describe('the subset on PostgreSQL', () => {
  let handle: TestStore;
  before(async () => {
    handle = await openTestStore();
  });
  after(() => handle.dispose());

  const ASCII_SAMPLES = ['abc', 'Hangzhou', 'Hanggang', 'a.c', 'abz12', 'x,y', 'a-b_c', 'a]b', '2024-03', 'ab\tc', 'aaaaaaaaaa', 'a b', ''];

  /** The samples `pattern` matches in PostgreSQL's like_regex, sorted. */
  async function pgMatches(pattern: string, samples: string[]): Promise<string[]> {
    const rows = await handle.store.query<{ m: string[] | null }>(
      'SELECT array_agg(x #>> \'{}\') AS m FROM jsonb_path_query($1::jsonb, $2::jsonpath) AS x',
      [JSON.stringify(samples), `$[*] ? (@ like_regex ${JSON.stringify(pattern)})`],
    );
    return [...(rows[0]?.m ?? [])].sort();
  }

  test('every accepted pattern compiles in like_regex and matches the ASCII strings JavaScript matches', async () => {
    for (const pattern of ACCEPTED) {
      const expected = ASCII_SAMPLES.filter((s) => new RegExp(pattern).test(s)).sort();
      assert.deepEqual(await pgMatches(pattern, ASCII_SAMPLES), expected, pattern);
    }
  });

  test('literal characters of any script match themselves', async () => {
    assert.deepEqual(await pgMatches('西湖|钱塘', ['西湖区', '钱塘江', '滨江']), ['西湖区', '钱塘江']);
  });

  test('a pattern at the expansion limit still compiles quickly', async () => {
    const pattern = '([a-z]{100}|[0-9]{100}){10}';
    assert.equal(regexProblem(pattern), undefined);
    const started = Date.now();
    await handle.store.query('SELECT jsonb_path_exists($1::jsonb, $2::jsonpath)', [JSON.stringify('x'.repeat(2000)), `$ ? (@ like_regex ${JSON.stringify(pattern)})`]);
    assert.ok(Date.now() - started < 2000);
  });
});
