/**
 * What the person is looking at (as opposed to what the run did): the step selected after the
 * run, the details toggle, the summary/step screen, and the panel's scroll. The scroll belongs to
 * one panel content (its key): new content starts at the top without an effect resetting it.
 */
export interface View {
  selected: number | null;
  details: boolean;
  screen: 'summary' | 'step';
  scroll: { key: string; offset: number };
}

export type ViewAction =
  | { type: 'select'; delta: number; count: number }
  | { type: 'scroll'; key: string; delta: number; max: number }
  | { type: 'details'; on?: boolean }
  | { type: 'screen'; screen?: View['screen'] };

export const initialView: View = { selected: null, details: false, screen: 'summary', scroll: { key: '', offset: 0 } };

export function offsetFor(view: View, key: string): number {
  return view.scroll.key === key ? view.scroll.offset : 0;
}

export function reduceView(view: View, action: ViewAction): View {
  switch (action.type) {
    case 'select': {
      if (action.count === 0) return view;
      const from = view.selected ?? (action.delta > 0 ? -1 : action.count);
      const selected = Math.min(action.count - 1, Math.max(0, from + action.delta));
      return { ...view, selected, screen: 'step' };
    }
    case 'scroll': {
      const offset = Math.min(action.max, Math.max(0, offsetFor(view, action.key) + action.delta));
      return { ...view, scroll: { key: action.key, offset } };
    }
    case 'details':
      return { ...view, details: action.on ?? !view.details };
    case 'screen':
      return { ...view, screen: action.screen ?? (view.screen === 'summary' ? 'step' : 'summary'), selected: view.selected ?? 0 };
  }
}
