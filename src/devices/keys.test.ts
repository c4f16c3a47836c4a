import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deviceSecretMatches, generateDeviceKey, parseDeviceKey } from './keys.ts';

test('a device key matches its own hash, again and again, and never another key’s', () => {
  const a = generateDeviceKey();
  const b = generateDeviceKey();
  const secretOf = (key: string) => parseDeviceKey(key)?.secret as string;
  for (let i = 0; i < 3; i++) {
    assert.equal(deviceSecretMatches(secretOf(a.key), a.secretHash), true, `check ${i + 1}`);
    assert.equal(deviceSecretMatches(secretOf(b.key), a.secretHash), false, 'another device’s secret');
    assert.equal(deviceSecretMatches(secretOf(a.key), b.secretHash), false, 'a remembered secret against another hash');
    const secret = secretOf(a.key);
    const changed = `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}`;
    assert.equal(deviceSecretMatches(changed, a.secretHash), false, 'one character changed');
    assert.equal(deviceSecretMatches('', a.secretHash), false);
  }
});
