/** Setup in a terminal: each user who has no account yet is offered a password, typed twice, hidden. */
import type { Host } from '../host/host.js';
import { askPassword } from './password.js';

export async function offerPasswords(users: readonly string[], host: Host): Promise<Map<string, string>> {
  const passwords = new Map<string, string>();
  for (const name of users) {
    if (await host.user(name)) continue;
    const password = await askPassword(name);
    if (password !== null) passwords.set(name, password);
  }
  return passwords;
}
