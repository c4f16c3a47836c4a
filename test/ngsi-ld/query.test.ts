/**
 * Conformance: Query Entities (5.7.2, 6.4.3.2) — entity type selection (4.17), id / idPattern, attrs,
 * projection pick/omit (4.21), the query language q (4.9), scopeQ (4.19), geoQ (4.10), pagination
 * (5.5.9, 6.3.10), counting (6.3.13) and representations (6.3.7) — ETSI GS CIM 009 V1.8.1.
 *
 * One read-only data set is created before the tests; no test writes to it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { API, assertProblem, expectStatus, type Hub, idsOf, type Json, openHub } from './support.ts';

let hub: Hub;

const id = (n: number) => `urn:ngsi-ld:Test:query-${n}`;
const [Q1, Q2, Q3, Q4, Q5, Q6] = [1, 2, 3, 4, 5, 6].map(id) as [string, string, string, string, string, string];
const ALL_TYPES = 'QAir,QWater,QDevice';

const point = (lon: number, lat: number) => ({ type: 'GeoProperty', value: { type: 'Point', coordinates: [lon, lat] } });
// A 0.05° square south-west of the Hangzhou points: [120.00..120.05] × [30.00..30.05].
const SQUARE = [
  [
    [120.0, 30.0],
    [120.05, 30.0],
    [120.05, 30.05],
    [120.0, 30.05],
    [120.0, 30.0],
  ],
];

before(async () => {
  hub = await openHub();
  const entities: Json[] = [
    {
      id: Q1,
      type: 'QAir',
      scope: '/Hangzhou/Xihu',
      temperature: { type: 'Property', value: 10, observedAt: '2026-01-01T00:00:00Z', accuracy: { type: 'Property', value: 0.5 } },
      name: { type: 'Property', value: 'alpha' },
      status: { type: 'Property', value: 'ok' },
      active: { type: 'Property', value: true },
      pollutant: { type: 'Property', value: { no2: 40, pm: { fine: 12 } } },
      refStation: { type: 'Relationship', object: 'urn:ngsi-ld:Station:A' },
      location: point(120.1, 30.2),
    },
    {
      id: Q2,
      type: 'QAir',
      scope: '/Hangzhou/Xihu/Lingyin',
      temperature: { type: 'Property', value: 20, observedAt: '2026-03-01T00:00:00Z', accuracy: { type: 'Property', value: 2 } },
      name: { type: 'Property', value: 'beta' },
      status: { type: 'Property', value: 'alarm' },
      active: { type: 'Property', value: false },
      pollutant: { type: 'Property', value: { no2: 80, pm: { fine: 30 } } },
      refStation: { type: 'Relationship', object: 'urn:ngsi-ld:Station:B' },
      location: point(120.2, 30.3),
    },
    {
      id: Q3,
      type: 'QAir',
      scope: '/Shanghai',
      temperature: { type: 'Property', value: 30 },
      name: { type: 'Property', value: 'gamma' },
      active: { type: 'Property', value: true },
      refStation: { type: 'Relationship', object: 'urn:ngsi-ld:Station:A' },
      location: point(121.47, 31.23),
    },
    {
      id: Q4,
      type: ['QWater', 'QDevice'],
      scope: '/Suzhou',
      level: { type: 'Property', value: 5 },
      location: { type: 'GeoProperty', value: { type: 'Polygon', coordinates: SQUARE } },
    },
    {
      id: Q5,
      type: 'QDevice',
      level: { type: 'Property', value: 7 },
      servicePoint: point(120.15, 30.25),
    },
    {
      id: id(7),
      type: 'QDated',
      validUntil: { type: 'Property', value: { '@type': 'DateTime', '@value': '2026-06-01T00:00:00Z' } },
    },
    {
      id: Q6,
      type: 'QText',
      name: { type: 'Property', value: 'a;b|c' },
      label: { type: 'LanguageProperty', languageMap: { en: 'Broken Bridge', zh: '断桥' } },
    },
  ];
  const response = await hub.post(`${API}/entityOperations/create`, entities);
  assert.equal(response.statusCode, 201, response.body);
});
after(async () => {
  await hub.close();
});

const enc = encodeURIComponent;

/** GET /entities with the given raw query string; asserts 200 and returns the sorted ids. */
async function ids(query: string): Promise<string[]> {
  return idsOf(await hub.query(query));
}

describe('entity type selection (4.17)', () => {
  // 4.17 / 5.7.2: a single type selects the entities of that type.
  test('type=QAir selects the entities of that type', async () => {
    assert.deepEqual(await ids('type=QAir'), [Q1, Q2, Q3]);
  });

  // 4.17: "," between types is OR.
  test('type=QWater,QAir selects entities of either type', async () => {
    assert.deepEqual(await ids('type=QWater,QAir'), [Q1, Q2, Q3, Q4]);
  });

  // 4.17: "|" between types is OR as well.
  test('type=QWater|QAir selects entities of either type', async () => {
    assert.deepEqual(await ids(`type=${enc('QWater|QAir')}`), [Q1, Q2, Q3, Q4]);
  });

  // 4.17: ";" between types is AND: entities that have all the types.
  test('type=QWater;QDevice selects only entities that have both types', async () => {
    assert.deepEqual(await ids(`type=${enc('QWater;QDevice')}`), [Q4]);
  });

  // 4.17: parentheses group a selection.
  test('type=(QWater;QDevice)|QAir combines AND and OR with parentheses', async () => {
    assert.deepEqual(await ids(`type=${enc('(QWater;QDevice)|QAir')}`), [Q1, Q2, Q3, Q4]);
  });

  // 4.17: an entity with several types is selected by any one of them.
  test('an entity with two types is selected by its second type alone', async () => {
    assert.deepEqual(await ids('type=QDevice'), [Q4, Q5]);
  });

  // 5.7.2: a type no entity has gives an empty list, not an error.
  test('a type that no entity has gives an empty array with 200', async () => {
    assert.deepEqual(await ids('type=NoSuchType'), []);
  });

  // 4.17 / 6.3.5: a full IRI selects the same type as its term under the core context.
  test('a type given as its full IRI selects the same entities as the term', async () => {
    assert.deepEqual(await ids(`type=${enc('https://uri.etsi.org/ngsi-ld/default-context/QAir')}`), [Q1, Q2, Q3]);
  });

  // 4.17: a malformed type selection is BadRequestData.
  test('an unbalanced type selection answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=${enc('(QWater;QDevice')}`), 'BadRequestData');
  });
});

describe('id, idPattern, attrs and projection (5.7.2, 4.21)', () => {
  // 5.7.2: id is a list of entity ids to match.
  test('id=Q1,Q3 selects exactly those entities', async () => {
    assert.deepEqual(await ids(`type=QAir&id=${enc(Q1)},${enc(Q3)}`), [Q1, Q3]);
  });

  // 5.7.2: id alone (without type) is a valid query.
  test('id without type selects the entity', async () => {
    assert.deepEqual(await ids(`id=${enc(Q4)}`), [Q4]);
  });

  // 5.7.2: idPattern is a regular expression the entity id shall match.
  test('idPattern selects the entities whose id matches the regular expression', async () => {
    assert.deepEqual(await ids(`type=${ALL_TYPES}&idPattern=${enc('^urn:ngsi-ld:Test:query-[12]$')}`), [Q1, Q2]);
  });

  // 5.7.2: id and type are both applied: an id of another type matches nothing.
  test('an id whose entity has another type matches nothing', async () => {
    assert.deepEqual(await ids(`type=QWater&id=${enc(Q1)}`), []);
  });

  // 5.7.2: idPattern shall be a valid regular expression; an invalid one is BadRequestData.
  test('an idPattern that is not a valid regular expression answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&idPattern=${enc('urn:(unclosed')}`), 'BadRequestData');
  });

  // 5.7.2: an id that is not a URI is BadRequestData.
  test('an id that is not a URI answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&id=${enc('not a uri')}`), 'BadRequestData');
  });

  // 5.7.2: attrs keeps only entities with at least one of the attributes and returns only those attributes.
  test('attrs selects entities that have the attribute and returns only it', async () => {
    const found = await hub.query(`type=${ALL_TYPES}&attrs=level`);
    assert.deepEqual(idsOf(found), [Q4, Q5]);
    for (const entity of found) assert.deepEqual(Object.keys(entity).sort(), ['id', 'level', 'type']);
  });

  // 5.7.2: attrs naming only attributes no entity has matches nothing (an empty list, not an error).
  test('attrs naming an attribute no entity has gives an empty array', async () => {
    assert.deepEqual(await ids('type=QAir&attrs=noSuchAttribute'), []);
  });

  // 4.21 (V1.8): pick keeps only the named members of every entity.
  test('pick=id,name returns only id and name of each entity', async () => {
    const found = await hub.query('type=QAir&pick=id,name');
    assert.equal(found.length, 3);
    for (const entity of found) assert.deepEqual(Object.keys(entity).sort(), ['id', 'name']);
  });

  // 4.21 (V1.8): omit removes the named members of every entity.
  test('omit=location,pollutant removes those members from each entity', async () => {
    const found = await hub.query(`type=QAir&omit=location,pollutant&id=${enc(Q1)}`);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.location, undefined);
    assert.equal(found[0]!.pollutant, undefined);
    assert.ok(found[0]!.temperature);
  });
});

describe('the query language q (4.9)', () => {
  // Each case: [clause note, q expression, expected ids]. All restricted to type=QAir.
  const cases: [string, string, string[]][] = [
    // 4.9: "==" on a number.
    ['equality on a number', 'temperature==20', [Q2]],
    // 4.9: "!=" keeps the entities whose value differs.
    ['inequality', 'temperature!=20', [Q1, Q3]],
    // 4.9: ">" greater than.
    ['greater than', 'temperature>15', [Q2, Q3]],
    // 4.9: ">=" greater or equal.
    ['greater or equal', 'temperature>=20', [Q2, Q3]],
    // 4.9: "<" less than.
    ['less than', 'temperature<20', [Q1]],
    // 4.9: "<=" less or equal.
    ['less or equal', 'temperature<=20', [Q1, Q2]],
    // 4.9: a range "min..max" with "==" matches values inside it.
    ['a range', 'temperature==10..20', [Q1, Q2]],
    // 4.9: a value list "a,b" with "==" matches any of the values.
    ['a value list', 'temperature==10,30', [Q1, Q3]],
    // 4.9: strings are quoted.
    ['equality on a quoted string', 'name=="beta"', [Q2]],
    // 4.9: "~=" matches a regular expression.
    ['pattern match', 'name~=^(al|be)', [Q1, Q2]],
    // 4.9: "!~=" is the negated pattern match.
    ['negated pattern match', 'name!~=^al', [Q2, Q3]],
    // 4.9: a bare attribute name is an existence test.
    ['attribute existence', 'status', [Q1, Q2]],
    // 4.9: "!" before an attribute name tests that it does not exist.
    ['attribute non-existence', '!status', [Q3]],
    // 4.9: booleans compare as true / false.
    ['equality on a boolean', 'active==true', [Q1, Q3]],
    // 4.9: ";" is AND.
    ['AND with ";"', 'temperature>15;status=="alarm"', [Q2]],
    // 4.9: "|" is OR.
    ['OR with "|"', 'temperature<15|temperature>25', [Q1, Q3]],
    // 4.9: parentheses group terms.
    ['parentheses', '(temperature<15|temperature>25);active==true;name=="alpha"', [Q1]],
    // 4.9: a Relationship is compared by its object URI.
    ['a Relationship object', 'refStation=="urn:ngsi-ld:Station:A"', [Q1, Q3]],
    // 4.9: "attr[key]" reaches into a compound (JSON object) value.
    ['a member of a compound value', 'pollutant[no2]>50', [Q2]],
    // 4.9: "attr[a.b]" reaches deeper into a compound value.
    ['a nested member of a compound value', 'pollutant[pm.fine]<20', [Q1]],
    // 4.9: "attr.sub" addresses a sub-attribute (property of a property).
    ['a sub-attribute', 'temperature.accuracy<1', [Q1]],
    // 4.9: "attr.observedAt" compares the observation time with a DateTime.
    ['observedAt with a DateTime', 'temperature.observedAt>=2026-02-01T00:00:00Z', [Q2]],
    // 4.9: a quoted value is a string: it never equals a number.
    ['a quoted number against a number value', 'temperature=="10"', []],
    // 4.9: strings are ordered lexicographically.
    ['ordering on strings', 'name>"b"', [Q2, Q3]],
    // 4.9: "!=" on a boolean.
    ['inequality on a boolean', 'active!=true', [Q2]],
  ];
  for (const [what, q, expected] of cases) {
    test(`q=${q} (${what}) selects ${expected.map((e) => e.slice(-7)).join(', ') || 'nothing'}`, async () => {
      assert.deepEqual(await ids(`type=QAir&q=${enc(q)}`), expected);
    });
  }

  // 4.9: inside a quoted string, ";" and "|" are characters of the value, not logical operators.
  test('a quoted string value may contain ";" and "|"', async () => {
    assert.deepEqual(await ids(`type=QText&q=${enc('name=="a;b|c"')}`), [Q6]);
  });

  // 4.9 / 4.6.3: a DateTime value ({"@type": "DateTime", "@value": …}) compares with a DateTime in q.
  test('q compares a DateTime Property value with a DateTime', async () => {
    assert.deepEqual(await ids(`type=QDated&q=${enc('validUntil>2026-05-01T00:00:00Z')}`), [id(7)]);
    assert.deepEqual(await ids(`type=QDated&q=${enc('validUntil<2026-05-01T00:00:00Z')}`), []);
  });

  // 5.7.2: q filters on any attribute, while attrs only chooses what is returned.
  test('q may test an attribute that attrs leaves out of the response', async () => {
    const found = await hub.query(`type=QAir&attrs=name&q=${enc('temperature>15')}`);
    assert.deepEqual(idsOf(found), [Q2, Q3]);
    for (const entity of found) assert.deepEqual(Object.keys(entity).sort(), ['id', 'name', 'type']);
  });

  // 4.9: q may be used without type (a query needs at least one of type, attrs, q, geoQ, id).
  test('q without type selects across all types', async () => {
    assert.deepEqual(await ids(`q=${enc('level>6')}`), [Q5]);
  });

  // 4.9 / 5.7.2: a q that is not in the grammar is BadRequestData (or InvalidRequest, both 400).
  for (const q of ['temperature==', '(temperature==1', 'temperature=>3', 'temperature==1;;name=="a"']) {
    test(`a malformed q=${q} answers 400`, async () => {
      const response = await hub.get(`${API}/entities?type=QAir&q=${enc(q)}`);
      assert.equal(response.statusCode, 400, response.body);
      const type = response.json<Json>().type;
      assert.ok(
        type === 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData' || type === 'https://uri.etsi.org/ngsi-ld/errors/InvalidRequest',
        String(type),
      );
    });
  }
});

describe('scopeQ (4.19)', () => {
  const cases: [string, string, string[]][] = [
    // 4.19: a scope path matches that exact scope.
    ['an exact scope', '/Hangzhou/Xihu', [Q1]],
    // 4.19: "#" matches the scope and all its descendants.
    ['a scope and its descendants with #', '/Hangzhou/Xihu/#', [Q1, Q2]],
    // 4.19: "/Hangzhou/#" matches every scope below Hangzhou.
    ['everything below a root with #', '/Hangzhou/#', [Q1, Q2]],
    // 4.19: "+" matches exactly one level.
    ['one level with +', '/Hangzhou/+', [Q1]],
    // 4.19: "," is OR between scope queries.
    ['OR with ","', '/Shanghai,/Suzhou', [Q3, Q4]],
  ];
  for (const [what, scopeQ, expected] of cases) {
    test(`scopeQ=${scopeQ} (${what}) selects ${expected.map((e) => e.slice(-7)).join(', ')}`, async () => {
      assert.deepEqual(await ids(`type=${ALL_TYPES}&scopeQ=${enc(scopeQ)}`), expected);
    });
  }

  // 4.19 / 5.7.2: scopeQ and q are combined with AND.
  test('scopeQ and q together select entities that satisfy both', async () => {
    assert.deepEqual(await ids(`type=QAir&scopeQ=${enc('/Hangzhou/#')}&q=${enc('temperature>15')}`), [Q2]);
  });

  // 4.18 / 4.19 ABNF: a scope level is one or more letters, digits or "_"; an empty level makes the scopeQ invalid.
  test('a scopeQ with an empty level answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&scopeQ=${enc('/Hangzhou//Xihu')}`), 'BadRequestData');
  });
});

describe('geoQ (4.10)', () => {
  const geo = (georel: string, geometry: string, coordinates: unknown, extra = '') =>
    ids(`type=${ALL_TYPES}&georel=${enc(georel)}&geometry=${geometry}&coordinates=${enc(JSON.stringify(coordinates))}${extra}`);

  // 4.10: near;maxDistance==d selects entities whose location is within d metres of the point.
  test('georel=near;maxDistance selects entities within the distance of a Point', async () => {
    assert.deepEqual(await geo('near;maxDistance==20000', 'Point', [120.15, 30.25]), [Q1, Q2]);
  });

  // 4.10: near;minDistance==d selects entities at least d metres away.
  test('georel=near;minDistance selects entities at least the distance away', async () => {
    assert.deepEqual(await geo('near;minDistance==100000', 'Point', [120.15, 30.25]), [Q3]);
  });

  // 4.10: within selects entities whose location lies inside the Polygon.
  test('georel=within selects entities inside a Polygon', async () => {
    const box = [
      [
        [120.0, 30.1],
        [120.3, 30.1],
        [120.3, 30.4],
        [120.0, 30.4],
        [120.0, 30.1],
      ],
    ];
    assert.deepEqual(await geo('within', 'Polygon', box), [Q1, Q2]);
  });

  // 4.10: within a MultiPolygon: inside any of its polygons.
  test('georel=within selects entities inside either polygon of a MultiPolygon', async () => {
    const around = (lon: number, lat: number) => [
      [
        [lon - 0.01, lat - 0.01],
        [lon + 0.01, lat - 0.01],
        [lon + 0.01, lat + 0.01],
        [lon - 0.01, lat + 0.01],
        [lon - 0.01, lat - 0.01],
      ],
    ];
    assert.deepEqual(await geo('within', 'MultiPolygon', [around(120.1, 30.2), around(121.47, 31.23)]), [Q1, Q3]);
  });

  // 4.10: intersects selects entities whose geometry shares a point with the Polygon.
  test('georel=intersects selects the entity whose polygon a query Polygon crosses', async () => {
    const corner = [
      [
        [120.04, 30.04],
        [120.1, 30.04],
        [120.1, 30.1],
        [120.04, 30.1],
        [120.04, 30.04],
      ],
    ];
    assert.deepEqual(await geo('intersects', 'Polygon', corner), [Q4]);
  });

  // 4.10: intersects with a LineString.
  test('georel=intersects with a LineString selects the polygon the line crosses', async () => {
    assert.deepEqual(
      await geo('intersects', 'LineString', [
        [119.9, 30.025],
        [120.3, 30.025],
      ]),
      [Q4],
    );
  });

  // 4.10: intersects with a MultiPoint: any of its points touching the entity geometry.
  test('georel=intersects with a MultiPoint selects the entities one of its points touches', async () => {
    assert.deepEqual(
      await geo('intersects', 'MultiPoint', [
        [121.47, 31.23],
        [120.02, 30.02],
        [100, 10],
      ]),
      [Q3, Q4],
    );
  });

  // 4.10: intersects with a MultiLineString: any of its lines crossing the entity geometry.
  test('georel=intersects with a MultiLineString selects the polygon one of its lines crosses', async () => {
    assert.deepEqual(
      await geo('intersects', 'MultiLineString', [
        [
          [119.9, 30.025],
          [120.3, 30.025],
        ],
        [
          [100, 10],
          [101, 11],
        ],
      ]),
      [Q4],
    );
  });

  // 4.10: contains selects entities whose geometry contains the query geometry.
  test('georel=contains selects the entity whose polygon contains the Point', async () => {
    assert.deepEqual(await geo('contains', 'Point', [120.02, 30.02]), [Q4]);
  });

  // 4.10: disjoint selects entities whose geometry shares no point with the query geometry.
  test('georel=disjoint selects entities outside the Polygon', async () => {
    const hangzhou = [
      [
        [119.9, 29.9],
        [120.5, 29.9],
        [120.5, 30.5],
        [119.9, 30.5],
        [119.9, 29.9],
      ],
    ];
    assert.deepEqual(await geo('disjoint', 'Polygon', hangzhou), [Q3]);
  });

  // 4.10: equals selects entities whose geometry is the same as the query geometry.
  test('georel=equals selects the entity at exactly that Point', async () => {
    assert.deepEqual(await geo('equals', 'Point', [121.47, 31.23]), [Q3]);
  });

  // 4.10: overlaps selects entities whose geometry overlaps (same dimension, neither contains the other).
  test('georel=overlaps selects the polygon a query Polygon partly covers', async () => {
    const partly = [
      [
        [120.03, 30.03],
        [120.1, 30.03],
        [120.1, 30.1],
        [120.03, 30.1],
        [120.03, 30.03],
      ],
    ];
    assert.deepEqual(await geo('overlaps', 'Polygon', partly), [Q4]);
  });

  // 4.10 / 5.7.2: geoproperty names the GeoProperty to test instead of location.
  test('geoproperty selects by another GeoProperty than location', async () => {
    assert.deepEqual(await geo('near;maxDistance==1000', 'Point', [120.15, 30.25], '&geoproperty=servicePoint'), [Q5]);
  });

  // 4.10: georel, geometry and coordinates go together; a georel without geometry is BadRequestData.
  test('georel without geometry and coordinates answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&georel=within`), 'BadRequestData');
  });

  // 4.10: an unknown georel is BadRequestData.
  test('an unknown georel answers 400 BadRequestData', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&georel=beside&geometry=Point&coordinates=${enc('[120,30]')}`);
    assertProblem(response, 'BadRequestData');
  });

  // 4.10: near needs a maxDistance or minDistance.
  test('georel=near without a distance answers 400 BadRequestData', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&georel=near&geometry=Point&coordinates=${enc('[120,30]')}`);
    assertProblem(response, 'BadRequestData');
  });

  // 4.10: coordinates that do not fit the geometry are BadRequestData.
  test('coordinates that are not a valid Point answer 400 BadRequestData', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&georel=${enc('near;maxDistance==10')}&geometry=Point&coordinates=${enc('[120]')}`);
    assertProblem(response, 'BadRequestData');
  });
});

describe('pagination and counting (5.5.9, 6.3.10, 6.3.13)', () => {
  // 6.3.18 (OpenAPI Query.local): local=true limits the query to local data; a broker without registrations answers the same.
  test('local=true gives the same entities as the query without it', async () => {
    assert.deepEqual(await ids('type=QAir&local=true'), [Q1, Q2, Q3]);
  });

  // 6.3.10: limit caps the page and offset skips; pages do not overlap.
  test('limit and offset page through the results without overlap', async () => {
    const first = idsOf(await hub.query('type=QAir&limit=2'));
    const second = idsOf(await hub.query('type=QAir&limit=2&offset=2'));
    assert.equal(first.length, 2);
    assert.equal(second.length, 1);
    assert.deepEqual([...first, ...second].sort(), [Q1, Q2, Q3]);
  });

  // Pages are in id order, and that order is the ids' bytes (COLLATE "C"), not the database's locale: the same on
  // every PostgreSQL and on PGlite, so offsets and cursors mean the same everywhere. (A locale order would put
  // a before B and Z.) The entities have a type of their own, outside the read-only data set.
  test('pages are in byte order of the ids, whatever the database locale', async () => {
    const ordered = ['urn:ngsi-ld:QOrder:B', 'urn:ngsi-ld:QOrder:Z', 'urn:ngsi-ld:QOrder:a', 'urn:ngsi-ld:QOrder:b-2', 'urn:ngsi-ld:QOrder:b1', 'urn:ngsi-ld:QOrder:é', 'urn:ngsi-ld:QOrder:杭州'];
    for (const entityId of [...ordered].reverse()) await hub.create({ id: entityId, type: 'QOrder', name: { type: 'Property', value: entityId } });
    assert.deepEqual(await ids('type=QOrder'), ordered);
    const pages = [...idsOf(await hub.query('type=QOrder&limit=3')), ...idsOf(await hub.query('type=QOrder&limit=3&offset=3')), ...idsOf(await hub.query('type=QOrder&limit=3&offset=6'))];
    assert.deepEqual(pages, ordered);
    // idPattern keeps the database's character classes: \w still matches a Chinese id.
    assert.deepEqual(await ids(`type=QOrder&idPattern=${enc('^urn:ngsi-ld:QOrder:\\w\\w$')}`), ['urn:ngsi-ld:QOrder:b1', 'urn:ngsi-ld:QOrder:杭州']);
  });

  // 6.3.13: count=true sets NGSILD-Results-Count to the total, whatever the limit.
  test('count=true gives the total number of matches in NGSILD-Results-Count', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&count=true&limit=1`, { accept: 'application/json' });
    assert.equal((expectStatus(response, 200) as Json[]).length, 1);
    assert.equal(response.headers['ngsild-results-count'], '3');
  });

  // 6.3.13: the count is the number of entities matching all the filters, not of all entities.
  test('NGSILD-Results-Count counts only the entities that match q', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&count=true&q=${enc('temperature>15')}`, { accept: 'application/json' });
    assert.equal((expectStatus(response, 200) as Json[]).length, 2);
    assert.equal(response.headers['ngsild-results-count'], '2');
  });

  // 6.3.13: without count=true the header is not sent.
  test('without count=true there is no NGSILD-Results-Count header', async () => {
    const response = await hub.get(`${API}/entities?type=QAir`, { accept: 'application/json' });
    expectStatus(response, 200);
    assert.equal(response.headers['ngsild-results-count'], undefined);
  });

  // 6.3.10 / 6.3.13: limit=0 with count=true returns no entities and only the count.
  test('limit=0 with count=true returns an empty array and the count', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&count=true&limit=0`, { accept: 'application/json' });
    assert.deepEqual(expectStatus(response, 200), []);
    assert.equal(response.headers['ngsild-results-count'], '3');
  });

  // 6.3.10 (OpenAPI Query.limit): "The value 0 is only allowed in combination with the count URI parameter".
  test('limit=0 without count=true answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&limit=0`), 'BadRequestData');
  });

  // 6.3.10: limit is a non-negative integer.
  test('a negative limit answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&limit=-1`), 'BadRequestData');
  });

  // 6.3.10: offset is a non-negative integer.
  test('a non-numeric offset answers 400 BadRequestData', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&offset=many`), 'BadRequestData');
  });

  // 5.5.9 / 6.3.10: a limit above the broker's maximum is TooManyResults (403).
  test('a limit above the maximum the broker allows answers 403 TooManyResults', async () => {
    assertProblem(await hub.get(`${API}/entities?type=QAir&limit=100000000`), 'TooManyResults');
  });

  // 6.3.10: an offset past the end gives an empty page.
  test('an offset past the last result gives an empty array', async () => {
    assert.deepEqual(await ids('type=QAir&offset=10'), []);
  });
});

describe('representation of query results (6.3.7, 6.3.6)', () => {
  // 6.3.7: options=keyValues gives every entity in the simplified form.
  test('options=keyValues gives simplified entities', async () => {
    const [entity] = await hub.query(`type=QAir&id=${enc(Q1)}&options=keyValues`);
    assert.equal(entity!.temperature, 10);
    assert.equal(entity!.refStation, 'urn:ngsi-ld:Station:A');
    assert.deepEqual(entity!.location, { type: 'Point', coordinates: [120.1, 30.2] });
  });

  // 6.3.7 (V1.8): format=simplified is the V1.8 spelling of options=keyValues.
  test('format=simplified gives simplified entities', async () => {
    const [entity] = await hub.query(`type=QAir&id=${enc(Q2)}&format=simplified`);
    assert.equal(entity!.temperature, 20);
  });

  // 6.3.7: options=sysAttrs adds createdAt and modifiedAt to each entity.
  test('options=sysAttrs adds createdAt and modifiedAt to query results', async () => {
    const [entity] = await hub.query(`type=QAir&id=${enc(Q1)}&options=sysAttrs`);
    assert.ok(entity!.createdAt);
    assert.ok(entity!.modifiedAt);
  });

  // 4.15: lang applies to query results as well: a LanguageProperty becomes a Property in that language.
  test('lang=zh turns LanguageProperties of query results into Properties in Chinese', async () => {
    const [entity] = await hub.query(`type=QText&lang=zh`);
    assert.deepEqual(entity!.label, { type: 'Property', value: '断桥', lang: 'zh' });
  });

  // 4.5.17 (simplified GeoJSON): with keyValues the Feature properties are simplified values.
  test('Accept application/geo+json with keyValues gives simplified Feature properties', async () => {
    const response = await hub.get(`${API}/entities?id=${enc(Q1)}&options=keyValues`, { accept: 'application/geo+json' });
    const body = expectStatus(response, 200) as Json;
    const [feature] = body.features as Json[];
    assert.equal((feature!.properties as Json).temperature, 10);
    assert.deepEqual(feature!.geometry, { type: 'Point', coordinates: [120.1, 30.2] });
  });

  // 4.5.16 / IETF RFC 7946 3.2: a Feature of an entity without the GeoProperty has "geometry": null.
  test('an entity without location is a Feature whose geometry is null', async () => {
    const response = await hub.get(`${API}/entities?id=${enc(Q6)}`, { accept: 'application/geo+json' });
    const body = expectStatus(response, 200) as Json;
    const [feature] = body.features as Json[];
    assert.equal(feature!.id, Q6);
    assert.ok('geometry' in feature!, 'a Feature always has a geometry member');
    assert.equal(feature!.geometry, null);
  });

  // 6.3.4 / 6.3.6 / 5.2.30: Accept application/geo+json gives a FeatureCollection of Features with the location geometry.
  test('Accept application/geo+json gives a GeoJSON FeatureCollection', async () => {
    const response = await hub.get(`${API}/entities?type=QAir&id=${enc(Q1)},${enc(Q2)}`, { accept: 'application/geo+json' });
    const body = expectStatus(response, 200) as Json;
    assert.match(String(response.headers['content-type']), /^application\/geo\+json/);
    assert.equal(body.type, 'FeatureCollection');
    const features = body.features as Json[];
    assert.deepEqual(idsOf(features), [Q1, Q2]);
    const q1 = features.find((f) => f.id === Q1)!;
    assert.equal(q1.type, 'Feature');
    assert.deepEqual(q1.geometry, { type: 'Point', coordinates: [120.1, 30.2] });
    const properties = q1.properties as Json;
    assert.equal(properties.type, 'QAir');
    assert.ok(properties.temperature);
  });

  // 6.3.7 / 5.2.29: geometryProperty picks the GeoProperty used as the Feature geometry.
  test('geometryProperty picks which GeoProperty becomes the Feature geometry', async () => {
    const response = await hub.get(`${API}/entities?id=${enc(Q5)}&geometryProperty=servicePoint`, { accept: 'application/geo+json' });
    const body = expectStatus(response, 200) as Json;
    const [feature] = body.features as Json[];
    assert.deepEqual(feature!.geometry, { type: 'Point', coordinates: [120.15, 30.25] });
  });

  // 6.3.4: an Accept the API cannot produce is 406 Not Acceptable.
  test('an Accept of text/csv answers 406', async () => {
    const response = await hub.get(`${API}/entities?type=QAir`, { accept: 'text/csv' });
    assert.equal(response.statusCode, 406, response.body);
  });
});
