/** Duplicate detection: Chinese text similarity, distance, and the threshold on realistic report pairs. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { boundingBox, DUPLICATE_THRESHOLD, haversineMeters, likeness, normalizeText, rankCandidates, textSimilarity } from './duplicates.ts';

describe('duplicate detection', () => {
  test('normalising drops whitespace and punctuation and folds full-width forms', () => {
    assert.equal(normalizeText('路面 有坑！ＡＢＣ１２３，。'), '路面有坑abc123');
    assert.equal(textSimilarity('路面有坑', '路面　有坑！！'), 1);
  });

  test('two reports of the same pothole in different words are alike; reports of different problems are not', () => {
    const same = textSimilarity('文三路与学院路交叉口有一个大坑，电动车容易摔倒', '学院路文三路路口有个大坑，昨晚有电动车摔倒了');
    const other = textSimilarity('文三路与学院路交叉口有一个大坑，电动车容易摔倒', '小区门口的路灯坏了一个星期，晚上很黑');
    assert.ok(same > 0.35, `same pothole: ${same}`);
    assert.ok(other < 0.1, `different problem: ${other}`);
  });

  test('near-identical complaints about night noise score higher than loosely related ones', () => {
    const a = '楼下工地晚上十一点还在施工，噪音很大，无法入睡';
    assert.ok(textSimilarity(a, '工地晚上十一点后还在施工，噪音太大睡不着') > textSimilarity(a, '广场舞音响声音太大'));
  });

  test('haversine distance matches a known one and the bounding box holds the circle', () => {
    // One minute of latitude is about 1,853 m.
    assert.ok(Math.abs(haversineMeters(30, 120, 30 + 1 / 60, 120) - 1853) < 3);
    const box = boundingBox(30.25, 120.1, 200);
    assert.ok(haversineMeters(30.25, 120.1, box.maxLat, 120.1) >= 199.9);
    assert.ok(haversineMeters(30.25, 120.1, 30.25, box.maxLong) >= 199.9);
  });

  test('a nearby report in other words is offered; a far one about something else is not', () => {
    const probe = { lat: 30.25, long: 120.1, description: '学院路口路面塌了一个坑' };
    const near = { id: 'near', lat: 30.2502, long: 120.1002, description: '文三路学院路路口有一个大坑' };
    const farOther = { id: 'far', lat: 30.2516, long: 120.1, description: '路边绿化带的树倒了' };
    const outside = { id: 'outside', lat: 30.253, long: 120.1, description: '学院路口路面塌了一个坑' };
    const ranked = rankCandidates(probe, [farOther, near, outside]);
    assert.deepEqual(
      ranked.map((c) => c.row.id),
      ['near'],
    );
    assert.ok(likeness(0, 180) < DUPLICATE_THRESHOLD);
  });
});
