/** Issue item 4 on the portal API: each bad input is refused (or neutralised) with a clear message, and nothing is half-saved. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../support/platform.ts';
import { JPEG, pothole, type RequestsWorld, rowCounts, startRequestsWorld } from './support.ts';

describe('bad input to /api/v1/requests', () => {
  let w: RequestsWorld;
  let before0: Record<string, number>;
  before(async () => {
    w = await startRequestsWorld();
    await w.call(undefined, 'GET', '/api/v1/requests/services');
  });
  after(() => w.close());

  /** Sends a request that must be refused, and checks no service-request row appeared. */
  async function refused(payload: unknown, status: number, detail: RegExp, field?: string): Promise<void> {
    before0 = await rowCounts(w.t);
    const response = await w.call(w.citizen, 'POST', '/api/v1/requests', payload);
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.match(response.body.detail, detail);
    if (field) assert.equal(response.body.field, field);
    assert.deepEqual(await rowCounts(w.t), before0, 'nothing saved');
  }

  test('a report without a location is refused, saying how to give one', async () => {
    const { lat: _lat, long: _long, ...noPin } = pothole();
    await refused(noPin, 400, /Say where the problem is: a pin on the map \(lat and long\), or an address/, 'location');
    await refused(pothole({ long: undefined }), 400, /Send both lat and long/, 'long');
  });

  test('an unknown service code is refused, listing the services', async () => {
    await refused(pothole({ serviceCode: 'ufo-sighting' }), 400, /no service "ufo-sighting".*pothole, streetlight/, 'serviceCode');
  });

  test('an attribute of the wrong type is refused, naming the attribute and the expected type', async () => {
    await refused(pothole({ attributes: { depth_cm: 'very deep', lane: 'motorway' } }), 400, /attributes\.depth_cm .* must be a number/, 'attributes.depth_cm');
    await refused(pothole({ attributes: { depth_cm: 5, lane: 'river' } }), 400, /must be one of motorway, bike, sidewalk/, 'attributes.lane');
    await refused(pothole({ attributes: { depth_cm: 5, lane: 'bike', first_seen: 'yesterday' } }), 400, /ISO 8601/, 'attributes.first_seen');
    await refused(pothole({ attributes: { lane: 'bike' } }), 400, /attributes\.depth_cm is required/, 'attributes.depth_cm');
    await refused(pothole({ attributes: { depth_cm: 5, lane: 'bike', colour: 'red' } }), 400, /no attribute "colour"/, 'attributes.colour');
  });

  test('an XSS payload in the description is refused with a message to remove the markup; a lone "<" is fine', async () => {
    await refused(pothole({ description: '路面有坑<script>alert(document.cookie)</script>' }), 400, /plain text: remove the HTML markup/, 'description');
    await refused(pothole({ description: '看图 <img src=x onerror=alert(1)>' }), 400, /remove the HTML markup/, 'description');
    await refused(pothole({ attributes: { depth_cm: 5, lane: 'bike', landmark: '<b>x</b>' } }), 400, /plain text/, 'attributes.landmark');
    const fine = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.26, description: '谢谢你们 <3 坑深 < 5 厘米' }));
    assert.equal(fine.status, 201);
    assert.equal(fine.body.request.description, '谢谢你们 <3 坑深 < 5 厘米');
  });

  test('a description over 4,000 characters is refused with its length', async () => {
    await refused(pothole({ description: '坑'.repeat(4001) }), 400, /4001 characters long; shorten it to at most 4000/, 'description');
  });

  test('a 50 MB photo is refused with 413 naming the 10 MB limit, and nothing is stored', async () => {
    before0 = await rowCounts(w.t);
    const response = await w.t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/requests/media',
      headers: { ...bearer(w.citizen), 'content-type': 'image/jpeg' },
      payload: Buffer.concat([JPEG, Buffer.alloc(50 * 1024 * 1024)]),
    });
    assert.equal(response.statusCode, 413);
    assert.match(response.json().detail, /at most 10 MB/);
    assert.deepEqual(await rowCounts(w.t), before0);
  });

  test('a photo streamed without a length is cut off at 10 MB with the same 413', async () => {
    const { Readable } = await import('node:stream');
    const chunks = Array.from({ length: 12 }, (_, i) => (i === 0 ? Buffer.concat([JPEG, Buffer.alloc(1024 * 1024 - JPEG.length)]) : Buffer.alloc(1024 * 1024)));
    const response = await w.t.platform.server.inject({
      method: 'POST',
      url: '/api/v1/requests/media',
      headers: { ...bearer(w.citizen), 'content-type': 'image/jpeg', 'transfer-encoding': 'chunked' },
      payload: Readable.from(chunks),
    });
    assert.equal(response.statusCode, 413);
    assert.match(response.json().detail, /at most 10 MB/);
  });

  test('a file named .jpg that is not an image is refused with 415 "not an image"', async () => {
    before0 = await rowCounts(w.t);
    for (const type of ['image/jpeg', 'application/octet-stream']) {
      const response = await w.t.platform.server.inject({
        method: 'POST',
        url: '/api/v1/requests/media?name=pothole.jpg',
        headers: { ...bearer(w.citizen), 'content-type': type, 'content-disposition': 'attachment; filename="pothole.jpg"' },
        payload: Buffer.from('MZ\x90\x00 this is really an .exe renamed to pothole.jpg'),
      });
      assert.equal(response.statusCode, 415, type);
      assert.match(response.json().detail, /not an image/);
    }
    assert.deepEqual(await rowCounts(w.t), before0);
  });

  test("a photo that is not the reporter's own upload fails the whole report", async () => {
    const upload = await w.t.platform.server.inject({ method: 'POST', url: '/api/v1/requests/media', headers: { ...bearer(w.neighbour), 'content-type': 'image/jpeg' }, payload: JPEG });
    assert.equal(upload.statusCode, 201);
    await refused(pothole({ mediaIds: [upload.json().id] }), 400, /not one you uploaded/, 'mediaIds');
  });
});
