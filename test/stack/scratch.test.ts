import { it } from 'vitest';
import { startTestHost, ok } from './testhost.js';
it('scratch', async () => {
  const h = await startTestHost();
  try {
    let t = performance.now();
    const lap = (s: string) => { console.log(s, Math.round(performance.now() - t)); t = performance.now(); };
    const srv = h.exec(['node', '-e', `const s=require('net').createServer(c=>{c.on('data',d=>{process.stdout.write(String(d));c.end('hi');s.close()})});s.listen(2525,'198.51.100.25',()=>console.error('listening'))`], { timeoutMs: 20000 });
    await new Promise(r => setTimeout(r, 1000)); lap('wait');
    console.log(await h.execOutside(['sh','-c','echo ping | nc -w2 198.51.100.25 2525; echo rc=$?'])); lap('nc');
    console.log(await srv); lap('srv');
    console.log(await h.exec(['ip','-6','addr'])); 
    console.log(await h.execOutside(['ip','-6','route']));
  } finally { await h.stop(); }
}, 60000);
