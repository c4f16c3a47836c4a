/** The feeder's backpressure window: bounded work in flight, and failures that stop the feed instead of vanishing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InFlightWindow } from './window.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the in-flight window of the feeder', () => {
  test('never runs more tasks at once than its size, however fast they are offered', async () => {
    const window = new InFlightWindow(3);
    let running = 0;
    let most = 0;
    let done = 0;
    for (let i = 0; i < 20; i++) {
      await window.run(async () => {
        running++;
        most = Math.max(most, running);
        await tick();
        await tick();
        running--;
        done++;
      });
    }
    await window.drain();
    assert.equal(done, 20);
    assert.equal(most, 3);
  });

  test('reports the first failure when drained, and refuses new work after it', async () => {
    const window = new InFlightWindow(2);
    await window.run(async () => {
      await tick();
      throw new Error('the platform refused a message');
    });
    await window.run(async () => tick());
    await assert.rejects(window.drain(), /refused a message/);
    await assert.rejects(
      window.run(async () => undefined),
      /refused a message/,
    );
  });
});
