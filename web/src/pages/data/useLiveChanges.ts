import { useEffect, useRef, useState } from 'react';
import { type LiveChange, type LiveState, streamEntityChanges } from '../../api/live.ts';

/** At most one refresh per this many milliseconds, however fast the city changes. */
const REFRESH_EVERY_MS = 1000;

/**
 * Follows the live stream of the entities of `type` (matching `q`) and calls `onChange` — at most once a second,
 * with the changes since the last call — so the views can reload what they show. Returns the stream's state and
 * how many changes arrived since the page opened.
 */
export function useLiveChanges(type: string, q: string, onChange: (changes: LiveChange[]) => void): { state: LiveState; count: number } {
  const [state, setState] = useState<LiveState>('connecting');
  const [count, setCount] = useState(0);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    if (!type) return;
    let pending: LiveChange[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const flush = () => {
      timer = undefined;
      last = Date.now();
      const changes = pending;
      pending = [];
      setCount((n) => n + changes.length);
      onChangeRef.current(changes);
    };
    const stop = streamEntityChanges(
      { type, q },
      (change) => {
        pending.push(change);
        if (!timer) timer = setTimeout(flush, Math.max(0, last + REFRESH_EVERY_MS - Date.now()));
      },
      setState,
    );
    return () => {
      stop();
      if (timer) clearTimeout(timer);
    };
  }, [type, q]);

  return { state, count };
}
