import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSimulateArgs } from './simulate.ts';

const target = ['--target', 'http://127.0.0.1:8080', '--password', 'p'];

test('--backfill-via is mqtt unless temporal is asked, and anything else is refused naming the choices', () => {
  assert.equal(parseSimulateArgs(target, {}).backfillVia, 'mqtt');
  assert.equal(parseSimulateArgs([...target, '--backfill-via', 'temporal'], {}).backfillVia, 'temporal');
  assert.throws(() => parseSimulateArgs([...target, '--backfill-via', 'ftp'], {}), /--backfill-via must be mqtt or temporal, got "ftp"/);
});
