/** The JSON renderer: one runner event per line (JSON Lines), for scripts and other tools. */
import type { Listener } from '../../engine/events.js';

export function jsonRenderer(write: (line: string) => void): Listener {
  return (event) => write(JSON.stringify(event));
}
