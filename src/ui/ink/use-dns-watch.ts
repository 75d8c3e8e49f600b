/**
 * Re-checks the published DNS records while the DNS step waits on the person (its failure menu,
 * or while it runs): one call at a time, the next one `intervalMs` after the last ended; stops
 * when the step is left or the UI unmounts. A check that throws becomes one line, never a crash.
 */
import { useEffect, useRef, useState } from 'react';
import type { PublishedSnapshot } from '../../dns/doctor.js';
import type { DnsWatch } from './DnsRecords.js';

export const DNS_INTERVAL_MS = 5000;

export type WatchDns = () => Promise<PublishedSnapshot>;

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').trim() || 'unknown error';
}

export function useDnsWatch(active: boolean, watchDns: WatchDns | undefined, intervalMs: number, clock: () => number): DnsWatch | null {
  const [watch, setWatch] = useState<DnsWatch | null>(null);
  // The call under way, if any: a watch restarted while it runs waits for it (never two at once).
  const inFlight = useRef<Promise<unknown> | null>(null);
  const clockRef = useRef(clock);
  clockRef.current = clock;

  useEffect(() => {
    if (!active || !watchDns) return;
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setWatch((w) => w ?? { intervalMs });
    const check = async () => {
      timer = undefined;
      while (inFlight.current) await inFlight.current;
      if (!alive) return;
      const call = (async () => watchDns())();
      const mine = call.then(
        () => undefined,
        () => undefined,
      );
      inFlight.current = mine;
      try {
        const snapshot = await call;
        if (alive) setWatch({ snapshot, checkedAt: clockRef.current(), intervalMs });
      } catch (err) {
        if (alive) setWatch((w) => ({ ...w, error: oneLine(err), checkedAt: clockRef.current(), intervalMs }));
      } finally {
        if (inFlight.current === mine) inFlight.current = null;
      }
      if (alive) timer = setTimeout(() => void check(), intervalMs);
    };
    void check();
    return () => {
      alive = false;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [active, watchDns, intervalMs]);

  return active && watchDns ? watch : null;
}
