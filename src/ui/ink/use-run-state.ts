/** The run as the store knows it, re-rendering on every runner event. */
import { useSyncExternalStore } from 'react';
import type { RunState, RunStore } from './store.js';

export function useRunState(store: RunStore): RunState {
  return useSyncExternalStore(store.subscribe, store.getState, store.getState);
}
