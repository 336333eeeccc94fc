// One contender of the pipeline benchmark, in its own process: runs requests through the Koa
// context, the session middleware and the handler, without HTTP (no socket, no parsing, nothing
// written). Arguments: contender name, session data size, requests to time. Prints µs per request
// and how many cookies the last response set.
import http from 'node:http';
import net from 'node:net';
import compose from 'koa-compose';
import { sessionApp } from './session-apps.mjs';

const [name, size, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const app = sessionApp(name);
const handle = compose(app.middleware);
const socket = new net.Socket(); // never connected: nothing is read from it or written to it
let cookie = '';
let cookies = 0;

/** One request carrying the last response's cookies; keeps the cookies this response sets. */
async function request() {
  const req = new http.IncomingMessage(socket);
  Object.assign(req, { method: 'GET', url: `/?size=${size}`, headers: cookie ? { cookie } : {} });
  const res = new http.ServerResponse(req);
  const ctx = app.createContext(req, res);
  await handle(ctx);
  const set = res.getHeader('set-cookie') ?? [];
  if (ctx.status !== 200 || set.length === 0) {
    throw new Error(`${name}: expected 200 and a session cookie, got ${ctx.status} and ${set.length} cookies`);
  }
  cookie = set.map((line) => line.slice(0, line.indexOf(';'))).join('; ');
  cookies = set.length;
}

await request();
for (let i = 0; i < count; i++) await request(); // warm-up
const start = process.hrtime.bigint();
for (let i = 0; i < count; i++) await request();
console.log(JSON.stringify({ us: Number(process.hrtime.bigint() - start) / count / 1000, cookies }));
process.exit(0); // a store's connection (the Redis contender) would keep the process alive
