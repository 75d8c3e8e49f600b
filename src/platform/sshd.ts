/**
 * Which TCP ports the admin's SSH daemon listens on, so the firewall never closes the way in:
 * what `sshd -T` reports (the effective configuration, Include files and defaults applied), the
 * Port lines of sshd_config when sshd -T cannot run, and the port of the SSH session the wizard
 * itself runs in (SSH_CONNECTION: "client-ip client-port server-ip server-port", ssh(1)).
 */

export interface SshPort {
  port: number;
  /** Where the port was seen: shown next to the rule. */
  source: string;
}

function validPort(text: string | undefined): number | null {
  if (!text || !/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65_535 ? n : null;
}

/** Ports from `sshd -T` output: `port N` lines, and `listenaddress ADDR:PORT` lines that name one. */
export function portsFromSshdT(output: string): number[] {
  const ports: number[] = [];
  for (const raw of output.split('\n')) {
    const [key, value] = raw.trim().split(/\s+/, 2);
    if (key === 'port') {
      const p = validPort(value);
      if (p !== null) ports.push(p);
    } else if (key === 'listenaddress' && value) {
      // 0.0.0.0:2222, [::]:2222 (sshd -T prints every ListenAddress with its port)
      const p = validPort(/:(\d+)$/.exec(value)?.[1]);
      if (p !== null) ports.push(p);
    }
  }
  return unique(ports);
}

/** Port lines of an sshd_config text, before the first Match block (which may not apply to all). */
export function portsFromSshdConfig(text: string): number[] {
  const ports: number[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (/^match\s/i.test(line)) break;
    const m = /^port\s*(?:=\s*)?(\S+)$/i.exec(line);
    const p = validPort(m?.[1]);
    if (p !== null) ports.push(p);
  }
  return unique(ports);
}

/** The local port of the SSH session this process runs in, or null when it runs in none. */
export function sessionSshPort(env: Record<string, string | undefined> = process.env): number | null {
  const fields = (env.SSH_CONNECTION ?? '').trim().split(/\s+/);
  return fields.length === 4 ? validPort(fields[3]) : null;
}

function unique(ports: number[]): number[] {
  return [...new Set(ports)];
}
