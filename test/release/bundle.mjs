#!/usr/bin/env node
/**
 * `npm run bundle`: the release, one ES module that runs with `node` alone (Node 20+), and its
 * checksum:
 *   release/mail-wizard.mjs         src/cli.ts and every package it uses, bundled by esbuild
 *   release/mail-wizard.mjs.sha256  `SHA256 (mail-wizard.mjs) = …`, the tagged line that OpenBSD's
 *                                   `sha256 -c` and GNU `sha256sum -c` both check
 * One file, no code splitting, and nothing evaluated before it is used: modules reached only
 * through `import()` stay in esbuild's lazy-init wrappers, Node's own modules load with the module
 * that imports them, and the large parts only some commands use are embedded compressed (below).
 * test/release/lazy-bundle.test.ts proves it with V8's coverage.
 *   npm run bundle -- --analyze     also prints what takes the room, module by module
 */
import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import * as zlib from 'node:zlib';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { simpleGraphemes, yogaWasmBytes } from './tui-patches.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const OUT_DIR = path.join(REPO, 'release');
const OUT = path.join(OUT_DIR, 'mail-wizard.mjs');

const { version } = JSON.parse(await fs.readFile(path.join(REPO, 'package.json'), 'utf8'));

// Ink's development mode (DEV=true in the environment) imports react-devtools-core, which is not
// installed, and reads Ink's own package.json, which is not beside the release: in the release it
// is off, whatever DEV says, and the devtools bridge (with ws) is left out.
const noDevtools = {
  name: 'no-react-devtools',
  setup(build) {
    build.onLoad({ filter: /[\\/]ink[\\/]build[\\/]utils\.js$/ }, async (args) => {
      const source = await fs.readFile(args.path, 'utf8');
      const devCheck = "process.env['DEV'] === 'true'";
      if (!source.includes(devCheck)) throw new Error(`${args.path}: Ink's DEV check has changed; update test/release/bundle.mjs`);
      return { contents: source.replace(devCheck, 'false'), loader: 'js' };
    });
    build.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (args.importer.includes(`${path.sep}ink${path.sep}`) ? { path: 'ink-devtools', namespace: 'missing' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'missing' }, () => ({
      contents: "const e = new Error('react-devtools-core is not part of the release'); e.code = 'ERR_MODULE_NOT_FOUND'; throw e;",
      loader: 'js',
    }));
  },
};

// esbuild turns every `import … from 'node:x'` into a static import at the top of the bundle, so
// each of Node's own modules used anywhere (tls, dgram, child_process, …) would load at start-up.
// Imported through a one-line CommonJS module instead, a built-in loads when the module that
// imports it is first evaluated.
const BUILTINS = new Set(builtinModules);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^[a-z0-9_:/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name)) return undefined;
      if (args.kind === 'require-call' || args.namespace === 'builtin') return { path: args.path, external: true };
      return { path: `node:${name}`, namespace: 'builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// Start-up time is mostly reading and compiling the bundle, and V8 compiles every function body
// of a module, even one that never runs. So the large parts only some commands use are built as ES
// modules of their own and carried compressed, as a string; the first `import()` of one
// decompresses and runs it. Nothing in them is compiled before that.
// Each is self-contained: it shares no module with the rest (the TUI imports only types from
// outside src/ui/ink), so one copy of each package is ever evaluated. The one exception is
// InputError, which cli.ts and the app part each have: cli.ts recognises both copies.
const EMBEDDED = [
  // The commands and all they use (src/app.ts), which cli.ts imports once it has a command to run:
  // --help and --version compile only cli.ts. The other parts are embedded inside this one
  // (nested), and each command inside stays behind its own lazy wrapper.
  { name: 'app', nested: true, match: (p, importer) => p === './app.js' && importer.endsWith(path.join('src', 'cli.ts')), entry: { entryPoints: [path.join(REPO, 'src/app.ts')] } },
  // The TUI: Ink, React, its reconciler and Yoga. run.ts imports it when a terminal draws.
  { name: 'ink-ui', match: (p, importer) => p === '../ui/ink/index.js' && importer.endsWith(path.join('src', 'commands', 'run.ts')), entry: { entryPoints: [path.join(REPO, 'src/ui/ink/index.tsx')] } },
  // node-forge: making keys and certificates (setup), not a plan or a DNS check.
  { name: 'node-forge', match: (p) => p === 'node-forge', entry: { stdin: { contents: "export { default } from 'node-forge';", resolveDir: REPO } } },
  // execa: running commands, which the demo dry-run and the DNS check never do.
  { name: 'execa', match: (p) => p === 'execa', entry: { stdin: { contents: "export * from 'execa';", resolveDir: REPO } } },
  // mailauth: DKIM, SPF and DMARC as a receiver judges them, for check delivery's verdict only.
  // The three parts verdict-auth.ts imports resolve to this one module, which exports all three.
  { name: 'mailauth', match: (p, importer) => p.startsWith('mailauth/') && importer.endsWith(path.join('src', 'delivery', 'verdict-auth.ts')), entry: { stdin: { contents: "export { dkimVerify } from 'mailauth/lib/dkim/verify.js'; export { spf } from 'mailauth/lib/spf/index.js'; export { dmarc } from 'mailauth/lib/dmarc/index.js';", resolveDir: REPO } } },
  // enquirer: the interview, when there are no answers yet.
  { name: 'enquirer', match: (p) => p === 'enquirer', entry: { stdin: { contents: "export { default } from 'enquirer';", resolveDir: REPO } } },
];

const AsyncFunction = (async () => {}).constructor;

/**
 * One embedded part as a module of the bundle: its code, compressed, run as the body of an async
 * function (top-level await, as Yoga's and Ink's modules use, keeps working) that returns its exports.
 * A function, not a data: URL module: importing one loads Node's fetch machinery and parses the
 * whole URL, which costs more than the code.
 * `hoist`, for a part inside a nested part: where its compressed code goes instead of inline. The
 * nested part's loader carries it, so that it is not compressed twice and the nested part's own
 * code, decompressed and compiled on its first import, does not carry it as a string.
 */
async function embeddedModule(part, hoist) {
  const inner = {};
  const built = await esbuild.build({
    ...part.entry,
    absWorkingDir: REPO,
    bundle: true,
    write: false,
    outfile: `${part.name}.mjs`,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // No import statement may remain: Node's modules come through the `require` it is given.
    define: { 'process.env.NODE_ENV': '"production"', 'import.meta.url': '"file:///mail-wizard.mjs"', MAIL_WIZARD_VERSION: JSON.stringify(version) },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'inline',
    // Loads of the TUI that cost more than its first frame needs (tui-patches.mjs): string-width's
    // emoji set (~11 ms of CPU) and ICU's grapheme rules (~8 ms) when needed, Yoga's wasm decoded natively.
    // A nested part embeds the other parts, whose code its loader hands it (`inner`).
    plugins: [noDevtools, simpleGraphemes, yogaWasmBytes, ...(part.nested ? [embeddedPlugin(inner)] : []), lazyBuiltins],
    metafile: true,
    logLevel: 'warning',
  });
  const esm = built.outputFiles[0].text;
  // esbuild ends an ES module with one `export{local as name,…};`: that becomes the return value.
  const tail = /export\{([^{}]*)\};\s*$/.exec(esm);
  if (!tail) throw new Error(`${part.name}: no export statement at the end of the bundle`);
  const fields = tail[1].split(',').map((spec) => {
    const [local, name = local] = spec.trim().split(/\s+as\s+/);
    return `${JSON.stringify(name)}:${local}`;
  });
  // The sourceURL names the part's code for V8 (stack traces, coverage: lazy-bundle.test.ts).
  const body = `${esm.slice(0, tail.index)}return{${fields.join(',')}};\n//# sourceURL=embedded:${part.name}`;
  new AsyncFunction('require', '__mailWizardRequire', '__mailWizardPacked', 'fetch', body); // a syntax error here, at build time, not on a server
  const packed = zlib.brotliCompressSync(Buffer.from(body), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  const base64 = (p) => `Buffer.from(${JSON.stringify(p.toString('base64'))}, 'base64')`;
  let source;
  if (hoist) {
    hoist[part.name] = packed;
    source = `__mailWizardPacked[${JSON.stringify(part.name)}]()`;
  } else {
    source = base64(packed);
  }
  const [output] = Object.values(built.metafile.outputs);
  const lines = [
    "import { brotliDecompressSync } from 'node:zlib';",
    `const body = brotliDecompressSync(${source}).toString('utf8');`,
    // The compressed code of the parts inside this one, decoded when one is first imported (in the
    // order of their names: esbuild loads them in parallel, and the release is the same every time).
    `const packed = {${Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)).map(([name, p]) => `${JSON.stringify(name)}: () => ${base64(p)}`).join(', ')}};`,
    'const AsyncFunction = (async () => {}).constructor;',
    // __mailWizardRequire: the bundle's own require (its banner). `fetch` is hidden: none of the
    // parts fetches anything, but Yoga fetches its own wasm from a data: URL when it can, which
    // loads Node's whole fetch implementation; without it, Yoga decodes the same bytes itself.
    'const m = await new AsyncFunction("require", "__mailWizardRequire", "__mailWizardPacked", "fetch", body)(__mailWizardRequire, __mailWizardRequire, packed, undefined);',
    ...output.exports.map((e) => (e === 'default' ? 'export default m.default;' : `export const ${e} = m.${e};`)),
  ];
  return { contents: lines.join('\n'), bytes: body.length, packed: packed.length };
}

/** The embedded parts of one build; `hoist`: see embeddedModule. */
const embeddedPlugin = (hoist) => ({
  name: 'embedded',
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.namespace === 'embedded') return undefined;
      const part = EMBEDDED.find((e) => e.match(args.path, args.importer));
      return part ? { path: part.name, namespace: 'embedded' } : undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'embedded' }, async (args) => {
      const { contents, bytes, packed } = await embeddedModule(EMBEDDED.find((e) => e.name === args.path), hoist);
      sizes.push(`${args.path} ${(bytes / 1024).toFixed(0)} KiB (${(packed / 1024).toFixed(0)} KiB compressed)`);
      return { contents, loader: 'js', resolveDir: REPO };
    });
  },
});
const sizes = [];

const result = await esbuild.build({
  absWorkingDir: REPO,
  entryPoints: ['src/cli.ts'],
  outfile: OUT,
  bundle: true,
  splitting: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS packages inside (react, enquirer, node-forge, dns-packet) call require() for Node's
  // own modules: give the module a real one.
  banner: { js: "import { createRequire as __mailWizardCreateRequire } from 'node:module';\nconst require = __mailWizardCreateRequire(import.meta.url);\nconst __mailWizardRequire = require;" },
  define: { MAIL_WIZARD_VERSION: JSON.stringify(version), 'process.env.NODE_ENV': '"production"' },
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'eof',
  plugins: [noDevtools, embeddedPlugin(), lazyBuiltins],
  logLevel: 'warning',
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);

if (process.argv.includes('--analyze')) console.log(await esbuild.analyzeMetafile(result.metafile));
await fs.chmod(OUT, 0o755);
const sum = createHash('sha256').update(await fs.readFile(OUT)).digest('hex');
await fs.writeFile(`${OUT}.sha256`, `SHA256 (${path.basename(OUT)}) = ${sum}\n`);
const { size } = await fs.stat(OUT);
console.log(`embedded, evaluated on first import: ${sizes.join(', ')}`);
console.log(`${path.relative(REPO, OUT)}: ${(size / 1024).toFixed(0)} KiB, version ${version}, sha256 ${sum}`);
