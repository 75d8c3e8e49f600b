/**
 * Portable sources: no two tracked paths (files or the folders above them) may differ only in
 * case. A checkout on a case-insensitive file system (macOS, Windows) keeps one of them, and a
 * bundler resolving `./Lines.js` may silently pick `./lines.ts`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Groups of spellings that name the same path ignoring case, each group sorted. */
function caseCollisions(paths: readonly string[]): string[][] {
  const spellings = new Map<string, Set<string>>();
  for (const file of paths) {
    const parts = file.split('/');
    // The file and every folder above it: `A/x` and `a/y` collide in their folder.
    for (let i = 1; i <= parts.length; i++) {
      const spelled = parts.slice(0, i).join('/');
      const key = spelled.toLowerCase();
      spellings.set(key, (spellings.get(key) ?? new Set()).add(spelled));
    }
  }
  return [...spellings.values()].filter((s) => s.size > 1).map((s) => [...s].sort());
}

describe('tracked paths', () => {
  it('are all different ignoring case', () => {
    const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(tracked.length).toBeGreaterThan(50);
    expect(caseCollisions(tracked)).toEqual([]);
  });

  it('(the check finds files and folders that differ only in case)', () => {
    expect(caseCollisions(['src/ui/ink/Lines.tsx', 'src/ui/ink/lines.tsx', 'src/ui/ink/lines.ts'])).toEqual([['src/ui/ink/Lines.tsx', 'src/ui/ink/lines.tsx']]);
    expect(caseCollisions(['test/A/x.ts', 'test/a/y.ts'])).toEqual([['test/A', 'test/a']]);
    expect(caseCollisions(['src/a.ts', 'src/b.ts'])).toEqual([]);
  });
});
