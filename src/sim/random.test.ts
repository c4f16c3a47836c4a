/** Unit tests of the counter-based randomness: pure in its arguments, roughly uniform. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hash, normal, poisson, smoothNoise, unit } from './random.ts';

describe('counter-based randomness', () => {
  it('gives the same draw for the same arguments and a different one when any argument changes', () => {
    assert.equal(hash(1, 2, 3, 4, 5), hash(1, 2, 3, 4, 5));
    const base = hash(1, 2, 3, 4, 5);
    for (const other of [hash(2, 2, 3, 4, 5), hash(1, 3, 3, 4, 5), hash(1, 2, 4, 4, 5), hash(1, 2, 3, 5, 5), hash(1, 2, 3, 4, 6)]) assert.notEqual(other, base);
  });

  it('draws uniformly enough: the mean of many draws is about one half and every decile is used', () => {
    const deciles = new Array<number>(10).fill(0);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = unit(9, 1, i);
      sum += u;
      deciles[Math.floor(u * 10)]!++;
    }
    assert.ok(Math.abs(sum / 100_000 - 0.5) < 0.005);
    for (const n of deciles) assert.ok(n > 9_500 && n < 10_500);
  });

  it('draws normals with mean about 0 and spread about 1', () => {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < 50_000; i++) {
      const z = normal(3, 4, i);
      sum += z;
      squares += z * z;
    }
    assert.ok(Math.abs(sum / 50_000) < 0.02);
    assert.ok(Math.abs(squares / 50_000 - 1) < 0.05);
  });

  it('draws Poisson counts with the asked mean', () => {
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += poisson(5, 6, 2.5, i);
    assert.ok(Math.abs(sum / 20_000 - 2.5) < 0.05);
  });

  it('varies smooth noise gradually: neighbouring instants are close, and the value stays within ±1', () => {
    for (let t = 0; t < 1000; t += 1) {
      const a = smoothNoise(1, 2, 3, t, 60);
      const b = smoothNoise(1, 2, 3, t + 1, 60);
      assert.ok(Math.abs(a) <= 1 && Math.abs(a - b) < 0.06);
    }
  });
});
