/** HJ 633-2012 worked by hand: each case names the breakpoints used and the arithmetic (IAQI rounded up). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aqiLevel, dailyAqi, hourlyAqi, iaqi } from './aqi.ts';

test('hourly AQI matches hand-worked HJ 633 examples exactly', () => {
  const cases: { name: string; input: Parameters<typeof hourlyAqi>[0]; aqi: number; level: number; zh: string; primary: string[] }[] = [
    // PM2.5 35 is the breakpoint of IAQI 50: exactly 50; AQI ≤ 50 → no primary pollutant, 优.
    { name: 'PM2.5 at the 50 breakpoint', input: { pm25: 35 }, aqi: 50, level: 1, zh: '优', primary: [] },
    // PM2.5 35.01 in [35, 75] → [50, 100]: 50 + 50/40 × 0.01 = 50.0125 → rounded up 51 → 良.
    { name: 'just above 35', input: { pm25: 35.01 }, aqi: 51, level: 2, zh: '良', primary: ['PM2.5'] },
    // PM2.5 36: 50 + 50/40 × 1 = 51.25 → 52.
    { name: 'PM2.5 36', input: { pm25: 36 }, aqi: 52, level: 2, zh: '良', primary: ['PM2.5'] },
    // PM2.5 80 in [75, 115] → [100, 150]: 100 + 50/40 × 5 = 106.25 → 107 → 轻度污染.
    { name: 'PM2.5 80', input: { pm25: 80 }, aqi: 107, level: 3, zh: '轻度污染', primary: ['PM2.5'] },
    // PM10 200 in [150, 250] → [100, 150]: 100 + 50/100 × 50 = 125 (exact, no rounding up).
    { name: 'PM10 200', input: { pm10: 200, pm25: 20 }, aqi: 125, level: 3, zh: '轻度污染', primary: ['PM10'] },
    // NO2 1 h 250 in [200, 700] → [100, 150]: 100 + 50/500 × 50 = 105; PM2.5 20 → 50/35 × 20 = 28.57 → 29.
    { name: 'NO2 1 h 250', input: { no2: 250, pm25: 20 }, aqi: 105, level: 3, zh: '轻度污染', primary: ['NO2'] },
    // CO 1 h 12 mg/m³ in [10, 35] → [100, 150]: 100 + 50/25 × 2 = 104.
    { name: 'CO 1 h 12', input: { co: 12 }, aqi: 104, level: 3, zh: '轻度污染', primary: ['CO'] },
    // O3 1 h 180 in [160, 200] → [50, 100]: 50 + 50/40 × 20 = 75.
    { name: 'O3 1 h 180', input: { o3: 180, pm25: 10 }, aqi: 75, level: 2, zh: '良', primary: ['O3'] },
    // SO2 1 h 900 > 800: the 1-hour table stops; the 24-hour value 500 in [475, 800] → [150, 200]:
    // 150 + 50/325 × 25 = 153.846 → 154 → 中度污染.
    { name: 'SO2 1 h above 800 uses 24 h', input: { so2: 900, so2_24h: 500 }, aqi: 154, level: 4, zh: '中度污染', primary: ['SO2'] },
    // PM2.5 150 is the breakpoint of 200 → 中度污染 (151–200); 150.1: 200 + 100/100 × 0.1 = 200.1 → 201 → 重度污染.
    { name: 'PM2.5 at 200', input: { pm25: 150 }, aqi: 200, level: 4, zh: '中度污染', primary: ['PM2.5'] },
    { name: 'PM2.5 just above 150', input: { pm25: 150.1 }, aqi: 201, level: 5, zh: '重度污染', primary: ['PM2.5'] },
    // PM2.5 250 → 300 (重度污染, 201–300); 251 in [250, 350] → [300, 400]: 300 + 1 = 301 → 严重污染.
    { name: 'PM2.5 250', input: { pm25: 250 }, aqi: 300, level: 5, zh: '重度污染', primary: ['PM2.5'] },
    { name: 'PM2.5 251', input: { pm25: 251 }, aqi: 301, level: 6, zh: '严重污染', primary: ['PM2.5'] },
    // PM2.5 600 > 500 (the last breakpoint): the standard defines nothing above; reported as 500 (“爆表”).
    { name: 'beyond the table', input: { pm25: 600 }, aqi: 500, level: 6, zh: '严重污染', primary: ['PM2.5'] },
    // PM2.5 75 → 100 and PM10 150 → 100: a tie, both are primary.
    { name: 'two primary pollutants', input: { pm25: 75, pm10: 150 }, aqi: 100, level: 2, zh: '良', primary: ['PM2.5', 'PM10'] },
    // The hourly report with the 24 h PM2.5 moving average 60 (not the 1 h 200): 50 + 50/40 × 25 = 81.25 → 82.
    { name: '24 h PM average preferred', input: { pm25: 200, pm25_24h: 60 }, aqi: 82, level: 2, zh: '良', primary: ['PM2.5'] },
    // O3 8 h 900 > 800: no 8-hour IAQI; O3 1 h 850 in [800, 1000] → [300, 400]: 300 + 100/200 × 50 = 325.
    { name: 'O3 8 h above 800 uses 1 h', input: { o3: 850, o3_8h: 900 }, aqi: 325, level: 6, zh: '严重污染', primary: ['O3'] },
    // All zero: 0, 优.
    { name: 'clean air', input: { pm25: 0, pm10: 0, no2: 0 }, aqi: 0, level: 1, zh: '优', primary: [] },
  ];
  for (const c of cases) {
    const r = hourlyAqi(c.input);
    assert.equal(r.aqi, c.aqi, c.name);
    assert.equal(r.level, c.level, c.name);
    assert.equal(r.category.zh, c.zh, c.name);
    assert.deepEqual(r.primary, c.primary, c.name);
  }
});

test('daily AQI uses the 24-hour tables and the daily O3 maxima', () => {
  // CO 24 h 3 in [2, 4] → [50, 100]: 75. NO2 24 h 100 in [80, 180] → [100, 150]: 100 + 50/100 × 20 = 110.
  // O3 8 h max 180 in [160, 215] → [100, 150]: 100 + 50/55 × 20 = 118.18 → 119 (the largest: primary O3).
  const r = dailyAqi({ co_24h: 3, no2_24h: 100, o3_8hMax: 180, o3_1hMax: 150 });
  assert.equal(r.iaqi.co, 75);
  assert.equal(r.iaqi.no2, 110);
  assert.equal(r.iaqi.o3_8h, 119);
  // O3 1 h max 150 in [0, 160] → [0, 50]: 50/160 × 150 = 46.875 → 47
  assert.equal(r.iaqi.o3, 47);
  assert.equal(r.aqi, 119);
  assert.deepEqual(r.primary, ['O3']);
  assert.equal(r.category.en, 'Lightly polluted');
});

test('tables that stop and bad input', () => {
  assert.equal(iaqi('so2_1h', 801), null);
  assert.equal(iaqi('so2_1h', 800), 200);
  assert.equal(iaqi('pm25_24h', Number.NaN), null);
  assert.equal(iaqi('pm25_24h', -1), null);
  assert.equal(aqiLevel(50), 1);
  assert.equal(aqiLevel(51), 2);
  assert.equal(aqiLevel(300), 5);
  assert.equal(aqiLevel(301), 6);
});
