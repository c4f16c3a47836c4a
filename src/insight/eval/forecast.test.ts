import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateForecast, formatEvaluation, midnightOrigins, readPm25, summary } from './forecast.ts';

describe('forecast evaluation on Beijing PM2.5', () => {
  const series = readPm25();

  it('reads the hourly dataset in Beijing local time with its gaps', () => {
    assert.equal(series.values.length, 43_824);
    assert.equal(series.values.filter((v) => v === null).length, 2_067);
    const origins = midnightOrigins(series, 2014);
    assert.equal(origins.length, 365);
    assert.equal(series.timestamps[origins[0]!], Date.parse('2014-01-01T00:00:00+08:00'));
  });

  it('scores 14 origins and beats the seasonal naive there', () => {
    const e = evaluateForecast(series, { limit: 14 });
    assert.equal(e.origins, 14);
    assert.equal(e.byStep.length, 24);
    assert.ok(e.total.count > 300 && e.total.count <= 14 * 24);
    assert.ok(e.total.mase < e.total.maseSeasonalNaive, `model ${e.total.mase} vs seasonal naive ${e.total.maseSeasonalNaive}`);
    assert.ok(e.byStep[0]!.mase < e.byStep[23]!.mase, 'the first hour is easier than the 24th');
    const last = summary(e);
    assert.deepEqual(Object.keys(last), ['mase', 'mape', 'coverage80', 'coverage95', 'maseSeasonalNaive', 'maseNaive', 'origins', 'method']);
    assert.ok(last.coverage80! > 0.5 && last.coverage80! < 1);
    const table = formatEvaluation(e);
    assert.match(table, /^\+24 /m);
    assert.match(table, /^all /m);
  });
});
