/** How notifications leave: HTTP POST (clause 7 HTTP binding) and MQTT publish (MQTT binding), behind one Sender interface. */
import mqtt, { type MqttClient } from 'mqtt';
import { JSON_LD_CONTEXT_REL } from '../context/http-binding.ts';
import type { EndpointBody, KeyValue } from './model.ts';

/** One notification ready to send. */
export interface Outgoing {
  endpoint: EndpointBody;
  tenant: string;
  /** The Notification (clause 5.3.1), @context included when JSON-LD is asked for. */
  body: unknown;
  /** The Link header for application/json and application/geo+json (the @context as a URL). */
  link: string | undefined;
}

/** Sends one notification; resolves when the receiver accepted it, rejects with a reason otherwise. */
export interface Sender {
  send(message: Outgoing): Promise<void>;
  close(): Promise<void>;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
}

function info(list: readonly KeyValue[] | undefined, key: string): string | undefined {
  return list?.find((kv) => kv.key === key)?.value;
}

/** Headers a notification may not set through receiverInfo (they belong to the transport). */
const RESERVED_HEADERS = new Set(['content-length', 'host', 'connection', 'transfer-encoding', 'content-type', 'link']);

/** HTTP(S) POST with keep-alive connections (Node's fetch pools them per origin). */
export class HttpSender implements Sender {
  constructor(private readonly defaultTimeoutMs: number) {}

  async send(message: Outgoing): Promise<void> {
    const { endpoint } = message;
    const headers: Record<string, string> = { 'content-type': endpoint.accept, 'ngsild-tenant': message.tenant };
    if (message.link && endpoint.accept !== 'application/ld+json') {
      headers.link = `<${message.link}>; rel="${JSON_LD_CONTEXT_REL}"; type="application/ld+json"`;
    }
    for (const { key, value } of endpoint.receiverInfo ?? []) {
      if (!RESERVED_HEADERS.has(key.toLowerCase())) headers[key] = value;
    }
    let response: Response;
    try {
      response = await fetch(endpoint.uri, {
        method: 'POST',
        headers,
        body: JSON.stringify(message.body),
        signal: AbortSignal.timeout(endpoint.timeout ?? this.defaultTimeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
      throw new DeliveryError(`POST ${endpoint.uri} failed: ${cause}`);
    }
    // Drain the body so the connection goes back to the pool.
    await response.arrayBuffer().catch(() => undefined);
    if (response.status < 200 || response.status > 299) throw new DeliveryError(`POST ${endpoint.uri} answered ${response.status}`);
  }

  async close(): Promise<void> {}
}

/**
 * MQTT publish to `mqtt://[user:pass@]host[:port]/topic`: one client per broker, kept open; the payload is
 * `{"metadata": {…headers}, "body": notification}` as the NGSI-LD MQTT binding lays it out.
 * notifierInfo MQTT-QoS (default 0) and MQTT-Version (default mqtt5.0) apply.
 */
export class MqttSender implements Sender {
  readonly #clients = new Map<string, Promise<MqttClient>>();

  constructor(private readonly defaultTimeoutMs: number) {}

  #client(url: URL, version: 4 | 5): Promise<MqttClient> {
    const key = `${url.protocol}//${url.username}:${url.password}@${url.host}#${version}`;
    let client = this.#clients.get(key);
    if (!client) {
      const broker = `${url.protocol}//${url.host}`;
      client = mqtt
        .connectAsync(broker, {
          protocolVersion: version,
          ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
          ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
          connectTimeout: this.defaultTimeoutMs,
          reconnectPeriod: 1000,
        })
        .catch((error: unknown) => {
          this.#clients.delete(key);
          throw error;
        });
      this.#clients.set(key, client);
    }
    return client;
  }

  async send(message: Outgoing): Promise<void> {
    const { endpoint } = message;
    const url = new URL(endpoint.uri);
    const topic = decodeURIComponent(url.pathname.slice(1));
    const qos = Number(info(endpoint.notifierInfo, 'MQTT-QoS') ?? '0') as 0 | 1 | 2;
    const version = info(endpoint.notifierInfo, 'MQTT-Version') === 'mqtt3.1.1' ? 4 : 5;
    const metadata: Record<string, string> = { 'Content-Type': endpoint.accept, 'NGSILD-Tenant': message.tenant };
    if (message.link && endpoint.accept !== 'application/ld+json') metadata.Link = `<${message.link}>; rel="${JSON_LD_CONTEXT_REL}"; type="application/ld+json"`;
    for (const { key, value } of endpoint.receiverInfo ?? []) metadata[key] = value;
    let client: MqttClient;
    try {
      client = await this.#client(url, version);
    } catch (error) {
      throw new DeliveryError(`MQTT broker ${url.host} unreachable: ${(error as Error).message}`);
    }
    if (!client.connected) throw new DeliveryError(`MQTT broker ${url.host} is not connected`);
    const timeout = endpoint.timeout ?? this.defaultTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.publishAsync(topic, JSON.stringify({ metadata, body: message.body }), { qos }),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new DeliveryError(`MQTT publish to ${url.host}/${topic} timed out`)), timeout);
        }),
      ]);
    } catch (error) {
      if (error instanceof DeliveryError) throw error;
      throw new DeliveryError(`MQTT publish to ${url.host}/${topic} failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const clients = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.all(clients.map((c) => c.then((client) => client.endAsync(true)).catch(() => undefined)));
  }
}

/** Picks the sender of an endpoint by its scheme. */
export class Senders implements Sender {
  readonly http: HttpSender;
  readonly mqtt: MqttSender;

  constructor(timeoutMs: number) {
    this.http = new HttpSender(timeoutMs);
    this.mqtt = new MqttSender(timeoutMs);
  }

  send(message: Outgoing): Promise<void> {
    return message.endpoint.uri.startsWith('mqtt') ? this.mqtt.send(message) : this.http.send(message);
  }

  async close(): Promise<void> {
    await Promise.all([this.http.close(), this.mqtt.close()]);
  }
}
