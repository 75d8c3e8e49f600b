/**
 * No package repository: the package tool has nowhere to fetch from.
 * OpenBSD: pkg_add finds its mirror in /etc/installurl (installurl(5): "created by the installer
 * script if the system is installed through an official mirror"); OpenBSD/State.pm's installpath
 * reads OpenBSD::Paths->installurl and gives up (undef) when the file cannot be opened, so without it
 * and without PKG_PATH only the current directory is searched and pkg_add says "Can't find NAME"
 * (usr.sbin/pkg_add/OpenBSD/State.pm installpath, OpenBSD/Paths.pm installurl; the message is
 * OpenBSD/AddCreateDelete.pm choose_location and OpenBSD/Handle.pm get_location).
 * Debian: no deb line in sources.list(.d) or no package lists: "Unable to locate package NAME".
 */
import type { Context } from '../engine/types.js';
import { resolverState } from './probes.js';
import { refusingResolverCause, silentResolverCause } from './resolver.js';
import type { Cause, CauseEntry } from './types.js';

const INSTALLURL = '/etc/installurl';
const NOT_FOUND = /can't find |unable to locate package|has no installation candidate|no packages? (?:found|available)|is not available/i;

async function openbsdRepository(ctx: Context): Promise<Cause | null> {
  const text = await ctx.host.readFile(INSTALLURL);
  const usable = text?.split('\n').some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (usable) return null;
  return {
    id: 'no-package-repository',
    cause: `No package repository is configured: ${INSTALLURL} ${text === null ? 'does not exist' : 'names no mirror'} (the installer writes it only when the system was installed from a mirror), so pkg_add has nowhere to fetch packages from.`,
    fix: `Name a mirror: echo https://cdn.openbsd.org/pub/OpenBSD > ${INSTALLURL} (see installurl(5)), then retry.`,
  };
}

async function debianRepository(ctx: Context): Promise<Cause | null> {
  const sources: string[] = [];
  const main = await ctx.host.readFile('/etc/apt/sources.list');
  if (main) sources.push(main);
  for (const name of (await ctx.host.listDir('/etc/apt/sources.list.d')) ?? []) {
    if (!/\.(list|sources)$/.test(name)) continue;
    const t = await ctx.host.readFile(`/etc/apt/sources.list.d/${name}`);
    if (t) sources.push(t);
  }
  const configured = sources.some((t) => t.split('\n').some((l) => /^\s*(deb\s|URIs:)/.test(l)));
  if (!configured) {
    return {
      id: 'no-package-repository',
      cause: 'No package repository is configured: /etc/apt/sources.list and /etc/apt/sources.list.d/ name no Debian mirror, so apt has nowhere to fetch packages from.',
      fix: 'Add your release\'s mirror to /etc/apt/sources.list.d/debian.sources (Types: deb, URIs: http://deb.debian.org/debian, Suites: your release, Components: main), run apt-get update, then retry.',
    };
  }
  const lists = (await ctx.host.listDir('/var/lib/apt/lists')) ?? [];
  if (!lists.some((n) => n.endsWith('_Packages') || n.includes('_Packages.'))) {
    // No lists because apt-get update could not look the mirror up: that is the cause to name.
    const state = await resolverState(ctx);
    const dns = silentResolverCause(state) ?? refusingResolverCause(state);
    if (dns) return dns;
    return {
      id: 'no-package-lists',
      cause: 'apt has a repository but no package lists: /var/lib/apt/lists holds no Packages index (apt-get update never ran, or was cleaned away), so apt knows no package by name.',
      fix: 'Run apt-get update (it must end without errors), then retry.',
    };
  }
  return null;
}

export const noPackageRepository: CauseEntry = {
  id: 'no-package-repository',
  matches: (f, text) => f.check.startsWith('packages.') && NOT_FOUND.test(text),
  probe: (ctx) => (ctx.platform.name === 'openbsd' ? openbsdRepository(ctx) : debianRepository(ctx)),
};
