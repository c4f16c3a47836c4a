/** The platform's JSON logger (pino): one per process, children per request and per capability. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'citycloud' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'password', '*.password'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
