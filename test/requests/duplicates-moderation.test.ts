/** Duplicates offered and followed; personal data masked in the public view; photos public only once approved. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bearer } from '../support/platform.ts';
import { JPEG, PNG, pothole, type RequestsWorld, startRequestsWorld } from './support.ts';

describe('duplicates and moderation', () => {
  let w: RequestsWorld;
  before(async () => {
    w = await startRequestsWorld();
  });
  after(() => w.close());

  test('a nearby report of the same pothole is offered, and the citizen follows it instead of filing again', async () => {
    const first = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ description: '文三路与学院路交叉口有一个大坑，电动车容易摔倒' }));
    // 30 m north, other words; a street light at the same spot; a pothole 1 km away.
    await w.call(w.citizen, 'POST', '/api/v1/requests', { serviceCode: 'streetlight', lat: 30.25, long: 120.1, description: '学院路口路灯不亮' });
    await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.259, description: '文三路与学院路交叉口有一个大坑' }));
    const probe = { serviceCode: 'pothole', lat: 30.25027, long: 120.1, description: '学院路文三路路口有个大坑，昨晚有电动车摔倒了' };
    const offered = await w.call(undefined, 'POST', '/api/v1/requests/duplicates', probe);
    assert.equal(offered.status, 200);
    assert.deepEqual(
      offered.body.candidates.map((c: { id: string }) => c.id),
      [first.body.request.id],
    );
    const candidate = offered.body.candidates[0];
    assert.ok(candidate.distanceMeters >= 29 && candidate.distanceMeters <= 31, String(candidate.distanceMeters));
    assert.ok(candidate.similarity > 0.3);

    const followed = await w.call(w.neighbour, 'POST', `/api/v1/requests/${first.body.request.id}/follow`);
    assert.equal(followed.status, 200);
    assert.equal(followed.body.request.followers, 1);
    await w.call(w.neighbour, 'POST', `/api/v1/requests/${first.body.request.id}/follow`);
    assert.equal((await w.call(undefined, 'GET', `/api/v1/requests/${first.body.request.id}`)).body.followers, 1, 'following twice counts once');
    const mine = await w.call(w.neighbour, 'GET', '/api/v1/requests/mine');
    assert.deepEqual(
      mine.body.requests.map((r: { id: string }) => r.id),
      [first.body.request.id],
    );
  });

  test('a closed report is no longer offered as a duplicate', async () => {
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.15, long: 120.0, description: '留下镇有坑' }));
    const probe = { serviceCode: 'pothole', lat: 30.15, long: 120.0, description: '留下镇有坑' };
    assert.equal((await w.call(undefined, 'POST', '/api/v1/requests/duplicates', probe)).body.candidates.length, 1);
    await w.call(w.transport, 'POST', `/api/v1/requests/${created.body.request.id}/status`, { status: 'closed', closeReason: 'no_further_action' });
    assert.equal((await w.call(undefined, 'POST', '/api/v1/requests/duplicates', probe)).body.candidates.length, 0);
  });

  test('the public sees phone numbers, ID-card numbers and e-mails masked; the reporter and the officer see them', async () => {
    const text = '井盖缺失，请联系我 13912345678 或 0571-87654321，邮箱 zhang.san@example.com，身份证 330106199001011234';
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.28, long: 120.05, description: text, phone: '13912345678', email: 'zhang.san@example.com' }));
    const id = created.body.request.id;
    const pub = await w.call(undefined, 'GET', `/api/v1/requests/${id}`);
    assert.equal(pub.body.description, '井盖缺失，请联系我 [电话已隐藏] 或 [电话已隐藏]，邮箱 [邮箱已隐藏]，身份证 [身份证号已隐藏]');
    assert.equal(pub.body.reporter, undefined);
    assert.doesNotMatch(JSON.stringify(pub.body), /13912345678|87654321|zhang\.san|330106199001011234/);
    const neighbour = await w.call(w.neighbour, 'GET', `/api/v1/requests/${id}`);
    assert.equal(neighbour.body.reporter, undefined);
    const reporter = await w.call(w.citizen, 'GET', `/api/v1/requests/${id}`);
    assert.equal(reporter.body.description, text);
    assert.deepEqual(reporter.body.reporter, { name: 'xiaoming', phone: '13912345678', email: 'zhang.san@example.com' });
    const staff = await w.call(w.transport, 'GET', `/api/v1/requests/${id}`);
    assert.equal(staff.body.reporter.phone, '13912345678');
    const note = await w.call(w.transport, 'POST', `/api/v1/requests/${id}/status`, { status: 'acknowledged', note: '已联系 13912345678' });
    assert.equal(note.body.statusNotes, '已联系 13912345678');
    assert.equal((await w.call(undefined, 'GET', `/api/v1/requests/${id}`)).body.statusNotes, '已联系 [电话已隐藏]');
  });

  test('photos stay pending and private until an officer approves them', async () => {
    const upload = async (bytes: Buffer, type: string) =>
      (await w.t.platform.server.inject({ method: 'POST', url: '/api/v1/requests/media', headers: { ...bearer(w.citizen), 'content-type': type }, payload: bytes })).json();
    const jpeg = await upload(JPEG, 'image/jpeg');
    const png = await upload(PNG, 'image/png');
    assert.equal(png.contentType, 'image/png');
    const created = await w.call(w.citizen, 'POST', '/api/v1/requests', pothole({ lat: 30.29, long: 120.04, description: '有坑，附照片', mediaIds: [jpeg.id, png.id] }));
    const id = created.body.request.id;
    assert.deepEqual(
      created.body.request.media.map((m: { review: string }) => m.review),
      ['pending', 'pending'],
    );
    assert.equal((await w.call(undefined, 'GET', `/api/v1/requests/${id}`)).body.media.length, 0);
    assert.equal((await w.call(undefined, 'GET', `/api/v1/requests/media/${jpeg.id}`)).status, 404);
    assert.equal((await w.call(w.citizen, 'GET', `/api/v1/requests/media/${jpeg.id}`)).status, 200, 'the uploader sees it');

    const foreign = await w.call(w.urban, 'POST', `/api/v1/requests/${id}/media/${jpeg.id}/review`, { approved: true });
    assert.equal(foreign.status, 403);
    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/media/${jpeg.id}/review`, { approved: true });
    await w.call(w.transport, 'POST', `/api/v1/requests/${id}/media/${png.id}/review`, { approved: false });
    const pub = await w.call(undefined, 'GET', `/api/v1/requests/${id}`);
    assert.deepEqual(
      pub.body.media.map((m: { id: string }) => m.id),
      [jpeg.id],
    );
    const bytes = await w.t.platform.server.inject({ method: 'GET', url: `/api/v1/requests/media/${jpeg.id}` });
    assert.equal(bytes.statusCode, 200);
    assert.equal(bytes.headers['content-type'], 'image/jpeg');
    assert.deepEqual(bytes.rawPayload, JPEG);
    assert.equal((await w.call(undefined, 'GET', `/api/v1/requests/media/${png.id}`)).status, 404);
  });
});
