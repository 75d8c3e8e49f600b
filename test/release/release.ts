/**
 * The release file (release/mail-wizard.mjs, made by `npm run bundle`, which `npm test` runs
 * first) for the tests that run it: refused when it is missing or older than the sources, so that
 * a test never passes on a stale bundle.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const RELEASE = path.join(REPO, 'release/mail-wizard.mjs');

/** Newest modification time (ms) of the files the bundle is made from. */
function newestSource(): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (p: string): void => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(p)) visit(path.join(p, name));
    } else if (stat.mtimeMs > newest.mtimeMs) {
      newest = { file: p, mtimeMs: stat.mtimeMs };
    }
  };
  for (const p of ['src', 'recipes', 'package.json', 'package-lock.json', 'test/release/bundle.mjs', 'test/release/tui-patches.mjs', 'test/release/simple-graphemes.mjs']) visit(path.join(REPO, p));
  return newest;
}

/** The release file's path, once it is known to be there and newer than every source. */
export function freshRelease(): string {
  if (!fs.existsSync(RELEASE)) throw new Error(`${RELEASE} is missing: run npm run bundle (npm test does)`);
  const newest = newestSource();
  if (fs.statSync(RELEASE).mtimeMs < newest.mtimeMs) {
    throw new Error(`${RELEASE} is older than ${path.relative(REPO, newest.file)}: run npm run bundle (npm test does)`);
  }
  return RELEASE;
}

/**
 * The code of the bundle and of each embedded part in it (test/release/bundle.mjs), by the URL V8
 * gives it: the bundle's file URL, and `embedded:<name>` (the part's sourceURL) for a part,
 * decompressed as the bundle would, parts inside parts included.
 */
export function bundleScripts(bundle: string): Map<string, string> {
  const scripts = new Map([[`file://${fs.realpathSync(bundle)}`, fs.readFileSync(bundle, 'utf8')]]);
  const visit = (code: string): void => {
    for (const [, packed] of code.matchAll(/Buffer\.from\("([A-Za-z0-9+/=]+)","base64"\)/g)) {
      const body = zlib.brotliDecompressSync(Buffer.from(packed!, 'base64')).toString('utf8');
      const name = /\/\/# sourceURL=(embedded:[\w-]+)$/.exec(body)?.[1];
      if (!name) throw new Error('an embedded part without its sourceURL: update release.ts with bundle.mjs');
      scripts.set(name, body);
      visit(body);
    }
  };
  visit(scripts.values().next().value!);
  return scripts;
}

/** The names of the module wrappers in one script's code (see evaluatedModules). */
export function moduleWrappers(code: string): Set<string> {
  return new Set([...code.matchAll(/"([^"\s]+)"\((?:exports(?:,module)?)?\)\{/g)].map((m) => m[1]!));
}

/**
 * The bundle's modules that were evaluated in a run made with NODE_V8_COVERAGE=coverageDir.
 * esbuild wraps each lazily evaluated module in an init function named after the module's path
 * ("node_modules/…", "src/…", "embedded:ink-ui"), in the bundle and inside each embedded part;
 * V8's coverage counts the calls of each, per script.
 */
export function evaluatedModules(coverageDir: string, bundle: string): Set<string> {
  const wrappers = new Map<string, Set<string>>();
  for (const [url, code] of bundleScripts(bundle)) {
    wrappers.set(url, moduleWrappers(code));
  }
  const ran = new Set<string>();
  for (const name of fs.readdirSync(coverageDir)) {
    const { result } = JSON.parse(fs.readFileSync(path.join(coverageDir, name), 'utf8')) as {
      result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[];
    };
    for (const script of result) {
      const names = wrappers.get(script.url);
      if (!names) continue;
      for (const fn of script.functions) if (names.has(fn.functionName) && (fn.ranges[0]?.count ?? 0) > 0) ran.add(fn.functionName);
    }
  }
  return ran;
}
