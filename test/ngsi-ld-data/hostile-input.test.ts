/**
 * Hostile input: a seeded generator of more than 10,000 malformed or adversarial NGSI-LD requests
 * (query languages, parameters, ids in the URL, bodies, headers). Every one must be refused with a
 * 4xx problem+json that says why (or, for the few valid ones, answered 2xx), never a 5xx, each in
 * under a second; afterwards the server must still be healthy and a known entity untouched.
 * Seed: FUZZ_SEED (printed); FUZZ_SCALE multiplies the input counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { bearer, startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { type ServerProcess, startServerProcess } from '../support/process.ts';

type Json = Record<string, unknown>;
type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

const API = '/ngsi-ld/v1';
const SEED = Number(process.env.FUZZ_SEED ?? 20261122) >>> 0;
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SLOW_MS = 1000;
const JSONLD_CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';
const CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld';
const KNOWN_ID = 'urn:ngsi-ld:FuzzTarget:known';
const BATCH_PATHS = ['create', 'upsert', 'update', 'merge'].map((op) => `${API}/entityOperations/${op}`);

/**
 * What a request must get back:
 * - `invalid`: a 4xx (optionally exactly `status`);
 * - `maybe`: the generator cannot tell whether it is valid, so a 2xx is allowed (and listed);
 * - `batch-errors`: a batch whose every item is bad: 207 with one error per item, or a 4xx for the batch.
 */
type Expectation = 'invalid' | 'maybe' | 'batch-errors';

interface FuzzInput {
  family: string;
  /** A short, printable description for reports. */
  label: string;
  method: Method;
  url: string;
  headers?: Record<string, string>;
  payload?: string | Buffer;
  expect: Expectation;
  status?: number;
  /** A remote @context may be unobtainable: 503 LdContextNotAvailable is the specified answer (clause 6.3.2). */
  contextFetch?: boolean;
}

// ---- a small seeded generator (mulberry32) ----

function rng(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    chance: (p: number) => next() < p,
    pick<T>(list: readonly T[]): T {
      return list[Math.floor(next() * list.length)] as T;
    },
  };
}
type Rng = ReturnType<typeof rng>;

const printable = (text: string, max = 90) => {
  const shown = JSON.stringify(text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);
  return shown.slice(1, -1);
};

// ---- adversarial atoms ----

const HUGE_NUMBERS = ['1e309', '-1e309', '-0', '99999999999999999999999', '1e-400', 'NaN', 'Infinity', '-Infinity', '0x10', '1_000', '.5', '5.', '+5', '--5', '1e', '0.0.1'];
const SQL = [
  "'; DROP TABLE ngsi_entities; --",
  "' OR '1'='1",
  '"; DELETE FROM ngsi_entities; --',
  "1; SELECT pg_sleep(5); --",
  '$1',
  '$$',
  '\\',
  '\\\\',
  '%',
  '_',
  '%_%',
  "E'\\x00'",
  '::text',
  '/* */',
  '*/',
];
const CONTROL = ['\u0000', '\u0001', '\u0008', '\t', '\n', '\r', '\u001b', '\u007f', '\u2028', '\u202e', '\ufeff'];
const SURROGATES = ['\ud800', '\udc00', '\udbff\ud800', 'a\ud83d', '\ude00b'];
const UNICODE = ['西湖', '🚦', 'Ω', 'e\u0301', '\u00a0', 'ﬀ', '𝔘𝔫𝔦'];
const REGEX_BOMBS = ['(a+)+$', '(a|aa)+$', '(.*a){20}', '([a-zA-Z]+)*$', '(a*)*b', '^(a+)+$', '(x+x+)+y', '(a{1,100}){1,100}', '((((((((((a))))))))))*', '\\1', '(?=a)', '[[:alpha:]]', '(a|a?)+$', '.*.*.*.*.*.*.*.*=', '(\\w+\\s?)+$'];
const BAD_PERCENT = ['%C3%28', '%ED%A0%80', '%FF', '%C0%AF', '%E0%80%AF', '%F8%88%80%80%80', '%', '%zz', '%2', '%00', '%25%32%35'];
const LONG = ['a'.repeat(100_000), '('.repeat(10_000), `${'x'.repeat(5000)}==1`, '"'.repeat(3000)];
const ATOMS = [...HUGE_NUMBERS, ...SQL, ...CONTROL, ...SURROGATES, ...UNICODE, ...REGEX_BOMBS, '', ' ', ',', ';', '|', '(', ')', '[', ']', '{', '}', '"', "'", '..', '.', '==', '!'];

function atom(r: Rng): string {
  return r.chance(0.01) ? r.pick(LONG) : r.pick(ATOMS);
}

/** Percent-encodes `text`; lone surrogates (which encodeURIComponent refuses) are sent as the raw invalid bytes. */
function enc(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) as number;
    out += code >= 0xd800 && code <= 0xdfff ? '%ED%A0%80' : encodeURIComponent(ch);
  }
  return out;
}

// ---- q ----

const Q_ATTRS = ['speed', 'pm25', 'name', 'address.city', 'address[city]', 'a.b.c', 'temperature.observedAt', 'status[a][b]', 'https://x.org/p', 'x'];
const Q_OPS = ['==', '!=', '>', '>=', '<', '<=', '~=', '!~=', '===', '=>', '<>', '=~', '!', '=', '>>', '..'];
const Q_VALUES = ['1', '-2.5', '"text"', 'true', 'false', '2026-01-01T00:00:00Z', '1..5', '1,2,3', '"a","b"', "'single'", 'unquoted', '"unterminated', '"esc\\"aped"', '2026-13-45T99:99:99Z', ...HUGE_NUMBERS];
const Q_JOIN = [';', '|', '&&', '||', ';;', '|;', ' ', ''];

function randomQ(r: Rng): string {
  const parts: string[] = [];
  const n = 1 + r.int(8);
  for (let i = 0; i < n; i++) {
    if (r.chance(0.15)) parts.push(r.pick(['(', ')', '((', '))']));
    if (r.chance(0.15)) parts.push(atom(r));
    else parts.push(`${r.pick(Q_ATTRS)}${r.chance(0.85) ? r.pick(Q_OPS) : ''}${r.chance(0.85) ? r.pick(Q_VALUES) : ''}`);
    if (i < n - 1) parts.push(r.pick(Q_JOIN));
  }
  return parts.join('');
}

function qInputs(r: Rng, count: number): FuzzInput[] {
  const fixed: Array<[string, Expectation]> = [
    [`${'('.repeat(10_000)}speed==1${')'.repeat(10_000)}`, 'invalid'],
    [`${'('.repeat(10_000)}speed==1`, 'invalid'],
    [`speed==1${')'.repeat(10_000)}`, 'invalid'],
    ['((speed==1)', 'invalid'],
    ['speed==1)', 'invalid'],
    ['()', 'invalid'],
    [`name=="${'a'.repeat(100_000)}"`, 'invalid'],
    [Array.from({ length: 5000 }, (_, i) => `a${i}==1`).join(';'), 'invalid'],
    [`speed==${Array.from({ length: 5000 }, (_, i) => i).join(',')}`, 'invalid'],
    ["name=='; DROP TABLE ngsi_entities; --", 'invalid'],
    ['name=="\'; DROP TABLE ngsi_entities; --"', 'maybe'],
    ['name=="\\"; DELETE FROM ngsi_entities; --"', 'maybe'],
    ['name=="%"', 'maybe'],
    ['name=="_"', 'maybe'],
    ['name~="%"', 'maybe'],
    ['speed==1e309', 'maybe'],
    ['speed==-0', 'maybe'],
    ['speed==99999999999999999999999', 'maybe'],
    ['name=="\u0000"', 'invalid'],
    ['name=="\ud800"', 'invalid'],
    ['speed==1;\u0001', 'invalid'],
    ['', 'invalid'],
  ];
  for (const bomb of REGEX_BOMBS) fixed.push([`name~=${bomb}`, 'maybe'], [`name~="${bomb}"`, 'maybe'], [`name!~=${bomb}`, 'maybe']);
  const inputs: FuzzInput[] = fixed.map(([q, expect]) => ({
    family: 'q',
    label: `q=${printable(q)}`,
    method: 'GET',
    url: `${API}/entities?type=Fuzz&q=${enc(q)}`,
    expect,
  }));
  for (const bad of BAD_PERCENT) {
    inputs.push({ family: 'q', label: `q=name=="${bad}"`, method: 'GET', url: `${API}/entities?q=name%3D%3D%22${bad}%22`, expect: 'maybe' });
    inputs.push({ family: 'q', label: `q=${bad}`, method: 'GET', url: `${API}/entities?q=${bad}`, expect: 'invalid' });
  }
  while (inputs.length < count) {
    const q = randomQ(r);
    const typed = r.chance(0.5);
    inputs.push({ family: 'q', label: `q=${printable(q)}`, method: 'GET', url: `${API}/entities?${typed ? 'type=Fuzz&' : ''}q=${enc(q)}`, expect: 'maybe' });
  }
  return inputs;
}

// ---- geoQ ----

const GEORELS = ['near;maxDistance==2000', 'near;minDistance==5', 'within', 'contains', 'intersects', 'equals', 'disjoint', 'overlaps'];
const BAD_GEORELS = ['near', 'near;maxDistance==', 'near;maxDistance==-1', 'near;maxDistance==NaN', 'near;maxDistance==1e309', 'near;foo==1', 'NEAR;maxDistance==1', 'near;maxDistance==abc', 'near;maxDistance=1', 'within;', 'touches', 'near;;', ';', 'near;maxDistance==1;minDistance==2;x==3'];
const GEOMETRIES = ['Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon'];
const BAD_GEOMETRIES = ['point', 'Circle', 'GeometryCollection', 'Feature', 'POINT', 'Polygon ', 'Box'];
const SQUARE = '[[120.1,30.2],[120.3,30.2],[120.3,30.3],[120.1,30.3],[120.1,30.2]]';
const VALID_COORDINATES: Record<string, string> = {
  Point: '[120.2,30.25]',
  LineString: '[[120.1,30.2],[120.3,30.3]]',
  Polygon: `[${SQUARE}]`,
  MultiPoint: '[[120.2,30.25],[120.21,30.26]]',
  MultiLineString: '[[[120.1,30.2],[120.3,30.3]]]',
  MultiPolygon: `[[${SQUARE}]]`,
};
const BAD_COORDINATES = [
  '[NaN,30]',
  '[200,30]',
  '[120,95]',
  '[-181,0]',
  '[120]',
  '[]',
  '[[]]',
  '[1e309,0]',
  '[null,null]',
  '["120","30"]',
  '1,2',
  '"[1,2]"',
  '{"a":1}',
  '[120.2,30.25',
  '[[[[[[[[1,2]]]]]]]]',
  `${'['.repeat(10_000)}1,2${']'.repeat(10_000)}`,
  'true',
];

const polygons = new Map<number, string>();
/** The coordinates of a Polygon whose one closed ring has `n` positions (1e6: ~20 MB of text), built once. */
function bigPolygon(n: number): string {
  let text = polygons.get(n);
  if (!text) {
    const positions = Array.from({ length: n - 1 }, (_, i) => `[${(120 + (i % 1000) / 10_000).toFixed(4)},${(30 + Math.floor(i / 1000) / 10_000).toFixed(4)}]`);
    text = `[[${positions.join(',')},${positions[0]}]]`;
    polygons.set(n, text);
  }
  return text;
}

const cached = new Map<string, string>();
/** Big payloads are built once per run, however many families and slices use them. */
function once(key: string, build: () => string): string {
  let text = cached.get(key);
  if (text === undefined) {
    text = build();
    cached.set(key, text);
  }
  return text;
}

function geoUrl(georel: string | undefined, geometry: string | undefined, coordinates: string | undefined, extra = ''): string {
  const parts = ['type=Fuzz'];
  if (georel !== undefined) parts.push(`georel=${enc(georel)}`);
  if (geometry !== undefined) parts.push(`geometry=${enc(geometry)}`);
  if (coordinates !== undefined) parts.push(`coordinates=${enc(coordinates)}`);
  return `${API}/entities?${parts.join('&')}${extra}`;
}

function geoInputs(r: Rng, count: number): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  const push = (label: string, url: string, expect: Expectation) => inputs.push({ family: 'geoQ', label, method: 'GET', url, expect });
  // Over HTTP a URL stops at 16 kB (Node answers 431); one that arrives otherwise (here in-process) is refused
  // as 414 before it is routed or parsed. A million positions only fit in a body, over the body limit.
  const huge = bigPolygon(1_000_000);
  inputs.push({ family: 'geoQ', label: 'within Polygon with 100,001 positions in the URL', method: 'GET', url: geoUrl('within', 'Polygon', bigPolygon(100_001)), expect: 'invalid', status: 414 });
  push('within Polygon with 1,000 positions', geoUrl('within', 'Polygon', bigPolygon(1000)), 'maybe');
  inputs.push({
    family: 'geoQ',
    label: 'POST /entityOperations/query geoQ Polygon with 1e6 positions',
    method: 'POST',
    url: `${API}/entityOperations/query`,
    headers: { 'content-type': 'application/json' },
    payload: `{"type":"Query","entities":[{"type":"Fuzz"}],"geoQ":{"georel":"within","geometry":"Polygon","coordinates":${huge}}}`,
    expect: 'invalid',
    status: 413,
  });
  // Shapes wrong only for their geometry: open and too-short rings, a one-position line.
  push('Polygon with an open ring', geoUrl('within', 'Polygon', '[[[120,30],[121,30],[121,31],[120,31]]]'), 'invalid');
  push('Polygon with a 3-position ring', geoUrl('intersects', 'Polygon', '[[[120,30],[121,30],[120,30]]]'), 'invalid');
  push('MultiPolygon with an open ring', geoUrl('within', 'MultiPolygon', '[[[[120,30],[121,30],[121,31],[120,31]]]]'), 'invalid');
  push('LineString of one position', geoUrl('intersects', 'LineString', '[[120,30]]'), 'invalid');
  push('Point given as a LineString', geoUrl('near;maxDistance==10', 'Point', '[[120,30],[121,30]]'), 'invalid');
  push('georel without geometry', `${API}/entities?type=Fuzz&georel=near%3BmaxDistance%3D%3D10`, 'invalid');
  push('coordinates alone', `${API}/entities?type=Fuzz&coordinates=%5B1%2C2%5D`, 'invalid');
  push('geoproperty that is not a name', geoUrl('near;maxDistance==10', 'Point', '[120.2,30.25]', `&geoproperty=${enc('a b')}`), 'invalid');
  while (inputs.length < count) {
    const broken = r.int(4); // which part is garbage: 0 georel, 1 geometry, 2 coordinates, 3 none
    const geometry = broken === 1 ? (r.chance(0.5) ? r.pick(BAD_GEOMETRIES) : atom(r)) : r.pick(GEOMETRIES);
    const georel = broken === 0 ? (r.chance(0.6) ? r.pick(BAD_GEORELS) : atom(r)) : r.pick(GEORELS);
    const coordinates = broken === 2 ? (r.chance(0.7) ? r.pick(BAD_COORDINATES) : atom(r)) : broken === 3 ? (VALID_COORDINATES[geometry] as string) : r.pick(Object.values(VALID_COORDINATES));
    const expect: Expectation = broken === 3 ? 'maybe' : 'invalid';
    if (r.chance(0.2)) {
      // The same through POST /entityOperations/query, with coordinates as JSON where they parse (else a string).
      let coords = coordinates;
      try {
        JSON.parse(coordinates);
      } catch {
        coords = JSON.stringify(coordinates);
      }
      const geoQ = `{"georel":${JSON.stringify(georel)},"geometry":${JSON.stringify(geometry)},"coordinates":${coords}}`;
      inputs.push({
        family: 'geoQ',
        label: `POST query geoQ ${printable(geoQ)}`,
        method: 'POST',
        url: `${API}/entityOperations/query`,
        headers: { 'content-type': 'application/json' },
        payload: `{"type":"Query","entities":[{"type":"Fuzz"}],"geoQ":${geoQ}}`,
        expect,
      });
    } else {
      push(`georel=${printable(georel, 40)}&geometry=${printable(geometry, 30)}&coordinates=${printable(coordinates, 60)}`, geoUrl(georel, geometry, coordinates), expect);
    }
  }
  return inputs;
}

// ---- other query parameters ----

const BAD_NAMES = ['a b', 'x<y', 'x>y', 'a"b', "a'b", 'a=b', 'a;b', 'a(b', 'a)b', '\u0000', '\t', 'a'.repeat(300), '\\'];
const PARAM_VALUES: Record<string, { bad: string[]; maybe: string[] }> = {
  attrs: { bad: [...BAD_NAMES, ',,,', ''], maybe: ['speed', 'speed,name', '西湖', 'https://x.org/a'] },
  pick: { bad: [...BAD_NAMES, ',,'], maybe: ['id', 'type', 'speed,id', 'name'] },
  omit: { bad: [...BAD_NAMES, ','], maybe: ['id', 'type,speed', 'name'] },
  type: { bad: ['A;', '(A', 'A)', '|', 'A||B', '((A))))', ';', 'a b', '"A"', '\u0000', 'A,,B', '()'], maybe: ['A,B', '(A;B)|C', 'Fuzz', 'https://x.org/T'] },
  idPattern: { bad: ['(', '[', '*', '(?=a)', '(?<n>a)', '\\p{L}', '\\1', '(a)\\1', 'a'.repeat(300), '\\b', '\\u0041'], maybe: [...REGEX_BOMBS.filter((b) => !['\\1', '(?=a)', '[[:alpha:]]'].includes(b)), '.*', '^urn:', '%', '_'] },
  scopeQ: { bad: ['', '/a//b', '/a/#/b', '//', '/a;', '(/a', '/a)', '/a b', '\u0000', '/+/#/+'], maybe: ['/a', '/a/#', '/+/b', '/a;/b', '/a|/b', '/西湖', 'no-slash'] },
  limit: { bad: ['-1', '1.5', '1e3', 'abc', '99999999999999', '1001', '', ' 5', '0x10', '5 ', '+5'], maybe: ['0', '1', '1000'] },
  offset: { bad: ['-1', '1.5', 'abc', '99999999999999', '', 'NaN'], maybe: ['0', '5', '100000'] },
  options: { bad: ['keyValues,concise', 'foo', 'noOverwrite,bogus', ',', 'KEYVALUES', 'keyValues;concise'], maybe: ['keyValues', 'concise', 'sysAttrs', 'normalized,sysAttrs'] },
  format: { bad: ['xml', 'keyvalue', '', '\u0000'], maybe: ['keyValues', 'concise', 'normalized'] },
  count: { bad: ['yes', '1', 'TRUE', ''], maybe: ['true', 'false'] },
  local: { bad: ['yes', '1'], maybe: ['true'] },
  lang: { bad: [], maybe: ['en', 'zh,en;q=0.5', '*', '\u0000', '西湖', ';;;'] },
  datasetId: { bad: [','], maybe: ['urn:d:1', '@none', 'not a uri'] },
  geometryProperty: { bad: [], maybe: ['location', 'a b', ''] },
};

function paramInputs(r: Rng, count: number): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  const names = Object.keys(PARAM_VALUES);
  // Single-valued parameters given twice, and pick with omit.
  for (const name of ['type', 'q', 'limit', 'offset', 'idPattern', 'georel', 'options']) {
    inputs.push({ family: 'params', label: `${name} given twice`, method: 'GET', url: `${API}/entities?type=Fuzz&${name}=1&${name}=2`, expect: 'invalid' });
  }
  inputs.push({ family: 'params', label: 'pick and omit together', method: 'GET', url: `${API}/entities?type=Fuzz&pick=id&omit=type`, expect: 'invalid' });
  inputs.push({ family: 'params', label: 'no selector at all', method: 'GET', url: `${API}/entities`, expect: 'invalid' });
  inputs.push({ family: 'params', label: 'only limit', method: 'GET', url: `${API}/entities?limit=5`, expect: 'invalid' });
  while (inputs.length < count) {
    const name = r.pick(names);
    const pool = PARAM_VALUES[name] as { bad: string[]; maybe: string[] };
    const mode = r.int(3); // 0 bad, 1 maybe, 2 random atom
    const value = mode === 0 && pool.bad.length > 0 ? r.pick(pool.bad) : mode === 1 ? r.pick(pool.maybe) : atom(r);
    const expect: Expectation = mode === 0 && pool.bad.length > 0 ? 'invalid' : 'maybe';
    const selector = name === 'type' || name === 'idPattern' || name === 'attrs' || name === 'scopeQ' ? '' : 'type=Fuzz&';
    const target = r.chance(0.15) && !['limit', 'offset', 'count', 'local', 'type', 'idPattern', 'scopeQ', 'attrs'].includes(name);
    if (target) {
      // The same parameter on Retrieve Entity.
      inputs.push({ family: 'params', label: `GET known?${name}=${printable(value, 60)}`, method: 'GET', url: `${API}/entities/${enc(KNOWN_ID)}?${name}=${enc(value)}`, expect: expect === 'invalid' ? 'invalid' : 'maybe' });
    } else {
      inputs.push({ family: 'params', label: `${name}=${printable(value, 60)}`, method: 'GET', url: `${API}/entities?${selector}${name}=${enc(value)}`, expect });
    }
  }
  return inputs;
}

// ---- entity ids and attribute names in the URL ----

const BAD_IDS = [
  '%2F..%2F..%2Fetc%2Fpasswd',
  '..',
  '.',
  '%2E%2E',
  '%2e%2e%2f',
  'urn%3Angsi-ld%3AX%2F1',
  enc(`urn:a:${'x'.repeat(10_000)}`),
  enc(`urn:a:${'x'.repeat(600)}`),
  enc('urn:西湖:1'),
  enc('urn:ngsi-ld:🚦:1'),
  enc('not a uri'),
  '%00',
  enc('urn:a:\u0000'),
  enc('urn:a:b\nc'),
  '%ED%A0%80',
  '%C3%28',
  '%',
  enc("urn:a:'; DROP TABLE ngsi_entities; --"),
  enc('javascript:alert(1)'),
  enc('urn:a:<script>'),
  '%20',
  enc('\ud800'),
];

function idInputs(r: Rng, count: number): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  const body = '{"speed":{"type":"Property","value":1}}';
  const shapes: Array<(id: string, attr: string) => Omit<FuzzInput, 'family' | 'label' | 'expect'>> = [
    (id) => ({ method: 'GET', url: `${API}/entities/${id}` }),
    (id) => ({ method: 'DELETE', url: `${API}/entities/${id}` }),
    (id) => ({ method: 'PATCH', url: `${API}/entities/${id}/attrs`, headers: { 'content-type': 'application/json' }, payload: body }),
    (id) => ({ method: 'POST', url: `${API}/entities/${id}/attrs`, headers: { 'content-type': 'application/json' }, payload: body }),
    (id) => ({ method: 'PUT', url: `${API}/entities/${id}`, headers: { 'content-type': 'application/json' }, payload: '{"type":"Fuzz"}' }),
    (id) => ({ method: 'PATCH', url: `${API}/entities/${id}`, headers: { 'content-type': 'application/merge-patch+json' }, payload: body }),
    (id, attr) => ({ method: 'PATCH', url: `${API}/entities/${id}/attrs/${attr}`, headers: { 'content-type': 'application/json' }, payload: '{"value":2}' }),
    (id, attr) => ({ method: 'PUT', url: `${API}/entities/${id}/attrs/${attr}`, headers: { 'content-type': 'application/json' }, payload: '{"type":"Property","value":2}' }),
    (id, attr) => ({ method: 'DELETE', url: `${API}/entities/${id}/attrs/${attr}` }),
  ];
  const attrNames = [...BAD_NAMES.map(enc), 'speed', '%2F', '..', enc('西湖'), '%ED%A0%80'];
  while (inputs.length < count) {
    const shape = r.pick(shapes);
    // Mostly garbage ids; sometimes a well-formed id that does not exist, or the known entity with a garbage attribute.
    const which = r.int(10);
    const id = which < 7 ? r.pick(BAD_IDS) : which < 9 ? enc(`urn:ngsi-ld:Fuzz:absent-${r.int(1e6)}`) : enc(KNOWN_ID);
    // On the known entity: never an existing attribute, and no dot segment that could climb to the entity itself.
    const attr = id === enc(KNOWN_ID) ? r.pick(attrNames.filter((a) => !['speed', '..', '%2F'].includes(a))) : r.pick(attrNames);
    const request = shape(id, attr);
    const onKnown = id === enc(KNOWN_ID);
    // Only the attribute-level shapes may reach the known entity, and always with a bad or missing attribute.
    if (onKnown && !request.url.includes('/attrs/')) continue;
    inputs.push({ family: 'ids', label: `${request.method} ${printable(request.url.slice(API.length), 100)}`, ...request, expect: 'invalid' });
  }
  return inputs;
}

// ---- bodies ----

const BAD_GEOJSON: unknown[] = [
  { type: 'Point', coordinates: [200, 30] },
  { type: 'Point', coordinates: ['120', '30'] },
  { type: 'Point', coordinates: [120] },
  { type: 'Point' },
  { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] },
  { type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] },
  { type: 'LineString', coordinates: [[0, 0]] },
  { type: 'Circle', coordinates: [0, 0], radius: 5 },
  { type: 'GeometryCollection', geometries: [] },
  { type: 'Feature', geometry: { type: 'Point', coordinates: [0, 0] } },
  { type: 'Point', coordinates: [null, null] },
  { type: 'MultiPolygon', coordinates: [[[]]] },
  [120, 30],
  'POINT(120 30)',
];

/** Members of an entity replaced with values NGSI-LD forbids there (each makes the entity invalid). */
const INVALID_MUTATIONS: Array<[string, (e: Json) => void]> = [
  ['id is a number', (e) => (e.id = 5)],
  ['id is null', (e) => (e.id = null)],
  ['id is an object', (e) => (e.id = { id: 'urn:a:1' })],
  ['id is an array', (e) => (e.id = ['urn:a:1'])],
  ['id is not a URI', (e) => (e.id = 'not a uri')],
  ['id is 10 kB', (e) => (e.id = `urn:a:${'x'.repeat(10_000)}`)],
  ['id is missing', (e) => delete e.id],
  ['type is a number', (e) => (e.type = 5)],
  ['type is null', (e) => (e.type = null)],
  ['type is empty', (e) => (e.type = '')],
  ['type is []', (e) => (e.type = [])],
  ['type is {}', (e) => (e.type = {})],
  ['type has a space', (e) => (e.type = 'Fuzz Type')],
  ['type is missing', (e) => delete e.type],
  ['33 types', (e) => (e.type = Array.from({ length: 33 }, (_, i) => `T${i}`))],
  ['an attribute is null', (e) => (e.speed = null)],
  ['an attribute type is unknown', (e) => (e.speed = { type: 'Foo', value: 1 })],
  ['an attribute type is a number', (e) => (e.speed = { type: 5, value: 1 })],
  ['a Property without value', (e) => (e.speed = { type: 'Property' })],
  ['a Property with a null value', (e) => (e.speed = { type: 'Property', value: null })],
  ['a Relationship to a number', (e) => (e.owner = { type: 'Relationship', object: 5 })],
  ['a Relationship to a non-URI', (e) => (e.owner = { type: 'Relationship', object: 'not a uri' })],
  ['a Relationship to []', (e) => (e.owner = { type: 'Relationship', object: [] })],
  ['a Relationship without object', (e) => (e.owner = { type: 'Relationship', value: 'urn:a:1' })],
  ['observedAt is not a date', (e) => (e.speed = { type: 'Property', value: 1, observedAt: 'yesterday' })],
  ['observedAt is a number', (e) => (e.speed = { type: 'Property', value: 1, observedAt: 5 })],
  ['observedAt is month 13', (e) => (e.speed = { type: 'Property', value: 1, observedAt: '2026-13-01T00:00:00Z' })],
  ['unitCode is an object', (e) => (e.speed = { type: 'Property', value: 1, unitCode: {} })],
  ['unitCode is empty', (e) => (e.speed = { type: 'Property', value: 1, unitCode: '' })],
  ['datasetId is not a URI', (e) => (e.speed = { type: 'Property', value: 1, datasetId: 'not a uri' })],
  ['datasetId is a number', (e) => (e.speed = { type: 'Property', value: 1, datasetId: 5 })],
  [
    'duplicate datasetIds',
    (e) =>
      (e.speed = [
        { type: 'Property', value: 1, datasetId: 'urn:d:1' },
        { type: 'Property', value: 2, datasetId: 'urn:d:1' },
      ]),
  ],
  [
    'two default instances',
    (e) =>
      (e.speed = [
        { type: 'Property', value: 1 },
        { type: 'Property', value: 2 },
      ]),
  ],
  ['a languageMap that is a string', (e) => (e.label = { type: 'LanguageProperty', languageMap: 'x' })],
  ['a languageMap with a bad tag', (e) => (e.label = { type: 'LanguageProperty', languageMap: { 'not a tag!': 'x' } })],
  ['a languageMap with a number', (e) => (e.label = { type: 'LanguageProperty', languageMap: { en: 5 } })],
  ['a valueList that is a string', (e) => (e.list = { type: 'ListProperty', valueList: 'x' })],
  ['an objectList of non-URIs', (e) => (e.rel = { type: 'ListRelationship', objectList: ['not a uri'] })],
  ['a vocab with a space', (e) => (e.kind = { type: 'VocabProperty', vocab: 'a b' })],
  ['a JsonProperty without json', (e) => (e.doc = { type: 'JsonProperty', value: 1 })],
  ['scope is a number', (e) => (e.scope = 5)],
  ['scope has a +', (e) => (e.scope = '/a/+')],
  ['an attribute name with a space', (e) => (e['a b'] = 1)],
  ['an attribute name with <', (e) => (e['x<y'] = 1)],
  ['an attribute name with (', (e) => (e['a('] = 1)],
  ['an attribute name of 300 characters', (e) => (e['a'.repeat(300)] = 1)],
  ['an attribute name with NUL', (e) => (e['a\u0000'] = 1)],
  ['a sub-attribute that is an array', (e) => (e.speed = { type: 'Property', value: 1, accuracy: [{ type: 'Property', value: 1 }] })],
  ['a sub-attribute named scope', (e) => (e.speed = { type: 'Property', value: 1, scope: { type: 'Property', value: 1 } })],
  ['sub-attributes nested 10,000 deep', (e) => (e.speed = deep('subAttributes', 10_000))],
  ['sub-attributes nested 9 deep', (e) => (e.speed = nestedSubAttributes(9))],
  ['1,001 attributes', (e) => Object.assign(e, Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`a${i}`, i])))],
  ['101 instances of one attribute', (e) => (e.speed = Array.from({ length: 101 }, (_, i) => ({ type: 'Property', value: i, datasetId: `urn:d:${i}` })))],
  ['a value with a NUL character', (e) => (e.speed = { type: 'Property', value: 'a\u0000b' })],
  ['a value with a lone surrogate', (e) => (e.speed = { type: 'Property', value: 'a\ud800b' })],
  ['an attribute name with a lone surrogate', (e) => (e['a\udc00'] = 1)],
  ...BAD_GEOJSON.map((g): [string, (e: Json) => void] => [`location is ${printable(JSON.stringify(g), 60)}`, (e) => (e.location = { type: 'GeoProperty', value: g })]),
];

/** Members set to values that may well be valid (201 allowed): stored data must survive them, or be refused cleanly. */
const MAYBE_MUTATIONS: Array<[string, (e: Json) => void]> = [
  ['a 100 kB string value', (e) => (e.speed = { type: 'Property', value: 'x'.repeat(100_000) })],
  ['a value of arrays nested 10,000 deep', (e) => (e.speed = { type: 'Property', value: deep('arrays', 10_000) })],
  ['a value of objects nested 10,000 deep', (e) => (e.speed = { type: 'Property', value: deep('objects', 10_000) })],
  ['a JsonProperty nested 10,000 deep', (e) => (e.doc = { type: 'JsonProperty', json: deep('objects', 10_000) })],
  ['a value of SQL', (e) => (e.speed = { type: 'Property', value: "'; DROP TABLE ngsi_entities; --" })],
  ['a value with backslashes and percents', (e) => (e.speed = { type: 'Property', value: '\\%_\\\\' })],
  ['a unicode value', (e) => (e.speed = { type: 'Property', value: '西湖🚦e\u0301\u202e' })],
  ['-0', (e) => (e.speed = { type: 'Property', value: -0 })],
  ['an empty array value', (e) => (e.speed = { type: 'Property', value: [] })],
  ['an empty object value', (e) => (e.speed = { type: 'Property', value: {} })],
  ['a concise array of objects', (e) => (e.speed = [{ a: 1 }, { b: 2 }])],
  ['a value named type', (e) => (e.speed = { type: 'Property', value: { type: 'Property', value: 1 } })],
  ['a value with a __proto__-like key', (e) => (e.speed = { type: 'Property', value: { proto: 1, constructor_: 2 } })],
  ['an unknown member', (e) => (e.speed = { type: 'Property', value: 1, whatever: 5 })],
  ['a 500-position polygon', (e) => (e.location = { type: 'GeoProperty', value: { type: 'Polygon', coordinates: [ring(500)] } })],
  ['scope list', (e) => (e.scope = ['/a', '/a', '/b/c'])],
  // The hub reads a scope without its leading "/" as rooted (as scopeQ does, clause 4.19 example 5).
  ['scope without a leading slash', (e) => (e.scope = 'Hangzhou')],
];

/**
 * Deeply nested JSON is written as text: JSON.stringify itself overflows the stack a few thousand
 * levels down. A value stands in for it (`deep(...)`) and `serialize` splices the text in.
 */
type DeepKind = 'arrays' | 'objects' | 'subAttributes';
const deep = (kind: DeepKind, depth: number) => `@@deep:${kind}:${depth}@@`;
function deepText(kind: DeepKind, depth: number): string {
  if (kind === 'arrays') return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  if (kind === 'objects') return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return `${'{"type":"Property","value":0,"inner":'.repeat(depth)}{"type":"Property","value":0}${'}'.repeat(depth)}`;
}
function serialize(value: unknown): string {
  return JSON.stringify(value).replace(/"@@deep:(\w+):(\d+)@@"/g, (_, kind: DeepKind, depth: string) => deepText(kind, Number(depth)));
}
function nestedSubAttributes(depth: number): Json {
  let node: Json = { type: 'Property', value: 0 };
  for (let i = 0; i < depth; i++) node = { type: 'Property', value: i, inner: node };
  return node;
}
function ring(n: number): number[][] {
  const points = Array.from({ length: n - 1 }, (_, i) => [120.2 + 0.01 * Math.cos((2 * Math.PI * i) / (n - 1)), 30.25 + 0.01 * Math.sin((2 * Math.PI * i) / (n - 1))]);
  return [...points, points[0] as number[]];
}

let fresh = 0;
function baseEntity(): Json {
  fresh++;
  return {
    id: `urn:ngsi-ld:Fuzz:new-${fresh}`,
    type: 'Fuzz',
    speed: { type: 'Property', value: fresh },
    location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.2, 30.25] } },
  };
}

const INVALID_JSON = [
  '{',
  '{"id":}',
  "{'id':'urn:a:1'}",
  '[1,2',
  'NaN',
  '{"id":"urn:a:1",}',
  '{"id":"urn:a:1" "type":"T"}',
  '\u0000',
  '{"a":1}garbage',
  '"unterminated',
  '{"__proto__":{"x":1}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '\uFEFF\uFEFF{}',
  '{"id":"urn:a:1","type":"T","speed":\u0001}',
  ' ',
];

function bodyInputs(r: Rng, count: number): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  const json = { 'content-type': 'application/json' };
  const known = `${API}/entities/${enc(KNOWN_ID)}`;

  // Size: the body limit (1 MB by default) answers 413.
  const tenMb = once('10MB', () => 'x'.repeat(10 * 1024 * 1024));
  for (const [url, method] of [
    [`${API}/entities`, 'POST'],
    [`${known}/attrs`, 'PATCH'],
    [`${API}/entityOperations/upsert`, 'POST'],
  ] as Array<[string, Method]>) {
    inputs.push({ family: 'bodies', label: `${method} ${url.slice(API.length)} with a 10 MB string`, method, url, headers: json, payload: `{"id":"urn:a:1","type":"T","speed":{"type":"Property","value":"${tenMb}"}}`, expect: 'invalid', status: 413 });
  }
  const hugeBatch = once('batch20k', () => JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: `urn:ngsi-ld:Fuzz:batch-${i}`, type: 'Fuzz', speed: { type: 'Property', value: i } }))));
  inputs.push({ family: 'bodies', label: 'batch create of 20,000 entities (2 MB)', method: 'POST', url: `${API}/entityOperations/create`, headers: json, payload: hugeBatch, expect: 'invalid', status: 413 });
  const manySmall = once('batch10k', () => JSON.stringify(Array.from({ length: 10_001 }, (_, i) => ({ id: `urn:a:${i}`, type: 'T' }))));
  for (const op of BATCH_PATHS) inputs.push({ family: 'bodies', label: `${op.slice(API.length)} of 10,001 entities`, method: 'POST', url: op, headers: json, payload: manySmall, expect: 'invalid' });
  inputs.push({ family: 'bodies', label: 'batch delete of 10,001 ids', method: 'POST', url: `${API}/entityOperations/delete`, headers: json, payload: JSON.stringify(Array.from({ length: 10_001 }, (_, i) => `urn:a:${i}`)), expect: 'invalid' });
  for (const op of [...BATCH_PATHS, `${API}/entityOperations/delete`]) {
    for (const payload of ['[]', '{}', '"x"', '5', 'null', '{"id":"urn:a:1","type":"T"}']) {
      inputs.push({ family: 'bodies', label: `${op.slice(API.length)} with ${payload}`, method: 'POST', url: op, headers: json, payload, expect: 'invalid' });
    }
    inputs.push({ family: 'bodies', label: `${op.slice(API.length)} of non-entities`, method: 'POST', url: op, headers: json, payload: '[1,"x",null,[],{}]', expect: 'batch-errors' });
  }
  // Invalid JSON and invalid UTF-8 on every body-taking route.
  const routes: Array<[Method, string]> = [
    ['POST', `${API}/entities`],
    ['PATCH', `${known}/attrs`],
    ['POST', `${known}/attrs`],
    ['PUT', known],
    ['PATCH', `${known}/attrs/speed`],
    ['PUT', `${known}/attrs/speed`],
    ['POST', `${API}/entityOperations/query`],
    ...BATCH_PATHS.map((p): [Method, string] => ['POST', p]),
  ];
  for (const [method, url] of routes) {
    for (const text of INVALID_JSON) {
      inputs.push({ family: 'bodies', label: `${method} ${url.slice(API.length)} invalid JSON ${printable(text, 40)}`, method, url, headers: json, payload: text, expect: 'invalid' });
    }
    if (method === 'POST' && (url.endsWith('/entities') || url.endsWith('/query'))) {
      // Valid JSON nested 100,000 deep (not an entity, not a Query): the parser must not fall over.
      for (const text of [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`]) {
        inputs.push({ family: 'bodies', label: `${method} ${url.slice(API.length)} JSON nested ${printable(text, 20)}`, method, url, headers: json, payload: text, expect: 'invalid' });
      }
    }
    for (const bytes of [
      [0xc3, 0x28],
      [0xed, 0xa0, 0x80],
      [0xff, 0xfe],
      [0xc0, 0xaf],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x80],
    ]) {
      const payload = Buffer.concat([Buffer.from('{"id":"urn:ngsi-ld:Fuzz:utf8","type":"Fuzz","name":{"type":"Property","value":"a'), Buffer.from(bytes), Buffer.from('b"}}')]);
      inputs.push({ family: 'bodies', label: `${method} ${url.slice(API.length)} with invalid UTF-8 bytes ${bytes.map((b) => b.toString(16)).join(' ')}`, method, url, headers: json, payload, expect: 'invalid' });
    }
  }
  // Numbers JSON can write but no JSON value can hold (1e999 parses to Infinity, which would be stored as null).
  for (const number of ['1e999', '-1e999', '1e309']) {
    const one = () => `{"id":"urn:ngsi-ld:Fuzz:number-${++fresh}","type":"Fuzz","speed":{"type":"Property","value":${number}}}`;
    inputs.push({ family: 'bodies', label: `POST /entities with value ${number}`, method: 'POST', url: `${API}/entities`, headers: json, payload: one(), expect: 'invalid' });
    inputs.push({ family: 'bodies', label: `batch create with value ${number}`, method: 'POST', url: `${API}/entityOperations/create`, headers: json, payload: `[${one()}]`, expect: 'batch-errors' });
    inputs.push({ family: 'bodies', label: `batch create with location [${number},0]`, method: 'POST', url: `${API}/entityOperations/create`, headers: json, payload: `[{"id":"urn:ngsi-ld:Fuzz:number-${++fresh}","type":"Fuzz","location":{"type":"GeoProperty","value":{"type":"Point","coordinates":[${number},0]}}}]`, expect: 'batch-errors' });
  }
  // Numbers JSON holds but a double cannot hold exactly: valid, stored rounded.
  for (const number of ['99999999999999999999999', '-0', '1e-400', '0.1e1', '-0.0']) {
    const payload = `{"id":"urn:ngsi-ld:Fuzz:number-${++fresh}","type":"Fuzz","speed":{"type":"Property","value":${number}}}`;
    inputs.push({ family: 'bodies', label: `POST /entities with value ${number}`, method: 'POST', url: `${API}/entities`, headers: json, payload, expect: 'maybe' });
  }
  // Content-Type and Link headers.
  const entity = () => JSON.stringify(baseEntity());
  const headerCases: Array<[string, Record<string, string>, () => string, number | undefined]> = [
    ['no Content-Type', {}, entity, 415],
    ['text/plain', { 'content-type': 'text/plain' }, entity, 415],
    ['application/xml', { 'content-type': 'application/xml' }, () => '<entity/>', 415],
    ['form-urlencoded', { 'content-type': 'application/x-www-form-urlencoded' }, () => 'id=urn:a:1&type=T', 415],
    ['multipart', { 'content-type': 'multipart/form-data; boundary=x' }, () => '--x--', 415],
    ['application/json-seq', { 'content-type': 'application/json-seq' }, entity, 415],
    ['an empty Content-Type', { 'content-type': '' }, entity, undefined],
    ['a garbage Content-Type', { 'content-type': ';;;' }, entity, undefined],
    ['application/geo+json', { 'content-type': 'application/geo+json' }, entity, 415],
    ['merge-patch on create', { 'content-type': 'application/merge-patch+json' }, entity, 415],
    ['ld+json without @context', { 'content-type': 'application/ld+json' }, entity, 400],
    ['ld+json with a Link header', { 'content-type': 'application/ld+json', link: `<${CORE_CONTEXT}>; rel="${JSONLD_CONTEXT_REL}"; type="application/ld+json"` }, () => JSON.stringify({ ...baseEntity(), '@context': CORE_CONTEXT }), 400],
    ['json with @context in the body', json, () => JSON.stringify({ ...baseEntity(), '@context': CORE_CONTEXT }), 400],
    ['ld+json with @context 5', { 'content-type': 'application/ld+json' }, () => JSON.stringify({ ...baseEntity(), '@context': 5 }), undefined],
    ['ld+json with a 10,000-deep @context', { 'content-type': 'application/ld+json' }, () => serialize({ ...baseEntity(), '@context': deep('arrays', 10_000) }), undefined],
    ['ld+json with @context {"@vocab": 5}', { 'content-type': 'application/ld+json' }, () => JSON.stringify({ ...baseEntity(), '@context': { '@vocab': 5 } }), undefined],
    ['ld+json with a term defined as a number', { 'content-type': 'application/ld+json' }, () => JSON.stringify({ ...baseEntity(), '@context': { speed: 5 } }), undefined],
    ['ld+json with a protected core term redefined', { 'content-type': 'application/ld+json' }, () => JSON.stringify({ ...baseEntity(), '@context': [CORE_CONTEXT, { location: 'https://x.org/loc' }] }), undefined],
    ['a Link header without <>', { ...json, link: `${CORE_CONTEXT}; rel="${JSONLD_CONTEXT_REL}"` }, entity, undefined],
    ['a Link header with <>', { ...json, link: `<>; rel="${JSONLD_CONTEXT_REL}"` }, entity, 400],
    ['two context Link headers', { ...json, link: `<${CORE_CONTEXT}>; rel="${JSONLD_CONTEXT_REL}", <${CORE_CONTEXT}>; rel="${JSONLD_CONTEXT_REL}"` }, entity, 400],
    ['a Link header to a non-URL', { ...json, link: `<not a url>; rel="${JSONLD_CONTEXT_REL}"` }, entity, undefined],
    ['a Link header to file:///etc/passwd', { ...json, link: `<file:///etc/passwd>; rel="${JSONLD_CONTEXT_REL}"` }, entity, undefined],
    ['a Link header to a 10 kB URL', { ...json, link: `<https://x.org/${'a'.repeat(10_000)}>; rel="${JSONLD_CONTEXT_REL}"` }, entity, undefined],
  ];
  for (const [label, headers, payload, status] of headerCases) {
    inputs.push({ family: 'bodies', label: `POST /entities with ${label}`, method: 'POST', url: `${API}/entities`, headers, payload: payload(), expect: 'invalid', ...(status ? { status } : {}), contextFetch: true });
  }
  // Remote contexts that cannot be fetched (loopback / .invalid): 400 or 503 LdContextNotAvailable, quickly.
  for (const url of ['http://127.0.0.1:1/context.jsonld', 'https://context.citycloud-fuzz.invalid/c.jsonld']) {
    inputs.push({ family: 'bodies', label: `POST /entities with Link to ${url}`, method: 'POST', url: `${API}/entities`, headers: { ...json, link: `<${url}>; rel="${JSONLD_CONTEXT_REL}"` }, payload: entity(), expect: 'invalid', contextFetch: true });
  }

  // Mutated entities on every write route. Each invalid mutation must leave the known entity as it was.
  const writes: Array<{ name: string; invalid: (body: Json) => Omit<FuzzInput, 'family' | 'label' | 'expect'> & { expect: Expectation } }> = [
    { name: 'POST /entities', invalid: (b) => ({ method: 'POST', url: `${API}/entities`, headers: json, payload: serialize(b), expect: 'invalid' }) },
    { name: 'batch create', invalid: (b) => ({ method: 'POST', url: `${API}/entityOperations/create`, headers: json, payload: serialize([b]), expect: 'batch-errors' }) },
    { name: 'batch upsert', invalid: (b) => ({ method: 'POST', url: `${API}/entityOperations/upsert?options=update`, headers: json, payload: serialize([b]), expect: 'batch-errors' }) },
    { name: 'PUT known', invalid: (b) => ({ method: 'PUT', url: known, headers: json, payload: serialize({ ...b, id: undefined }), expect: 'invalid' }) },
    { name: 'PATCH known/attrs', invalid: (b) => ({ method: 'PATCH', url: `${known}/attrs`, headers: json, payload: serialize(b), expect: 'invalid' }) },
    { name: 'POST known/attrs', invalid: (b) => ({ method: 'POST', url: `${known}/attrs`, headers: json, payload: serialize(b), expect: 'invalid' }) },
    { name: 'PATCH known (merge)', invalid: (b) => ({ method: 'PATCH', url: known, headers: json, payload: serialize(b), expect: 'invalid' }) },
  ];
  // What a mutation touches decides where it can go: PUT has no id, the attribute routes take attributes only.
  const touches = (name: string) => (name.startsWith('id ') ? 'id' : name.startsWith('type ') || name.includes('types') ? 'type' : name.startsWith('scope') ? 'scope' : 'attribute');
  while (inputs.length < count) {
    const valid = r.chance(0.12);
    const [name, mutate] = valid ? r.pick(MAYBE_MUTATIONS) : r.pick(INVALID_MUTATIONS);
    const route = r.pick(writes);
    const part = touches(name);
    if (route.name === 'PUT known' && part === 'id') continue;
    if (route.name.includes('attrs') || route.name.includes('merge')) {
      if (part !== 'attribute') continue;
      // null deletes in a merge: valid there, so not a hostile merge input.
      if (route.name.includes('merge') && (name.includes('null') || name.includes('without value'))) continue;
    }
    const body = baseEntity();
    // Upserts aim at the known entity: a bad attribute must leave it as it was.
    if (route.name === 'batch upsert') body.id = KNOWN_ID;
    const untouched = structuredClone(body);
    mutate(body);
    if (valid) {
      // A valid-looking body never goes to the known entity: only to fresh ids.
      const payload = serialize(r.chance(0.5) ? body : [body]);
      const url = payload.startsWith('[') ? `${API}/entityOperations/create` : `${API}/entities`;
      inputs.push({ family: 'bodies', label: `${url.slice(API.length)}: ${name}`, method: 'POST', url, headers: json, payload, expect: 'maybe' });
      continue;
    }
    // The attribute routes get only what the mutation changed: a valid attribute beside it would be written (207).
    const sent = route.name.includes('known') && route.name !== 'PUT known' ? changedAttributes(untouched, body) : body;
    if (Object.keys(sent).length === 0) continue;
    const request = route.invalid(sent);
    inputs.push({ family: 'bodies', label: `${route.name}: ${name}`, ...request });
  }
  return inputs;
}

/** An entity as an attribute fragment (what the attrs routes take). */
function fragment(entity: Json): Json {
  const { id: _id, type: _type, scope: _scope, ...attrs } = entity;
  return attrs;
}

/** The attributes of `after` that a mutation added or changed relative to `before`. */
function changedAttributes(before: Json, after: Json): Json {
  const out: Json = {};
  for (const [name, value] of Object.entries(fragment(after))) {
    if (!(name in before) || serialize(before[name]) !== serialize(value)) out[name] = value;
  }
  return out;
}

// ---- other headers ----

function headerInputs(r: Rng, count: number): FuzzInput[] {
  const inputs: FuzzInput[] = [];
  const accept = ['text/html', 'application/xml', 'image/png', 'application/json;q=0', 'application/geo+json;q=0, text/plain', ';;;', '\u00e9', 'application/*;q=abc'];
  const tenants = ['nowhere', '../hangzhou', "'; DROP TABLE tenants; --", 'a'.repeat(1000), 'HANGZHOU', '\u00e9', ' ', 'hangzhou,other'];
  const auth = ['Bearer', 'Bearer ', 'Bearer x.y.z', 'Basic YWRtaW46YWRtaW4=', 'bearer\tx', `Bearer ${'a'.repeat(10_000)}`, 'Token x', 'Bearer cck_00000000000000000000'];
  while (inputs.length < count) {
    const kind = r.int(4);
    const url = r.chance(0.5) ? `${API}/entities?type=Fuzz` : `${API}/entities/${enc(KNOWN_ID)}`;
    if (kind === 0) {
      const value = r.chance(0.8) ? r.pick(accept) : atom(r);
      inputs.push({ family: 'headers', label: `Accept: ${printable(value, 60)}`, method: 'GET', url, headers: { accept: value }, expect: 'maybe' });
    } else if (kind === 1) {
      const value = r.pick(tenants);
      // A blank header is no header (HTTP trims the value): the default city answers.
      inputs.push({ family: 'headers', label: `NGSILD-Tenant: ${printable(value, 60)}`, method: 'GET', url, headers: { 'ngsild-tenant': value }, expect: value.trim() ? 'invalid' : 'maybe' });
    } else if (kind === 2) {
      const value = r.pick(auth);
      inputs.push({ family: 'headers', label: `Authorization: ${printable(value, 60)}`, method: 'GET', url, headers: { authorization: value }, expect: 'invalid', status: 401 });
    } else {
      const value = r.chance(0.7)
        ? r.pick([`<${atom(r)}>; rel="${JSONLD_CONTEXT_REL}"`, `<>; rel="${JSONLD_CONTEXT_REL}"`, `<${CORE_CONTEXT}>; rel="${JSONLD_CONTEXT_REL}", <x>; rel="${JSONLD_CONTEXT_REL}"`, `<${CORE_CONTEXT}`, `rel="${JSONLD_CONTEXT_REL}"`])
        : atom(r);
      inputs.push({ family: 'headers', label: `Link: ${printable(value, 60)}`, method: 'GET', url, headers: { link: value }, expect: 'maybe', contextFetch: true });
    }
  }
  return inputs;
}

// ---- running and judging ----

interface Outcome {
  input: FuzzInput;
  status: number;
  ms: number;
  problem?: string;
}

const statusCounts = new Map<number, number>();
const accepted: Outcome[] = [];
const slowest: Outcome[] = [];
let total = 0;

function record(outcome: Outcome): void {
  total++;
  statusCounts.set(outcome.status, (statusCounts.get(outcome.status) ?? 0) + 1);
  if (outcome.status < 300) accepted.push(outcome);
  slowest.push(outcome);
  slowest.sort((a, b) => b.ms - a.ms);
  if (slowest.length > 10) slowest.length = 10;
}

/** Why a response breaks the contract, or undefined. */
function judge(input: FuzzInput, status: number, contentType: string, text: string): string | undefined {
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const problemOk = () => {
    if (!/^application\/problem\+json/.test(contentType)) return `Content-Type ${contentType || '(none)'} is not application/problem+json`;
    const detail = (body as Json | undefined)?.detail;
    if (typeof detail !== 'string' || detail.trim().length === 0) return `no "detail" in ${text.slice(0, 200)}`;
    if (typeof (body as Json).type !== 'string' || typeof (body as Json).title !== 'string') return `no "type"/"title" in ${text.slice(0, 200)}`;
    return undefined;
  };
  if (status === 503 && input.contextFetch && (body as Json | undefined)?.type === 'https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable') return problemOk();
  if (status >= 500) return `answered ${status}: ${text.slice(0, 300)}`;
  if (status >= 400) {
    if (input.status !== undefined && status !== input.status) return `expected ${input.status}, got ${status}: ${text.slice(0, 200)}`;
    return problemOk();
  }
  if (input.expect === 'invalid') return `accepted with ${status}: ${text.slice(0, 200)}`;
  if (input.expect === 'batch-errors') {
    const result = body as { success?: unknown[]; errors?: Array<{ error?: { detail?: unknown } }> } | undefined;
    if (status !== 207) return `a batch of only bad entities answered ${status}, not 207 or 4xx: ${text.slice(0, 200)}`;
    if (!result?.errors?.length || (result.success?.length ?? 0) > 0) return `207 without one error per entity: ${text.slice(0, 200)}`;
    const bare = result.errors.find((e) => typeof e.error?.detail !== 'string' || (e.error.detail as string).length === 0);
    if (bare) return `a batch error without detail: ${JSON.stringify(bare).slice(0, 200)}`;
  }
  return undefined;
}

let tp: TestPlatform;
const failures: Outcome[] = [];
let knownBefore: string;

async function send(input: FuzzInput): Promise<void> {
  const headers = { ...bearer(tp.adminToken), ...(input.headers ?? {}) };
  const started = performance.now();
  const response = await tp.platform.server.inject({
    method: input.method,
    url: input.url,
    headers,
    ...(input.payload !== undefined ? { payload: input.payload } : {}),
  });
  const ms = performance.now() - started;
  const outcome: Outcome = { input, status: response.statusCode, ms };
  const problem = judge(input, response.statusCode, String(response.headers['content-type'] ?? ''), response.body);
  if (problem) outcome.problem = problem;
  else if (ms >= SLOW_MS) outcome.problem = `took ${Math.round(ms)} ms`;
  record(outcome);
  if (outcome.problem) failures.push(outcome);
}

async function runFamily(inputs: FuzzInput[]): Promise<Outcome[]> {
  const before = failures.length;
  for (const input of inputs) await send(input);
  return failures.slice(before);
}

/** Failures grouped by what went wrong, one example each. */
function report(list: Outcome[]): string {
  const groups = new Map<string, { count: number; example: Outcome }>();
  for (const o of list) {
    const key = `${o.status} ${(o.problem ?? '').replace(/\d+/g, 'N').slice(0, 50)} ${o.input.method} ${o.input.label.slice(0, 25)}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { count: 1, example: o });
  }
  return [...groups.values()]
    .slice(0, 40)
    .map(({ count, example: o }) => `  ${count} × e.g. ${o.input.method} ${o.input.label} → ${o.status} in ${Math.round(o.ms)} ms: ${o.problem?.slice(0, 300)}`)
    .join('\n');
}

const generator = rng(SEED);
const counts = (n: number) => Math.max(1, Math.round(n * SCALE));

before(async () => {
  console.log(`hostile-input: seed ${SEED} (set FUZZ_SEED to replay), scale ${SCALE}`);
  tp = await startTestPlatform({ LOG_LEVEL: 'warn' });
  const json = { ...bearer(tp.adminToken), 'content-type': 'application/json' };
  const seed: Json[] = [
    {
      id: KNOWN_ID,
      type: 'FuzzTarget',
      speed: { type: 'Property', value: 42, unitCode: 'KMH', observedAt: '2026-11-22T08:00:00Z' },
      name: { type: 'Property', value: 'known' },
      owner: { type: 'Relationship', object: 'urn:ngsi-ld:Person:1' },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.2, 30.25] } },
    },
    // Fodder for q, idPattern and regex bombs: long runs of "a" that end in a mismatch.
    ...Array.from({ length: 30 }, (_, i) => ({
      id: `urn:ngsi-ld:Fuzz:${'a'.repeat(20 + i)}!`,
      type: 'Fuzz',
      name: { type: 'Property', value: `${'a'.repeat(20 + i)}!` },
      speed: { type: 'Property', value: i },
      address: { type: 'Property', value: { city: i % 2 ? 'Hangzhou' : '杭州' } },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [120.2 + i / 1000, 30.25] } },
    })),
  ];
  const created = await tp.platform.server.inject({ method: 'POST', url: `${API}/entityOperations/create`, headers: json, payload: JSON.stringify(seed) });
  assert.equal(created.statusCode, 201, created.body);
  const got = await tp.platform.server.inject({ method: 'GET', url: `${API}/entities/${enc(KNOWN_ID)}?options=sysAttrs`, headers: bearer(tp.adminToken) });
  assert.equal(got.statusCode, 200, got.body);
  knownBefore = got.body;
});

after(async () => {
  const statuses = [...statusCounts].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}: ${n}`);
  console.log(`hostile-input: seed ${SEED}; ${total} inputs; statuses ${statuses.join(', ')}`);
  const byFamily = new Map<string, number>();
  for (const a of accepted) byFamily.set(a.input.family, (byFamily.get(a.input.family) ?? 0) + 1);
  console.log(`hostile-input: ${accepted.length} answered 2xx (${[...byFamily].map(([f, n]) => `${f} ${n}`).join(', ')}); e.g.`);
  const shown = new Set<string>();
  for (const a of accepted) {
    const key = `${a.input.family}:${a.status}:${a.input.label.slice(0, 30)}`;
    if (shown.has(key) || shown.size >= 25) continue;
    shown.add(key);
    console.log(`  ${a.status} ${a.input.method} ${a.input.label}`);
  }
  console.log('hostile-input: slowest 10:');
  for (const o of slowest) console.log(`  ${Math.round(o.ms)} ms ${o.status} ${o.input.method} ${o.input.label}`);
  await tp?.close();
});

describe(`hostile input (seed ${SEED})`, () => {
  const families: Array<[string, () => FuzzInput[]]> = [
    ['q', () => qInputs(generator, counts(3000))],
    ['geoQ', () => geoInputs(generator, counts(1500))],
    ['other query parameters', () => paramInputs(generator, counts(1500))],
    ['entity ids and attribute names in the URL', () => idInputs(generator, counts(1000))],
    ['bodies', () => bodyInputs(generator, counts(2600))],
    ['headers', () => headerInputs(generator, counts(500))],
  ];
  for (const [name, make] of families) {
    test(`hostile ${name} are refused with a problem+json 4xx (or answered 2xx when valid), never a 5xx, each within ${SLOW_MS} ms`, async () => {
      const inputs = make();
      const bad = await runFamily(inputs);
      assert.equal(bad.length, 0, `${bad.length} of ${inputs.length} ${name} inputs broke the contract:\n${report(bad)}`);
    });
  }

  test('more than 10,000 hostile inputs were sent', () => {
    assert.ok(total >= 10_000 * Math.min(SCALE, 1), `${total} inputs`);
  });

  test('the server still answers /healthz after the onslaught', async () => {
    const response = await tp.platform.server.inject({ method: 'GET', url: '/healthz' });
    assert.equal(response.statusCode, 200, response.body);
  });

  test('the known entity is exactly as it was before, modification time included', async () => {
    const got = await tp.platform.server.inject({ method: 'GET', url: `${API}/entities/${enc(KNOWN_ID)}?options=sysAttrs`, headers: bearer(tp.adminToken) });
    assert.equal(got.statusCode, 200, got.body);
    assert.deepEqual(JSON.parse(got.body), JSON.parse(knownBefore));
  });

  test('no hostile input dropped or emptied the entities table', async () => {
    const got = await tp.platform.server.inject({ method: 'GET', url: `${API}/entities?type=Fuzz&count=true&limit=0`, headers: bearer(tp.adminToken) });
    assert.equal(got.statusCode, 200, got.body);
    assert.ok(Number(got.headers['ngsild-results-count']) >= 30, `NGSILD-Results-Count ${got.headers['ngsild-results-count']}`);
  });
});

// ---- a slice over real HTTP, against `citycloud serve` ----

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request over a fresh TCP connection, bytes exactly as given (no client-side URL checks). */
function rawRequest(port: number, head: string, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('timeout')));
    socket.on('data', (c) => chunks.push(c));
    // A server may answer and reset at once (e.g. 431 while the client still sends): keep what arrived.
    socket.on('error', (error) => (chunks.length > 0 ? undefined : reject(error)));
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) {
        resolve({ status: 0, headers: {}, body: raw.toString('latin1') });
        return;
      }
      const lines = raw.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const at = line.indexOf(':');
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      let payload = raw.subarray(split + 4);
      if (headers['transfer-encoding'] === 'chunked') {
        const parts: Buffer[] = [];
        let at = 0;
        for (;;) {
          const end = payload.indexOf('\r\n', at);
          const size = Number.parseInt(payload.subarray(at, end).toString(), 16);
          if (!size) break;
          parts.push(payload.subarray(end + 2, end + 2 + size));
          at = end + 4 + size;
        }
        payload = Buffer.concat(parts);
      }
      resolve({ status, headers, body: payload.toString('utf8') });
    });
    const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    socket.write(Buffer.from(`${head}\r\nHost: 127.0.0.1\r\nConnection: close\r\n${bytes ? `Content-Length: ${bytes.length}\r\n` : ''}\r\n`, 'latin1'));
    if (bytes) socket.write(bytes);
  });
}

describe('hostile input over real HTTP (citycloud serve, a slice)', () => {
  let server: ServerProcess | undefined;
  let token = '';
  let port = 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'citycloud-fuzz-'));
  const outcomes: Array<{ label: string; status: number; problem?: string }> = [];

  before(async () => {
    server = await startServerProcess({ DATA_DIR: dir, CITYCLOUD_ADMIN_PASSWORD: 'fuzz-admin-password' });
    port = Number(new URL(server.url).port);
    const login = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'fuzz-admin-password' }),
    });
    token = ((await login.json()) as { accessToken: string }).accessToken;
  });
  after(async () => {
    if (server) {
      server.process.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const slice = rng(SEED ^ 0x5eed);
  const sample = (inputs: FuzzInput[], n: number) => Array.from({ length: n }, () => slice.pick(inputs)).filter((i) => typeof i.payload !== 'string' || i.payload.length < 2_000_000);

  test('a sample of the generated inputs gets the same contract over a real socket', async () => {
    const inputs = [
      ...sample(qInputs(rng(SEED + 1), 300), 40),
      ...sample(geoInputs(rng(SEED + 2), 200), 20),
      ...sample(paramInputs(rng(SEED + 3), 200), 25),
      ...sample(idInputs(rng(SEED + 4), 200), 20),
      ...sample(bodyInputs(rng(SEED + 5), 300), 25),
    ];
    for (const input of inputs) {
      const headers = Object.entries({ authorization: `Bearer ${token}`, ...(input.headers ?? {}) })
        .map(([k, v]) => `${k}: ${Buffer.from(v, 'utf8').toString('latin1')}`)
        .join('\r\n');
      const response = await rawRequest(port, `${input.method} ${input.url} HTTP/1.1\r\n${headers}`, input.payload);
      const problem = response.status === 0 ? 'no HTTP response' : judge(input, response.status, response.headers['content-type'] ?? '', response.body);
      outcomes.push({ label: `${input.method} ${input.label}`, status: response.status, ...(problem ? { problem } : {}) });
    }
    const bad = outcomes.filter((o) => o.problem);
    assert.equal(bad.length, 0, bad.slice(0, 20).map((o) => `  ${o.label} → ${o.status}: ${o.problem}`).join('\n'));
  });

  // What only a real socket can send: raw bytes in the request line and headers.
  const rawCases: Array<[string, string, Buffer | undefined]> = [
    ['raw invalid UTF-8 in the path', `GET ${API}/entities/urn:a:\u00c3\u0028 HTTP/1.1`, undefined],
    ['raw UTF-8 in the query', `GET ${API}/entities?type=\u00e8\u00a5\u00bf HTTP/1.1`, undefined],
    ['a space in the query', `GET ${API}/entities?type=A B HTTP/1.1`, undefined],
    ['a truncated percent-escape in the path', `GET ${API}/entities/%E0%A4%A HTTP/1.1`, undefined],
    ['an encoded NUL in the path', `GET ${API}/entities/urn:a:%00 HTTP/1.1`, undefined],
    ['an encoded surrogate in the path', `GET ${API}/entities/urn:a:%ED%A0%80 HTTP/1.1`, undefined],
    ['dot segments in the path', `GET ${API}/entities/../../../etc/passwd HTTP/1.1`, undefined],
    ['a 64 kB URL', `GET ${API}/entities?type=${'a'.repeat(64 * 1024)} HTTP/1.1`, undefined],
  ];
  for (const [label, line, body] of rawCases) {
    test(`${label} is refused with a 4xx, never a 5xx`, async () => {
      let response: RawResponse;
      try {
        response = await rawRequest(port, `${line}\r\nAuthorization: Bearer ${token}`, body);
      } catch (error) {
        // Node answers an oversized head with 431 and closes at once; the reset may beat the answer to us.
        assert.ok(label.includes('kB URL') && (error as { code?: string }).code === 'ECONNRESET', `${label}: ${String(error)}`);
        return;
      }
      assert.ok(response.status >= 400 && response.status < 500, `${label}: ${response.status} ${response.body.slice(0, 300)}`);
    });
  }

  test('a request head over the 16 kB limit is refused with 431 and a problem+json body', async (t) => {
    let response: RawResponse;
    try {
      response = await rawRequest(port, `GET ${API}/entities?type=${'a'.repeat(20_000)} HTTP/1.1\r\nAuthorization: Bearer ${token}`);
    } catch (error) {
      t.skip(`the reset beat the answer (${String(error)})`);
      return;
    }
    assert.equal(response.status, 431, response.body.slice(0, 300));
    assert.match(response.headers['content-type'] ?? '', /^application\/problem\+json/, `Content-Type of: ${response.body.slice(0, 300)}`);
    assert.ok(typeof JSON.parse(response.body).detail === 'string', response.body);
  });

  test('a Content-Length longer than the body sent, then a closed connection, does not disturb the server', async () => {
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end(`POST ${API}/entities HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":`);
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.resume();
    });
    const health = await rawRequest(port, 'GET /healthz HTTP/1.1');
    assert.equal(health.status, 200, health.body);
  });
});
