import { useCallback, useEffect, useState } from 'react';

/**
 * What `fetch` answers, read when the page opens and again on `reload()`: the last answer, a
 * loading flag and the last error's message (cleared by the next success). `fetch` must be
 * stable (useCallback), or every render would read again.
 */
export function useLoaded<T>(fetch: () => Promise<T>, initial: T) {
  const [data, setData] = useState<T>(initial);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();

  const reload = useCallback(async () => {
    setLoading(true);
    try {
      setData(await fetch());
      setError(undefined);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setLoading(false);
    }
  }, [fetch]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return { data, loading, error, reload };
}
