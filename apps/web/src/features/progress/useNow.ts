import { useEffect, useState } from 'react';

/** The time now, renewed every `everyMs` while `ticking` (durations and heartbeats age by it). */
export function useNow(everyMs: number, ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return undefined;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, everyMs);
    return () => {
      clearInterval(timer);
    };
  }, [everyMs, ticking]);
  return now;
}
