/** Unit tests of the environment and hospital rhythms: wind flushes, rain washout, noise following traffic, winter flu. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localDayNumber } from '../calendar.ts';
import { backgroundPm25, noiseReading } from './environment.ts';
import { fluSeason, hospitalReading } from './hospital.ts';
import type { Weather } from './weather.ts';

const calm: Weather = { temperature: 5, relativeHumidity: 0.7, precipitation: 0, windSpeed: 1.5, windDirection: 340, rainLast24h: 0 };
const january = Date.parse('2026-01-14T02:00:00Z');
const july = Date.parse('2026-07-14T02:00:00Z');

describe('air, noise and hospital rhythms', () => {
  it('lowers PM2.5 when the wind is strong and when it rains', () => {
    const day = localDayNumber(january);
    const still = backgroundPm25(1, january, day, 10, calm, 1);
    assert.ok(backgroundPm25(1, january, day, 10, { ...calm, windSpeed: 9 }, 1) < 0.5 * still);
    assert.ok(backgroundPm25(1, january, day, 10, { ...calm, precipitation: 6 }, 1) < 0.75 * still);
  });

  it('raises PM2.5 in the heating season and during a pollution episode', () => {
    const winter = backgroundPm25(1, january, localDayNumber(january), 10, calm, 1);
    const summer = backgroundPm25(1, july, localDayNumber(july), 10, calm, 1);
    assert.ok(winter > 1.5 * summer);
    assert.ok(backgroundPm25(1, january, localDayNumber(january), 10, calm, 2.2) > 2 * winter);
  });

  it('makes a road louder when traffic is heavier, and construction louder still', () => {
    const night = noiseReading(1, 0, 0, 100, 0.1, 0).LAeq;
    const peak = noiseReading(1, 0, 0, 100, 2.5, 0).LAeq;
    assert.ok(peak > night + 8);
    assert.ok(noiseReading(1, 0, 0, 100, 1, 1).LAeq > noiseReading(1, 0, 0, 100, 1, 0).LAeq + 2);
  });

  it('fills hospitals more in the flu season and when incident casualties arrive', () => {
    const hospital = { index: 0, id: 'urn:ngsi-ld:Hospital:hz-hospital-1', name: '浙江省人民医院', district: 'gongshu' as const, location: [120.16, 30.3] as [number, number], totalBeds: 2000, emergencyCapacity: 50 };
    assert.ok(fluSeason(localDayNumber(january)) > 0.8 && fluSeason(localDayNumber(july)) < 0.4);
    const winter = hospitalReading(1, hospital, localDayNumber(january), 10, january, 0);
    const summer = hospitalReading(1, hospital, localDayNumber(july), 10, july, 0);
    assert.ok(winter.bedOccupancy > summer.bedOccupancy);
    assert.ok(winter.emergencyWaiting > summer.emergencyWaiting);
    const afterCrash = hospitalReading(1, hospital, localDayNumber(july), 10, july, 12);
    assert.ok(afterCrash.emergencyWaiting >= summer.emergencyWaiting + 12);
    assert.ok(afterCrash.emergencyLoad > summer.emergencyLoad);
  });
});
