/**
 * Colours by meaning, not by name, so that NO_COLOR (https://no-color.org) is honoured in one
 * place: with it set, no component asks Ink for a colour or a dim style at all.
 */
export type Tone = 'ok' | 'changed' | 'fail' | 'warn' | 'accent' | 'muted' | 'add' | 'del' | 'hunk';

export interface Palette {
  noColor: boolean;
  color(tone: Tone | undefined): string | undefined;
  dim(tone: Tone | undefined): boolean;
}

const COLORS: Record<Exclude<Tone, 'muted'>, string> = {
  ok: 'green',
  changed: 'yellow',
  fail: 'red',
  warn: 'yellow',
  accent: 'cyan',
  add: 'green',
  del: 'red',
  hunk: 'cyan',
};

export function makePalette(env: NodeJS.ProcessEnv = process.env): Palette {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return {
    noColor,
    color: (tone) => (noColor || !tone || tone === 'muted' ? undefined : COLORS[tone]),
    dim: (tone) => !noColor && tone === 'muted',
  };
}
