/**
 * No check without a way out, mechanically: every check id the code can emit (read from the
 * recipes', the engine's and the DNS checks' own source, so a new check is seen here at once)
 * must have a row in the README's "When a check fails" table, and must be in the REPAIR_COVERS
 * list of some test that breaks it for real and repairs it (or shows the manual step it names).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../../src/dns/checks/index.js';
import { WEB_CHECK_IDS } from '../../src/published/web-checks.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

async function sources(dir: string): Promise<string> {
  const names = (await fs.readdir(path.join(REPO, dir))).filter((n) => n.endsWith('.ts'));
  return (await Promise.all(names.map((n) => fs.readFile(path.join(REPO, dir, n), 'utf8')))).join('\n');
}

/** The ids as the code writes them; template ids keep their placeholder: services.<daemon>. */
async function emittedIds(): Promise<Set<string>> {
  const recipes = `${await sources('recipes')}\n${await sources('recipes/lib')}`;
  const ids = new Set<string>();
  for (const m of recipes.matchAll(/check: '([a-z0-9.-]+)'/g)) ids.add(m[1]!);
  for (const m of recipes.matchAll(/verifyFiles\(ctx, '([a-z0-9.-]+)'/g)) ids.add(m[1]!);
  for (const m of recipes.matchAll(/check(?:: |\s*=\s*)`([a-z0-9.${}-]+)`/g)) ids.add(m[1]!.replace(/\$\{(\w+)\}/g, '<$1>'));
  // Config steps emit <id>.files.
  for (const m of recipes.matchAll(/configStep\(\{\s*id: '([a-z-]+)'/g)) ids.add(`${m[1]}.files`);
  ids.delete('<spec.id>.files');
  for (const id of [...CHECK_IDS, ...WEB_CHECK_IDS]) ids.add(id);
  // The engine: the run state (src/engine/journal.ts), and a step that cannot plan, apply or verify.
  const engine = await sources('src/engine');
  for (const m of engine.matchAll(/check: `\$\{step\.id\}\.([a-z]+)`/g)) ids.add(m[1] === 'owed' ? 'services.owed' : `<step>.${m[1]}`);
  for (const phase of ['plan', 'apply', 'verify']) ids.add(`<step>.${phase}`);
  return ids;
}

/** What a placeholder stands for, to name each concrete id a break test must cover. */
const PLACEHOLDERS: Record<string, string[]> = {
  daemon: ['redis', 'rspamd', 'dovecot', 'smtpd'],
  port: ['465', '587', '993'],
};
const SMTP_PORTS = ['25', '587'];

function concrete(id: string): string[] {
  if (id.startsWith('services.smtp-<port>')) return SMTP_PORTS.map((p) => `services.smtp-${p}`);
  const m = /<(daemon|port)>/.exec(id);
  if (!m) return [id];
  return PLACEHOLDERS[m[1]!]!.flatMap((v) => concrete(id.replace(m[0], v)));
}

/** Every test file's REPAIR_COVERS list: which file breaks and repairs which ids. */
async function covered(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const walk = async (dir: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(REPO, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory() && !e.name.startsWith('.') && e.name !== 'fixtures') await walk(rel);
      else if (/\.test\.tsx?$/.test(e.name)) {
        const text = await fs.readFile(path.join(REPO, rel), 'utf8');
        const list = /export const REPAIR_COVERS\b[^=]*=\s*\[([\s\S]*?)\]/.exec(text)?.[1];
        if (list) for (const s of list.matchAll(/'([^']+)'/g)) out.set(s[1]!, [...(out.get(s[1]!) ?? []), rel]);
      }
    }
  };
  await walk('test');
  return out;
}

describe('every check id has a way out', () => {
  it('has a row in the README table', async () => {
    const readme = await fs.readFile(path.join(REPO, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## When a check fails'), readme.indexOf('## The steps'));
    const ids = await emittedIds();
    expect(ids.size).toBeGreaterThan(30);
    const missing = [...ids].filter((id) => !table.includes(`\`${id}\``) && !(id === 'services.smtp-<port>' && table.includes('`services.smtp-<port>`')));
    expect(missing).toEqual([]);
  });

  it('is broken for real and repaired (or its manual step shown) by a test that lists it in REPAIR_COVERS', async () => {
    const ids = [...(await emittedIds())].flatMap(concrete);
    const cover = await covered();
    expect(ids.filter((id) => !cover.has(id))).toEqual([]);
    // A list names only ids that exist: a renamed check does not leave a stale claim behind.
    const known = new Set(ids);
    expect([...cover.keys()].filter((id) => !known.has(id))).toEqual([]);
  });
});
