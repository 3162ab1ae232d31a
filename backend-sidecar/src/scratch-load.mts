import { FleetSimulator } from './simulator/index.ts';
import { InfluxDBv1Store } from './store/index.ts';
import { postAll } from './bench/load-generator.ts';
const sim = new FleetSimulator({ instances: 20, seed: 1 });
const now = Math.floor(Date.now() / 60000) * 60000; const bodies: string[] = []; let pending: any[] = []; let points = 0;
for (const t of sim.ticks(now - 7 * 86400000, now, 60000)) { pending.push(...t.samples); for (const s of t.samples) points += Object.keys(s.values).length; if (pending.length >= 2000) { bodies.push(InfluxDBv1Store.toLineProtocol(pending)); pending = []; } }
const r = await postAll('http://127.0.0.1:7811/write?precision=ms', bodies, 4);
console.log('acked points/s', Math.round(points / r.seconds));
const t0 = performance.now();
for (;;) { const h = await (await fetch('http://127.0.0.1:7811/healthz')).json() as any; if (h.backlog === 0) break; await new Promise(r => setTimeout(r, 50)); }
console.log('stored after', ((performance.now() - t0) / 1000).toFixed(1), 's more');
