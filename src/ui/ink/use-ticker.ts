/**
 * The time, ticking only while something runs (a spinner and an elapsed time need it; an idle
 * prompt does not, and a still frame keeps Ink from writing at all).
 */
import { useEffect, useState } from 'react';

export function useTicker(active: boolean, clock: () => number, intervalMs = 100): number {
  const [now, setNow] = useState(clock);
  useEffect(() => {
    setNow(clock());
    if (!active) return;
    const timer = setInterval(() => setNow(clock()), intervalMs);
    return () => clearInterval(timer);
  }, [active, clock, intervalMs]);
  return now;
}
