/**
 * The README's "When a check fails" table names every check id the steps can emit (read from the
 * recipes' own source, so a new check without a row fails here).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

async function sources(dir: string): Promise<string> {
  const names = (await fs.readdir(path.join(REPO, dir))).filter((n) => n.endsWith('.ts'));
  return (await Promise.all(names.map((n) => fs.readFile(path.join(REPO, dir, n), 'utf8')))).join('\n');
}

describe('the README table of checks', () => {
  it('has a row for every check id of the recipes and the DNS checks', async () => {
    const readme = await fs.readFile(path.join(REPO, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('## When a check fails'), readme.indexOf('## The steps'));
    const recipes = `${await sources('recipes')}\n${await sources('recipes/lib')}`;
    const ids = new Set<string>();
    for (const m of recipes.matchAll(/check: '([a-z0-9.-]+)'/g)) ids.add(m[1]!);
    for (const m of recipes.matchAll(/verifyFiles\(ctx, '([a-z0-9.-]+)'/g)) ids.add(m[1]!);
    // Template ids (services.${daemon}) are listed with a placeholder: services.<daemon>.
    for (const m of recipes.matchAll(/check: `([a-z0-9.${}-]+)`/g)) ids.add(m[1]!.replace(/\$\{(\w+)\}/g, '<$1>'));
    // Config steps emit <id>.files; the runner emits <step>.plan, .apply, .verify.
    for (const m of recipes.matchAll(/configStep\(\{\s*id: '([a-z-]+)'/g)) ids.add(`${m[1]}.files`);
    ids.delete('<spec.id>.files');
    for (const m of (await fs.readFile(path.join(REPO, 'src/dns/checks.ts'), 'utf8')).matchAll(/\{ id: '([a-z-]+)', run:/g)) ids.add(m[1]!);
    ids.add('ns');
    for (const phase of ['plan', 'apply', 'verify']) ids.add(`<step>.${phase}`);
    expect(ids.size).toBeGreaterThan(30);
    const missing = [...ids].filter((id) => !table.includes(`\`${id}\``));
    expect(missing).toEqual([]);
  });
});
