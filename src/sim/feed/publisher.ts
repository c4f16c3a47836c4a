/** Device messages over MQTT, as a gateway would send them: QoS 1 to `json/{key}/{deviceId}/attrs`, a device always on the same connection. */
import mqtt, { type MqttClient } from 'mqtt';

export interface PublisherOptions {
  /** mqtt://host:port of the platform's broker (embedded) or of the external broker it consumes (MQTT_URL). */
  url: string;
  /** Credentials for the embedded broker: a platform API key (operator role) as password makes this a gateway. */
  username?: string;
  password?: string;
  /** Parallel connections; messages of one device always use the same one, so they arrive in order. */
  connections: number;
}

/** A measurement as a device sends it: short keys and the time it was observed. */
export interface DeviceMeasurement {
  observedAt: string;
  values: Record<string, number | string | boolean>;
}

export class DevicePublisher {
  readonly #clients: MqttClient[];

  private constructor(clients: MqttClient[]) {
    this.#clients = clients;
  }

  static async connect(options: PublisherOptions): Promise<DevicePublisher> {
    const tag = `citycloud-sim-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
    const clients: MqttClient[] = [];
    try {
      for (let i = 0; i < Math.max(1, options.connections); i++) {
        clients.push(
          await mqtt.connectAsync(options.url, {
            clientId: `${tag}-${i}`,
            ...(options.username !== undefined ? { username: options.username } : {}),
            ...(options.password !== undefined ? { password: options.password } : {}),
            // A dropped connection is opened again and mqtt.js sends the unacknowledged messages again.
            reconnectPeriod: 1000,
            connectTimeout: 10_000,
          }),
        );
      }
    } catch (error) {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      throw new Error(`cannot connect to the MQTT broker at ${options.url}: ${error instanceof Error ? error.message : String(error)}`);
    }
    for (const client of clients) client.on('error', () => undefined);
    return new DevicePublisher(clients);
  }

  /** Sends one message (one measurement, or several as a JSON array); resolves on the broker's PUBACK. */
  async publish(deviceKey: string, deviceId: string, measurements: readonly DeviceMeasurement[], connection: number): Promise<void> {
    const client = this.#clients[connection % this.#clients.length] as MqttClient;
    const body = measurements.map((m) => ({ ...m.values, observedAt: m.observedAt }));
    await client.publishAsync(`json/${deviceKey}/${deviceId}/attrs`, JSON.stringify(body.length === 1 ? body[0] : body), { qos: 1 });
  }

  get connections(): number {
    return this.#clients.length;
  }

  async close(): Promise<void> {
    // Not forced: messages still unacknowledged are waited for.
    await Promise.all(this.#clients.map((c) => c.endAsync(false).catch(() => undefined)));
  }
}
