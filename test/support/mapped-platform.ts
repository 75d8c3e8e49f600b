/** A platform whose every path lives under a temp root, so real tools can check rendered files. */
import type { Platform } from '../../src/platform/types.js';

export function platformUnder(platform: Platform, root: string): Platform {
  const paths = Object.fromEntries(
    Object.entries(platform.paths).map(([k, v]) => [k, v.startsWith('/') ? `${root}${v}` : v]),
  ) as Platform['paths'];
  return { ...platform, paths };
}
