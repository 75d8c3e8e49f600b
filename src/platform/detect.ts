/** Which platform this is, and the facts the recipes need before they probe. */
import type { Facts } from '../engine/types.js';
import type { Host } from '../host/host.js';
import { debian } from './debian.js';
import { openbsd } from './openbsd.js';
import type { Platform, PlatformName } from './types.js';

export const PLATFORMS: Record<PlatformName, Platform> = { openbsd, debian };

export function isPlatformName(name: string): name is PlatformName {
  return name === 'openbsd' || name === 'debian';
}

/** The platform of a host from its files: OpenBSD has /bsd, Debian /etc/debian_version. */
export async function detectPlatform(host: Host): Promise<Platform | null> {
  if (await host.stat('/etc/debian_version')) return debian;
  if (process.platform === 'openbsd' || (await host.stat('/bsd'))) return openbsd;
  return null;
}

export async function gatherFacts(host: Host, platform: Platform): Promise<Facts> {
  if (platform.name === 'openbsd') return { serviceManager: 'rcctl' };
  const init = (await host.readFile('/proc/1/comm'))?.trim();
  return { serviceManager: init === 'systemd' ? 'systemctl' : 'service' };
}
