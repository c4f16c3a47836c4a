/** Progress of a long feed: one line every few seconds with the simulated time reached, the rates and what is left. */

export interface ProgressState {
  phase: string;
  /** Simulated span of the phase and the simulated time reached, in ms since the epoch. */
  from: number;
  to: number;
  at: number;
  messages: number;
  measurements: number;
  /** What `messages` counts: MQTT messages (default) or HTTP requests. */
  unit?: 'messages' | 'requests';
}

const DAY_MS = 86_400_000;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const number = (n: number) => Math.round(n).toLocaleString('en');

/**
 * "backfill 2025-03-04 13:00Z (day 1.54 of 3) · 1,234 messages/s · 35,678 measurements/s · ETA 2m10s": rates over the
 * last `seconds`, the ETA from the pace since the phase began (`phaseSeconds`), as simulated time advances in chunks.
 */
export function progressLine(state: ProgressState, previous: ProgressState | undefined, seconds: number, phaseSeconds: number): string {
  const messagesRate = previous && seconds > 0 ? (state.messages - previous.messages) / seconds : 0;
  const measurementsRate = previous && seconds > 0 ? (state.measurements - previous.measurements) / seconds : 0;
  const simRate = phaseSeconds > 0 ? (state.at - state.from) / phaseSeconds : 0;
  const left = simRate > 0 ? (state.to - state.at) / simRate : Number.POSITIVE_INFINITY;
  const days = (state.to - state.from) / DAY_MS;
  const day = (state.at - state.from) / DAY_MS;
  const when = `${new Date(state.at).toISOString().slice(0, 16).replace('T', ' ')}Z`;
  const eta = Number.isFinite(state.to) ? ` · ETA ${duration(left)}` : '';
  return `${state.phase} ${when} (day ${day.toFixed(2)} of ${Number.isFinite(days) ? days.toFixed(2) : '∞'}) · ${number(messagesRate)} ${state.unit ?? 'messages'}/s · ${number(measurementsRate)} measurements/s${eta}`;
}
