/** What the record parsers report: each problem with the severity a check turns into a status. */
export interface Problem {
  severity: 'fail' | 'warn';
  message: string;
  /** What kind of problem, for code that must tell them apart (e.g. 'syntax' makes SPF a permerror). */
  code?: string;
}

export function worst(problems: readonly Problem[]): 'pass' | 'warn' | 'fail' {
  if (problems.some((p) => p.severity === 'fail')) return 'fail';
  return problems.length > 0 ? 'warn' : 'pass';
}

/** A TXT value that a person typed with its quotes into a panel that adds quotes itself. */
export function hasLiteralQuotes(value: string): boolean {
  return value.includes('"');
}

/** The value with literal quotes and surrounding blanks removed: what the person meant. */
export function withoutQuotes(value: string): string {
  return value.replace(/"/g, '').trim();
}

/**
 * Splits a tag list (DKIM RFC 6376 §3.2, DMARC RFC 9989): `tag=value; tag=value;`, blanks allowed
 * around each part. Returns the tags in order and the parts that are not `tag=value`.
 */
export function parseTagList(value: string): { tags: Array<[string, string]>; bad: string[] } {
  const tags: Array<[string, string]> = [];
  const bad: string[] = [];
  const parts = value.split(';');
  parts.forEach((part, i) => {
    const p = part.trim();
    if (p === '') {
      // a trailing ';' is allowed; an empty part in the middle is not
      if (i !== parts.length - 1) bad.push('(empty)');
      return;
    }
    const eq = p.indexOf('=');
    if (eq <= 0) {
      bad.push(p);
      return;
    }
    const name = p.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) {
      bad.push(p);
      return;
    }
    tags.push([name, p.slice(eq + 1).trim()]);
  });
  return { tags, bad };
}
