// A tiny SMTP sink for the "internet" side of the stack test: accepts every message and writes it
// to DIR/<n>.eml. Runs on the outside machine's node; listens on the address given.
import { createServer } from 'node:net';
import { writeFileSync, mkdirSync } from 'node:fs';

const [host = "0.0.0.0", port = "25", dir = "/var/sink"] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
let count = 0;
createServer((socket) => {
  let buffer = '';
  let data = null;
  const say = (line) => socket.write(`${line}\r\n`);
  say('220 sink.elsewhere.test ESMTP sink');
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    for (;;) {
      if (data !== null) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end < 0) return;
        data += buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 5);
        writeFileSync(`${dir}/${++count}.eml`, data.replace(/^\.\./gm, '.'));
        data = null;
        say('250 2.0.0 queued');
        continue;
      }
      const i = buffer.indexOf('\r\n');
      if (i < 0) return;
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') say('250 sink.elsewhere.test');
      else if (verb === 'DATA') { data = ''; say('354 go ahead'); }
      else if (verb === 'QUIT') { say('221 bye'); socket.end(); return; }
      else say('250 ok');
    }
  });
  socket.on('error', () => {});
}).listen(Number(port), host, () => console.log('ready'));
