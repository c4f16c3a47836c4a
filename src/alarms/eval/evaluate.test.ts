import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { evaluateAlarms } from './evaluate.ts';

describe('alarm evaluation', () => {
  it('scores a day of the tiny city against the ground truth', () => {
    const r = evaluateAlarms({ seed: 42, days: 1, size: 'tiny', start: '2026-11-01T16:00:00.000Z' });
    assert.ok(r.readings > 10_000, `replayed ${r.readings} readings`);
    assert.ok(r.noise.length > 0, 'the day has noise triggers');
    assert.equal(r.summary.noiseTriggers, r.noise.length);
    assert.equal(r.summary.noiseSuppressed, r.noise.filter((n) => !n.shown).length);
    for (const n of r.noise) if (!n.shown) assert.ok(n.reason, 'every suppressed trigger says why');
    assert.ok(r.summary.suppressed >= 0.95, `suppressed ${r.summary.suppressed}`);
    assert.equal(r.summary.detected, r.events.filter((e) => e.detectedAt !== undefined).length);
  });

  it('scores the devices: missing-data faults found, outage-silenced devices inhibited, no unexplained offline alarm', () => {
    // seed 42's first week has a power outage in Fuyang on 2026-11-03 (12:31–13:21 UTC)
    const r = evaluateAlarms({ seed: 42, days: 1, size: 'tiny', start: '2026-11-03T04:00:00.000Z' });
    const d = r.devices.summary;
    assert.equal(d.outages, 1);
    assert.equal(d.outagesAlarmed, 1, 'the grid report raised a powerOutage alarm');
    assert.ok(d.outageDevices > 0);
    assert.equal(d.afterReportShare, 1, `inhibited ${d.afterReportInhibited} of ${d.afterReport}`);
    assert.equal(d.outageDevicesShown, 0, 'no device of the outage shown one by one');
    for (const o of r.devices.outages) for (const x of o.devices) assert.equal(x.outcome, 'inhibited', `${x.entityId}: ${x.outcome}`);
    assert.equal(d.faultsDetected, r.devices.faults.filter((f) => f.detectedAt !== undefined).length);
    for (const f of r.devices.faults) if (f.detectedAt !== undefined) assert.ok(f.detectedAt - f.start <= 10 * 60_000, `${f.id} found after ${(f.detectedAt - f.start) / 60_000} min`);
    assert.equal(d.falseOfflineAlarms, 0, JSON.stringify(r.devices.falseAlarms));
  });

  it('prints the figures as one JSON object on the last line of the CLI', () => {
    const cli = path.join(import.meta.dirname, 'cli.ts');
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const out = spawnSync(process.execPath, ['--import', 'tsx', cli, '--seed', '3', '--days', '0.5', '--size', 'tiny'], { encoding: 'utf8', env });
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1] as string);
    for (const k of ['recall', 'precision', 'suppressed', 'delayP50Ms', 'delayP99Ms']) assert.equal(typeof last[k], 'number', k);
    for (const k of ['faultRecall', 'inhibitedShare', 'afterReportShare', 'falseOfflineAlarms']) assert.equal(typeof last.devices?.[k], 'number', `devices.${k}`);
    assert.match(out.stdout, /Devices \(设备离线/);
    assert.match(out.stdout, /Noise triggers/);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', cli, '--size', 'huge'], { encoding: 'utf8', env });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--size must be one of tiny, small, city/);
  });
});
