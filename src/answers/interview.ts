/**
 * The interview: the schema's questions one at a time with enquirer, each validated as it is typed,
 * defaults from what is already known. Runs before any checklist is drawn (enquirer and Ink must
 * not read stdin at the same time).
 */
import enquirer from 'enquirer';
import { FIELDS, type Answers, type FieldSpec } from './schema.js';
import { checkConfigEmail, checkConfigPath, checkDomainName, checkIPv4, checkIPv6, checkMtaSts, checkSelector, checkRelayHost, checkUnixUser, validateAnswers } from './validate.js';

type Draft = Partial<Record<keyof Answers, string>>;

function suggestion(field: FieldSpec, draft: Draft): string {
  switch (field.key) {
    case 'hostname':
      return draft.domain ? `mail.${draft.domain}` : '';
    case 'postmaster':
      return draft.users?.split(',')[0]?.trim() ?? '';
    case 'dkimSelector':
      return `mail${new Date().getFullYear()}`;
    case 'dmarcPolicy':
      return 'quarantine';
    case 'dmarcReports':
      return draft.domain ? `postmaster@${draft.domain}` : '';
    case 'tls':
      return 'acme';
    case 'mtaSts':
      // an existing certificate cannot be made to name mta-sts.<domain> by mail-wizard
      return draft.tls?.startsWith('existing') ? 'off' : 'testing';
    default:
      return '';
  }
}

/** The same rules as the file's validation, for one typed value: true or the problem. */
function validateField(key: keyof Answers, value: string, draft: Draft): true | string {
  const v = value.trim();
  const problem = (p: string | null) => (p ? `${JSON.stringify(v)} ${p}` : true);
  if (v === '' && FIELDS.find((f) => f.key === key)?.optional) return true;
  switch (key) {
    case 'domain':
    case 'hostname':
      return problem(checkDomainName(v));
    case 'ipv4':
      return problem(checkIPv4(v));
    case 'ipv6':
      return problem(checkIPv6(v));
    case 'users': {
      const names = v.split(',').map((s) => s.trim()).filter(Boolean);
      if (names.length === 0) return 'give at least one user name';
      for (const n of names) {
        const p = checkUnixUser(n);
        if (p) return `${JSON.stringify(n)} ${p}`;
      }
      return true;
    }
    case 'postmaster': {
      if (v.includes('@')) return problem(checkConfigEmail(v));
      const users = (draft.users ?? '').split(',').map((s) => s.trim());
      return users.includes(v) ? true : `${JSON.stringify(v)} is neither one of the users (${users.join(', ')}) nor an email address`;
    }
    case 'dkimSelector':
      return problem(checkSelector(v));
    case 'dkimPublished': // written by `dkim rotate`, never asked
      return true;
    case 'dmarcPolicy':
      return ['none', 'quarantine', 'reject'].includes(v) ? true : 'none, quarantine or reject';
    case 'dmarcReports':
      return problem(checkConfigEmail(v));
    case 'mtaSts':
      return problem(checkMtaSts(v, draft.tls ?? ''));
    case 'aliases':
      return true; // kept by `mail-wizard alias`, never asked
    case 'tls': {
      if (['acme', 'self-signed'].includes(v)) return true;
      if (!v.startsWith('existing ')) return 'acme, self-signed, or "existing CERT_PATH KEY_PATH"';
      const paths = v.split(/\s+/).slice(1);
      if (paths.length !== 2) return 'give both paths: "existing CERT_PATH KEY_PATH"';
      for (const p of paths) {
        const bad = checkConfigPath(p);
        if (bad) return `${JSON.stringify(p)} ${bad}`;
      }
      return true;
    }
    case 'relayHost': // file-only: never asked, checked the same way if it ever is
      return problem(checkRelayHost(v));
  }
}

function toRaw(draft: Draft): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(draft)) {
    const v = (value ?? '').trim();
    if (v === '') continue;
    if (key === 'users') raw.users = v.split(',').map((s) => s.trim()).filter(Boolean);
    else if (key === 'tls' && v.startsWith('existing ')) {
      const [, cert, keyPath] = v.split(/\s+/);
      raw.tls = { mode: 'existing', cert, key: keyPath };
    } else raw[key] = v;
  }
  return raw;
}

function fromAnswers(a: Partial<Answers>): Draft {
  const d: Draft = {};
  for (const f of FIELDS) {
    const v = a[f.key];
    if (v === undefined) continue;
    if (f.key === 'users') d.users = (v as string[]).join(', ');
    else if (f.key === 'tls') {
      const t = v as Answers['tls'];
      d.tls = t.mode === 'existing' ? `existing ${t.cert} ${t.key}` : t.mode;
    } else d[f.key] = String(v);
  }
  return d;
}

export async function interview(previous: Partial<Answers> = {}): Promise<Answers> {
  const draft = fromAnswers(previous);
  for (const field of FIELDS) {
    const { value } = await enquirer.prompt<{ value: string }>({
      type: 'input',
      name: 'value',
      message: field.question,
      footer: () => `  ${field.why}`,
      initial: draft[field.key] ?? suggestion(field, draft),
      validate: (v: string) => validateField(field.key, v, draft),
    } as Parameters<typeof enquirer.prompt>[0]);
    draft[field.key] = value;
  }
  const result = validateAnswers(toRaw(draft));
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.answers;
}
