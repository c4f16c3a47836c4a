/**
 * Consumption from an external MQTT broker (MQTT_URL): a shared subscription (`$share/citycloud/…`) so
 * several CityCloud nodes split the devices' messages. Each QoS 1 message is acknowledged to the broker
 * only once its measurements are committed; a node that dies leaves its unacknowledged messages to be
 * sent again.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from '../platform/logging/logger.ts';
import type { DeviceIngest } from './ingest.ts';
import { IngestRejected } from './model.ts';
import { DEVICE_TOPIC_FILTERS, parseDeviceTopic, sniffFormat } from './topics.ts';

export interface SharedConsumerOptions {
  url: string;
  ingest: DeviceIngest;
  /** Shared subscription group; nodes of one platform share one. */
  group: string;
  /** Connections per node: brokers cap unacknowledged messages per connection (mosquitto: 20). */
  connections: number;
  /** Client id prefix; with a fixed one (MQTT_CLIENT_ID) sessions persist across restarts. */
  clientId: string | undefined;
  defaultTenant: string;
  logger: Logger;
}

export interface SharedConsumer {
  close(): Promise<void>;
}

/** The acknowledgement is sent by us after the commit; mqtt.js would send it when handleMessage calls back. */
const DEFERRED = Object.assign(new Error('acknowledged after the commit'), { deferred: true });

// mqtt.js sends PUBACK from handleMessage's callback, before the next packet is read; to write a batch of
// messages at once and still acknowledge each only after its commit, the PUBACK is sent through the
// client's packet writer (an internal method: mqtt 5.x).
interface PacketWriter {
  _sendPacket(packet: { cmd: 'puback'; messageId: number; reasonCode?: number }, cb?: () => void, cbStorePut?: () => void, noStore?: boolean): void;
}

export async function startSharedConsumer(options: SharedConsumerOptions): Promise<SharedConsumer> {
  const { ingest, logger } = options;
  const prefix = options.clientId ?? `citycloud-${randomBytes(4).toString('hex')}`;
  const persistent = options.clientId !== undefined;
  const clients: MqttClient[] = [];

  async function handle(packet: IPublishPacket): Promise<void> {
    const topic = parseDeviceTopic(packet.topic);
    if (!topic) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    await ingest.ingest(
      { key: topic.key, deviceId: topic.deviceId, format: topic.format ?? sniffFormat(payload), payload, tenantHint: options.defaultTenant },
      'mqtt-shared',
    );
  }

  const connect = async (index: number): Promise<MqttClient> => {
    const client = await mqtt.connectAsync(options.url, {
      clientId: `${prefix}-${index}`,
      protocolVersion: 5,
      clean: !persistent,
      ...(persistent ? { properties: { sessionExpiryInterval: 3600 } } : {}),
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    client.handleMessage = (packet, callback) => {
      if (packet.qos === 0) {
        handle(packet).catch(() => undefined);
        callback();
        return;
      }
      const stream = client.stream;
      const messageId = packet.messageId as number;
      handle(packet).then(
        () => ack(),
        (error: unknown) => {
          // Refused messages are acknowledged (sending them again would not help); failed writes are not.
          if (error instanceof IngestRejected) ack();
          else logger.warn({ err: error }, 'a device message from the external broker was not written; it will be delivered again');
        },
      );
      function ack() {
        // Only on the connection it came from: after a reconnect the broker sends it again anyway.
        if (client.connected && client.stream === stream) {
          (client as unknown as PacketWriter)._sendPacket({ cmd: 'puback', messageId }, undefined, undefined, true);
        }
      }
      callback(DEFERRED);
    };
    client.on('error', (error) => logger.warn({ err: error.message }, 'external MQTT broker error'));
    const filters = DEVICE_TOPIC_FILTERS.map((f) => `$share/${options.group}/${f}`);
    const granted = await client.subscribeAsync(filters, { qos: 1 });
    const refused = granted.filter((g) => g.qos > 2);
    if (refused.length > 0) throw new Error(`the external MQTT broker refused the subscription to ${refused.map((g) => g.topic).join(', ')}`);
    return client;
  };

  try {
    for (let i = 0; i < options.connections; i++) clients.push(await connect(i));
  } catch (error) {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    throw error;
  }
  logger.info({ url: redactUrl(options.url), group: options.group, connections: options.connections }, 'consuming device messages from the external MQTT broker');

  return {
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'mqtt://…';
  }
}
