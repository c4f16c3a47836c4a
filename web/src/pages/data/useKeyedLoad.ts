import { useEffect, useRef, useState } from 'react';

export interface KeyedState<T> {
  /** What was loaded for the current key; undefined while the first load of a key runs. */
  data: T | undefined;
  error: unknown;
  loading: boolean;
}

interface Loaded<T> {
  key: string;
  data?: T;
  error?: unknown;
}

/**
 * Loads whenever `key` (what to load) or `generation` (refresh) changes. Unlike `useApi`, it never
 * shows the data of a previous key: switching type or page shows a spinner, not the old rows.
 * A refresh of the same key keeps the current data on screen meanwhile.
 */
export function useKeyedLoad<T>(key: string, load: (signal: AbortSignal) => Promise<T>, generation = 0): KeyedState<T> {
  const [loaded, setLoaded] = useState<Loaded<T> | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `generation` is the refresh trigger.
  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        setLoaded({ key, data });
        setLoading(false);
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setLoaded({ key, error });
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  const current = loaded?.key === key ? loaded : null;
  return { data: current?.data, error: current?.error, loading: loading || !current };
}
