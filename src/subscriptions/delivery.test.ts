/**
 * Delivery's two modes against a real outbox, on every driver: a queue that reads the table while writes keep
 * committing goes back to memory mode once a read reaches the end, and every row goes out once, in order.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../migrations.ts';
import { migrate } from '../platform/store/migrate.ts';
import type { Store } from '../platform/store/store.ts';
import { contractDrivers, openTestStore, type TestStore } from '../platform/store/testing.ts';
import { Delivery, type DeliveryTarget } from './delivery.ts';
import type { SubscriptionRecord } from './model.ts';
import type { Outgoing, Sender } from './senders.ts';
import { insertOutbox, type OutboxRow } from './store.ts';

const TENANT = 'hangzhou';
const OWNER = 'node-a';

/** The rows one entity write would leave for the subscription: one per entity, keys in write order. */
function rowsOf(subscriptionId: string, from: number, count: number): OutboxRow[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${subscriptionId}:${String(from + i).padStart(6, '0')}`,
    tenant: TENANT,
    subscriptionId,
    entityId: `urn:ngsi-ld:Sensor:${from + i}`,
    payload: { id: `urn:ngsi-ld:Sensor:${from + i}`, n: from + i },
  }));
}

function target(id: string): DeliveryTarget {
  const now = new Date().toISOString();
  const record = {
    tenant: TENANT,
    id,
    owner: { id: 'system', tenant: TENANT, roles: ['admin'] },
    context: undefined,
    body: { id, type: 'Subscription', isActive: true, notification: { endpoint: { uri: 'http://receiver.invalid/notify', accept: 'application/json' } } },
    createdAt: now,
    modifiedAt: now,
    status: {},
  } as unknown as SubscriptionRecord;
  return { record, contextLink: 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld', contextDocument: {} };
}

/** Records what was sent (the receiver of this test); each send takes `delayMs`, as a network round trip would. */
class RecordingSender implements Sender {
  readonly received: number[] = [];
  constructor(private readonly delayMs: number) {}
  async send(message: Outgoing): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    for (const item of (message.body as { data: Array<{ n: number }> }).data) this.received.push(item.n);
  }
  async close(): Promise<void> {}
}

/** Counts the table reads (claimHead) a store serves; `afterRead` runs once each read has returned. */
function countingReads(store: Store, afterRead: () => void): { store: Store; reads: () => number } {
  let reads = 0;
  const counted = Object.create(store) as Store;
  counted.query = (async (sql: string, params?: unknown[]) => {
    const result = await store.query(sql, params as never);
    if (sql.includes('WITH head AS')) {
      reads++;
      setTimeout(afterRead, 0);
    }
    return result;
  }) as Store['query'];
  return { store: counted, reads: () => reads };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

for (const driver of contractDrivers()) {
  describe(`notification delivery on ${driver}`, () => {
    let handle: TestStore;
    let store: Store;

    before(async () => {
      handle = await openTestStore(driver);
      store = handle.store;
      await migrate(store, migrations);
    });
    after(() => handle.dispose());

    test('a queue reading the table under a steady stream of writes returns to memory: each row once, in order, few reads', async () => {
      const subscription = 'urn:ngsi-ld:Subscription:steady';
      const sender = new RecordingSender(5);
      let next = 0;
      let delivery: Delivery | undefined;
      /** The write path: commit rows, then hand them to delivery. */
      const write = async (count: number) => {
        const rows = rowsOf(subscription, next, count);
        next += count;
        await insertOutbox(store, rows, OWNER, 30);
        delivery?.enqueue(rows);
      };
      // A write that committed before a read but is handed over only after it: the row is in the read and enqueued.
      let raced: OutboxRow[] | undefined;
      const counting = countingReads(store, () => {
        if (raced) delivery?.enqueue(raced);
        raced = undefined;
      });
      delivery = new Delivery({
        store: counting.store,
        sender,
        owner: OWNER,
        leaseSeconds: 30,
        retryBaseMs: 10,
        retryMaxMs: 100,
        memoryPerQueue: 2000,
        maxBatch: 100,
        sweepMs: 60_000,
        lookup: async (_tenant, id) => target(id),
        onError: (error) => assert.fail(String(error)),
      });
      try {
        // Rows left from before (a restart): the queue starts in table mode and sends these first.
        await insertOutbox(store, rowsOf(subscription, 0, 50), OWNER, 30);
        next = 50;
        raced = rowsOf(subscription, 50, 1);
        await insertOutbox(store, raced, OWNER, 30);
        next = 51;
        delivery.start();
        // 400 writes of 5 rows, one every 2 ms, while the queue reads and sends.
        for (let i = 0; i < 400; i++) {
          await write(5);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        const total = next;
        await until(() => sender.received.length >= total, `${total} notifications`);
        await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(
          sender.received,
          Array.from({ length: total }, (_, i) => i),
          'every row once, in the order written',
        );
        // Before: a queue in table mode under steady writes read the table back for every batch it sent.
        assert.ok(counting.reads() <= 3, `the table was read ${counting.reads()} times; the queue should have returned to memory after its first read`);
        assert.equal(delivery.memoryRows, 0);
      } finally {
        await delivery.close();
      }
      await delivery.flushAcks();
      const left = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM ngsi_notification_outbox WHERE subscription_id = $1', [subscription]);
      assert.equal(left[0]?.n, 0, 'delivered rows are deleted');
    });
  });
}
