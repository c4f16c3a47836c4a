/**
 * The live entity stream (`GET /api/v1/live/entities`, server-sent events): the changes of entities the signed-in
 * person may read, as they are written. Read with fetch rather than EventSource, which cannot send the
 * Authorization header; reconnects by itself with a growing delay.
 */
import { authHeaders } from './client.ts';

export interface LiveChange {
  triggers: string[];
  id: string;
  /** The entity after the change (keyValues); null when it was deleted. */
  entity: Record<string, unknown> | null;
}

export type LiveState = 'connecting' | 'live' | 'offline';

export interface LiveQuery {
  type?: string;
  q?: string;
}

/** Splits a server-sent-events text into complete events; returns them and the unfinished rest. */
export function parseEvents(buffer: string): { events: Array<{ event: string; data: string }>; rest: string } {
  const events: Array<{ event: string; data: string }> = [];
  let rest = buffer.replace(/\r\n/g, '\n');
  let end = rest.indexOf('\n\n');
  while (end >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
    end = rest.indexOf('\n\n');
  }
  return { events, rest };
}

/**
 * Streams the changes matching `query` to `onChange` until the returned function is called.
 * @example const stop = streamEntityChanges({ type: 'AirQualityObserved' }, (c) => console.log(c.id), setState)
 */
export function streamEntityChanges(query: LiveQuery, onChange: (change: LiveChange) => void, onState: (state: LiveState) => void): () => void {
  const controller = new AbortController();
  let attempt = 0;
  const params = new URLSearchParams({ format: 'keyValues' });
  if (query.type) params.set('type', query.type);
  if (query.q) params.set('q', query.q);

  const connect = async (): Promise<void> => {
    onState('connecting');
    const response = await fetch(`/api/v1/live/entities?${params}`, { headers: authHeaders(), signal: controller.signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      // A refused filter or credential will be refused again: stop rather than retry forever.
      if (response.status >= 400 && response.status < 500) {
        onState('offline');
        return;
      }
      throw new Error(`HTTP ${response.status}`);
    }
    onState('live');
    attempt = 0;
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the stream ended');
      const parsed = parseEvents(buffer + decoder.decode(value, { stream: true }));
      buffer = parsed.rest;
      for (const event of parsed.events) {
        if (event.event === 'change') onChange(JSON.parse(event.data) as LiveChange);
      }
    }
  };

  const loop = async () => {
    while (!controller.signal.aborted) {
      try {
        // connect() returns only when the server refused the stream; any other end is an error and is retried.
        await connect();
        return;
      } catch {
        if (controller.signal.aborted) return;
        onState('offline');
        attempt++;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5))));
      }
    }
  };
  void loop();
  return () => controller.abort();
}
