/** Device topics: `/{apikey}/{deviceId}/attrs`, without the leading slash too, and with a `json/` or `ul/` format prefix. */
import type { PayloadFormat } from './model.ts';

export interface DeviceTopic {
  key: string;
  deviceId: string;
  /** Given by a `json/` or `ul/` prefix; otherwise read from the payload. */
  format?: PayloadFormat;
}

/** The topic filters a consumer subscribes to: every form above (the first level may be empty, `json` or `ul`). */
export const DEVICE_TOPIC_FILTERS = ['+/+/attrs', '+/+/+/attrs'] as const;

export function parseDeviceTopic(topic: string): DeviceTopic | undefined {
  const parts = topic.split('/');
  let format: PayloadFormat | undefined;
  if (parts.length === 4) {
    const [first] = parts;
    if (first === 'json') format = 'json';
    else if (first === 'ul') format = 'ultralight';
    else if (first !== '') return undefined;
    parts.shift();
  }
  if (parts.length !== 3 || parts[2] !== 'attrs') return undefined;
  const [key, deviceId] = parts as [string, string];
  if (key.length === 0 || deviceId.length === 0) return undefined;
  return format ? { key, deviceId, format } : { key, deviceId };
}

/** JSON when the payload starts with `{` or `[` (after blanks), else UltraLight 2.0. */
export function sniffFormat(payload: Buffer): PayloadFormat {
  for (const byte of payload) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b || byte === 0x5b ? 'json' : 'ultralight';
  }
  return 'ultralight';
}
