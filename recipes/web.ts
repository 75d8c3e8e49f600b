/**
 * The web server for MTA-STS and mail client autoconfig: the policy and the autoconfig file over
 * HTTPS on port 443, with the server's certificate (which the tls step makes name both web names).
 * OpenBSD: httpd(8) from base; Debian: nginx (see templates/web.ts). With MTA-STS off there is no
 * web server work; a configuration of ours left from an earlier run is removed (the admin's sites
 * are never touched).
 */
import { X509Certificate } from 'node:crypto';
import type { Action, Context, Finding, Step } from '../src/engine/types.js';
import { servesWeb } from '../src/published/mta-sts.js';
import { daemonRunning } from './lib/daemon-state.js';
import { planFiles, probeFiles, verifyFiles, type FileState, type ManagedFile } from './lib/managed-files.js';
import { insideBlock, withoutBlock } from './lib/marked-block.js';
import { runToolCheck, type ToolCheck } from './lib/tool-check.js';
import { renderHttpdConf } from './templates/acme.js';
import {
  HTTPD_WEB_BLOCK,
  NGINX_CONF,
  WEB_ROOT,
  httpdWebInclude,
  renderHttpdConfWeb,
  renderHttpdWeb,
  renderNginxWeb,
  servedFiles,
  writtenByUs,
} from './templates/web.js';

/** The web server's own configuration file of ours. */
function ownConf(ctx: Pick<Context, 'platform'>): string {
  return ctx.platform.name === 'openbsd' ? httpdWebInclude(ctx.platform.paths.httpdConf) : NGINX_CONF;
}

async function webFiles(ctx: Context): Promise<ManagedFile[]> {
  const input = { answers: ctx.answers, platform: ctx.platform, facts: ctx.facts };
  const file = (path: string, content: string, shared = false): ManagedFile => ({ path, content, mode: 0o644, owner: 'root', shared });
  const served = servedFiles(ctx.answers).map((f) => file(f.path, f.content));
  if (ctx.platform.name === 'openbsd') {
    const httpdConf = ctx.platform.paths.httpdConf;
    // With ACME the tls step writes httpd.conf first (its block: the challenges on port 80). A
    // dry-run reads the disk, not what an earlier step would write, so this step's version keeps
    // the tls block too: the plan (and its shell script) ends with both blocks either way.
    let current = await ctx.host.readFile(httpdConf);
    if (ctx.answers.tls.mode === 'acme') current = renderHttpdConf(current, ctx.platform);
    return [file(ownConf(ctx), renderHttpdWeb(input)), file(httpdConf, renderHttpdConfWeb(current, ctx.platform), true), ...served];
  }
  return [file(NGINX_CONF, renderNginxWeb(input)), ...served];
}

/** The directories the served files need, parents first. */
function webDirs(ctx: Context): string[] {
  const dirs = new Set<string>([WEB_ROOT]);
  for (const f of servedFiles(ctx.answers)) {
    const parts = f.path.slice(WEB_ROOT.length + 1).split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.add(`${WEB_ROOT}/${parts.slice(0, i).join('/')}`);
  }
  return [...dirs];
}

/**
 * The web server's own check: `nginx -t` ("test configuration and exit", nginx(8)); `httpd -n`
 * (openbsd/src usr.sbin/httpd/httpd.c main(): -n sets HTTPD_OPT_NOACTION, loads the whole
 * configuration, certificates included, prints "configuration OK" and exits 0).
 */
function configCheck(ctx: Context): ToolCheck {
  const argv = ctx.platform.name === 'openbsd' ? ['httpd', '-n'] : ['nginx', '-t'];
  return {
    check: 'web.config',
    argv,
    pass: `${argv.join(' ')}: the web server's configuration is valid`,
    fail: `the web server refuses its configuration (${argv.join(' ')})`,
    fix: `Read the line ${argv.join(' ')} names; if it is in ${ownConf(ctx)}, run \`mail-wizard repair\`.`,
  };
}

/** Files of ours left by an earlier run with MTA-STS on (only files whose header says so). */
async function leftovers(ctx: Context): Promise<{ remove: string[]; httpdConf: string | null }> {
  const remove: string[] = [];
  for (const path of [ownConf(ctx), ...servedFiles({ ...ctx.answers, mtaSts: 'testing' }).map((f) => f.path)]) {
    const text = await ctx.host.readFile(path);
    // The served files carry no header (the policy's bytes are the standard's): they live under our own root.
    if (text !== null && (path.startsWith(`${WEB_ROOT}/`) || writtenByUs(text))) remove.push(path);
  }
  let httpdConf: string | null = null;
  if (ctx.platform.name === 'openbsd') {
    const text = await ctx.host.readFile(ctx.platform.paths.httpdConf);
    if (insideBlock(text, HTTPD_WEB_BLOCK) !== null) httpdConf = withoutBlock(text, HTTPD_WEB_BLOCK) ?? '';
  }
  return { remove, httpdConf };
}

interface WebProbe {
  files: FileState[];
  running: boolean;
  /** MTA-STS off: what of ours is still there. */
  leftover: { remove: string[]; httpdConf: string | null };
}

export const webStep: Step<WebProbe> = {
  id: 'web',
  title: 'Web server (MTA-STS policy, autoconfig)',
  why: 'Sending servers fetch the MTA-STS policy over HTTPS, and mail clients their settings; both need a web server with the certificate.',
  needs: ['packages', 'tls'],
  async probe(ctx) {
    const on = servesWeb(ctx.answers);
    return {
      files: on ? await probeFiles(ctx, await webFiles(ctx)) : [],
      running: (await daemonRunning(ctx, 'httpd')).ok,
      leftover: on ? { remove: [], httpdConf: null } : await leftovers(ctx),
    };
  },
  plan(ctx, probed) {
    const { platform } = ctx;
    const service = (op: 'enable' | 'restart' | 'reload'): Action => ({ type: 'service', name: platform.services.httpd, op, argv: platform.service('httpd', op, ctx.facts), timeoutMs: 60_000 });
    if (!servesWeb(ctx.answers)) {
      const { remove, httpdConf } = probed.leftover;
      if (!remove.length && httpdConf === null) return { actions: [], reason: 'MTA-STS is off: no web server of ours' };
      const actions: Action[] = [];
      if (httpdConf !== null) actions.push({ type: 'writeFile', path: platform.paths.httpdConf, content: httpdConf, mode: 0o644, owner: 'root' });
      actions.push(...remove.map((path): Action => ({ type: 'run', argv: ['rm', '-f', path], timeoutMs: 30_000 })));
      if (probed.running) actions.push(service('reload'));
      return { actions };
    }
    const writes = planFiles(probed.files);
    const configChanged = writes.some((w) => !w.path.startsWith(`${WEB_ROOT}/`));
    if (!writes.length && probed.running) return { actions: [], reason: `the web server serves the MTA-STS policy and autoconfig from ${WEB_ROOT}` };
    const actions: Action[] = webDirs(ctx).map((path): Action => ({ type: 'mkdir', path, mode: 0o755, owner: 'root' }));
    actions.push(...writes);
    if (configChanged || !probed.running) {
      actions.push({ type: 'run', argv: configCheck(ctx).argv, timeoutMs: 30_000 }, service('enable'), service(probed.running ? 'reload' : 'restart'));
    }
    return { actions };
  },
  async verify(ctx) {
    if (!servesWeb(ctx.answers)) {
      const { remove, httpdConf } = await leftovers(ctx);
      const left = [...remove, ...(httpdConf === null ? [] : [`the ${HTTPD_WEB_BLOCK} block of ${ctx.platform.paths.httpdConf}`])];
      return [
        left.length
          ? { status: 'fail', check: 'web.files', summary: `MTA-STS is off, but mail-wizard's web files are still there: ${left.join(', ')}`, fix: 'Run `mail-wizard repair` to remove them (nothing of yours is touched).' }
          : { status: 'pass', check: 'web.files', summary: 'MTA-STS is off: no web server of ours' },
      ];
    }
    const findings: Finding[] = await verifyFiles(ctx, 'web.files', await webFiles(ctx));
    findings.push(await runToolCheck(ctx, configCheck(ctx)));
    const running = await daemonRunning(ctx, 'httpd');
    const name = ctx.platform.services.httpd;
    findings.push(
      running.ok
        ? { status: 'pass', check: 'web.running', summary: `${name} runs`, evidence: running.evidence }
        : { status: 'fail', check: 'web.running', summary: `${name} is not running`, evidence: running.evidence, fix: `Run \`mail-wizard repair\` (it starts ${name}), or \`${ctx.platform.service('httpd', 'start', ctx.facts).join(' ')}\`.` },
    );
    if (running.ok) findings.push(...(await Promise.all(servedFiles(ctx.answers).map((f) => servedSettled(ctx, f)))));
    return findings;
  },
};

/**
 * A reload is asynchronous (nginx's and httpd's old processes serve the old configuration until the
 * new ones take over), so a GET right after one may still see the old state: asked again until it
 * passes or SERVED_SETTLE_MS have gone by, and the last answer is the finding.
 */
const SERVED_SETTLE_MS = 15_000;

async function servedSettled(ctx: Context, f: ReturnType<typeof servedFiles>[number]): Promise<Finding> {
  const deadline = Date.now() + SERVED_SETTLE_MS;
  for (;;) {
    const finding = await verifyServed(ctx, f);
    if (finding.status === 'pass' || Date.now() >= deadline) return finding;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** An HTTPS GET of one file from the box itself, with the name in SNI and Host, as a sender or client asks. */
async function verifyServed(ctx: Context, f: ReturnType<typeof servedFiles>[number]): Promise<Finding> {
  const url = `https://${f.host}${f.urlPath}`;
  const r = await ctx.host.connect({ host: '127.0.0.1', port: 443, protocol: 'http', tls: 'implicit', servername: f.host, path: f.urlPath, timeoutMs: 15_000 });
  const fail = (summary: string, evidence: string): Finding => ({ status: 'fail', check: 'web.https', summary, evidence, fix: 'Run `mail-wizard repair`: it writes the file and the web server configuration again and reloads it.' });
  if (r.notProbed) return { status: 'pass', check: 'web.https', summary: `${url}: not fetched (a dry-run of a fresh box)` };
  if (!r.ok || !r.http) return fail(`${url} cannot be fetched from the box itself`, r.error ?? 'no response');
  const leaf = r.tls?.chain[0];
  let named = false;
  try {
    named = leaf !== undefined && new X509Certificate(leaf).checkHost(f.host) !== undefined;
  } catch {
    named = false;
  }
  if (!named) return fail(`${url}: the certificate served does not name ${f.host}`, leaf ? `names: ${new X509Certificate(leaf).subjectAltName ?? 'none'}` : 'no certificate');
  if (r.http.status !== 200) return fail(`${url} answers ${r.http.status}, not 200 (RFC 8461 §3.3: no redirects)`, `status ${r.http.status}${r.http.headers.location ? `, Location: ${r.http.headers.location}` : ''}`);
  const type = (r.http.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (type !== f.contentType) return fail(`${url} is served as ${type || 'no type'}, not ${f.contentType}`, `Content-Type: ${r.http.headers['content-type'] ?? 'none'}`);
  if (r.http.body !== f.content) return fail(`${url} serves other content than ${f.path}`, `${r.http.body.length} bytes served, ${f.content.length} wanted`);
  return { status: 'pass', check: 'web.https', summary: `${url} serves ${f.path} (${f.contentType}, certificate names ${f.host})` };
}
