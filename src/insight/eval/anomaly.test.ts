import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { evaluateAnomalies } from './anomaly.ts';

const HOUR = 3_600_000;

test('the evaluation matches anomalies to truth spans and counts false alarms per run', () => {
  const r = evaluateAnomalies({ size: 'tiny', days: 2, warmupDays: 7, roads: true });
  assert.ok(r.accidents.total > 0);
  assert.equal(r.recall, Math.round(((r.episodes.detected + r.accidents.detected) / (r.episodes.total + r.accidents.total)) * 1000) / 1000);
  assert.ok(r.falseAlarms <= r.alarms && r.alarms <= r.anomalies);
  assert.equal(r.falseAlarmsPerDay, Math.round((r.falseAlarms / 2) * 100) / 100);
  for (const { anomaly, matched } of r.list) {
    assert.ok(anomaly.value > anomaly.high, 'only rising anomalies are reported for aqi and congestion');
    if (matched) assert.ok(anomaly.indicator === 'congestion' || anomaly.indicator === 'aqi');
    assert.ok(anomaly.at > Date.parse(r.options.start) && anomaly.at <= Date.parse(r.options.start) + 2 * 24 * HOUR);
  }
});

test('the CLI prints one JSON line last and refuses bad options', () => {
  const cli = fileURLToPath(new URL('./eval-anomaly.ts', import.meta.url));
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const ok = spawnSync(process.execPath, ['--import', 'tsx', cli, '--size', 'tiny', '--days', '1'], { encoding: 'utf8', env });
  assert.equal(ok.status, 0, ok.stderr);
  const last = JSON.parse(ok.stdout.trim().split('\n').at(-1)!);
  for (const k of ['recall', 'falseAlarmsPerDay', 'episodes', 'accidents']) assert.ok(k in last, k);
  const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, '--every', '0', '--size', 'huge'], { encoding: 'utf8', env });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--every must be/);
  assert.match(bad.stderr, /--size must be one of/);
});
