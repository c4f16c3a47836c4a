/**
 * The embedded MQTT broker (aedes on a node `net` server). Devices connect with their id as username
 * and their key as password; a gateway connects with a platform API key as password and publishes for
 * any device of its city. A QoS 1 PUBLISH is acknowledged only once its measurements are committed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { hasAnyRole, type Principal } from '../platform/auth/model.ts';
import type { Logger } from '../platform/logging/logger.ts';
import type { DeviceIngest } from './ingest.ts';
import { type Device, IngestRejected } from './model.ts';
import { parseDeviceTopic, sniffFormat } from './topics.ts';

type Session = { kind: 'device'; device: Device } | { kind: 'gateway'; tenant: string };

export interface EmbeddedBrokerOptions {
  ingest: DeviceIngest;
  /** Turns a platform API key (`cck_…`) into its principal, or throws. */
  authenticateApiKey: (key: string) => Promise<Principal>;
  port: number;
  host: string;
  /** The city a refusal is charged to when a key names none. */
  defaultTenant: string;
  logger: Logger;
}

export interface EmbeddedBroker {
  /** The port it listens on (the one asked, or the one the system gave for port 0). */
  port: number;
  close(): Promise<void>;
}

const GATEWAY_ROLES = ['admin', 'operator', 'officer'] as const;
// aedes' AuthErrorCode is a const enum in its types, which isolated modules cannot import.
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SERVER_UNAVAILABLE = 3;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Starts the broker; rejects with the listen error (EADDRINUSE when the port is taken). */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const { ingest, logger } = options;
  const sessions = new WeakMap<Client, Session>();

  async function authenticate(client: Client, username: string | undefined, password: Buffer | undefined): Promise<Session> {
    const secret = password?.toString('utf8') ?? '';
    if (secret.startsWith('cck_')) {
      let principal: Principal;
      try {
        principal = await options.authenticateApiKey(secret);
      } catch {
        throw authError('the API key is not valid', BAD_USERNAME_OR_PASSWORD);
      }
      if (!hasAnyRole(principal, GATEWAY_ROLES)) throw authError('this API key may not publish device data', NOT_AUTHORIZED);
      return { kind: 'gateway', tenant: principal.tenant };
    }
    try {
      return { kind: 'device', device: await ingest.authenticate(secret, username ?? '', options.defaultTenant, 'mqtt') };
    } catch (error) {
      if (error instanceof IngestRejected) throw authError(error.message, BAD_USERNAME_OR_PASSWORD);
      logger.warn({ err: error, client: client.id }, 'could not check a device key');
      throw authError('the device registry is not available', SERVER_UNAVAILABLE);
    }
  }

  async function publish(session: Session, topic: string, payload: Buffer): Promise<void> {
    const parsed = parseDeviceTopic(topic);
    if (!parsed) {
      if (session.kind === 'device') ingest.refuse(session.device, 'bad_topic', `"${topic.slice(0, 100)}" is not a device topic; publish to /{key}/{deviceId}/attrs`, 'mqtt');
      return;
    }
    const tenant = session.kind === 'device' ? session.device.tenant : session.tenant;
    if (session.kind === 'device' && parsed.deviceId !== session.device.id) {
      ingest.refuse(session.device, 'unknown_device', `Device "${session.device.id}" may publish only for itself, not for "${parsed.deviceId.slice(0, 64)}"`, 'mqtt');
      return;
    }
    const device = await ingest.authenticate(parsed.key, parsed.deviceId, tenant, 'mqtt');
    if (device.tenant !== tenant) {
      ingest.refuse(device, 'unknown_device', 'This gateway belongs to another city', 'mqtt');
      return;
    }
    await ingest.accept(device, parsed.format ?? sniffFormat(payload), payload, 'mqtt');
  }

  const broker = await Aedes.createBroker({
    connectTimeout: 10_000,
    authenticate(client, username, password, done) {
      authenticate(client, username, password).then(
        (session) => {
          sessions.set(client, session);
          done(null, true);
        },
        (error: AuthenticateError) => done(error, false),
      );
    },
    // Called before aedes writes the PUBACK: answering only after the commit is what makes QoS 1 durable.
    authorizePublish(client, packet, callback) {
      const session = client ? sessions.get(client) : undefined;
      if (!client || !session) {
        callback(new Error('not authenticated'));
        return;
      }
      const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      publish(session, packet.topic, payload).then(
        () => callback(null),
        (error: unknown) => {
          // A refused message is counted and acknowledged (MQTT 3.1.1 has no negative acknowledgement,
          // and sending it again would not help); a failed write closes the connection unacknowledged.
          if (error instanceof IngestRejected) callback(null);
          else callback(error instanceof Error ? error : new Error(String(error)));
        },
      );
    },
    // Device keys travel in topics: nobody may subscribe to them on this broker.
    authorizeSubscribe(_client, _subscription, callback) {
      callback(null, null);
    },
  });
  broker.on('clientError', (client, error) => logger.debug({ client: client?.id, err: error.message }, 'mqtt client error'));
  broker.on('connectionError', (_client, error) => logger.debug({ err: error.message }, 'mqtt connection error'));

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    broker.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    throw error;
  }
  server.on('error', (error) => logger.error({ err: error }, 'mqtt server error'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;

  let closing: Promise<void> | undefined;
  return {
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await new Promise<void>((resolve) => broker.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closing;
    },
  };
}
