// One process of the fleet proof: a Koa app on node:http with the session middleware of its
// phase (koa-encrypted-session, or this package with Redis-shared revocations), serving
//   POST /login  (JSON { user }): regenerate, then the user id; answers { user, views, sessionId }
//   GET  /page   counts a view;                            answers { user, views, sessionId }
//   POST /logout ctx.session = null;          answers { user, sessionId } of the session it ended
//   POST /check  (JSON { ids }): how many of those session ids this process refuses, { refused }
// with `x-node: <kind>:<phase>:<pid>` on every response. Imported, this file gives the parent's
// side, `startNode`; run, it is the process, configured over IPC. It watches its own event loop and
// reports the longest it was held up (`maxStall`, ms) when it stops.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bodyParser } from '@koa/bodyparser';
import Redis from 'ioredis';
import Koa from 'koa';
import legacySession from 'koa-encrypted-session';
import encryptedSession, { redisRevocations } from '../../index.mjs';
import { COOKIE, nodeLabel } from './phases.mjs';

const self = fileURLToPath(import.meta.url);

/**
 * The session middleware of `phase`, and its revocations (none for koa-encrypted-session).
 * @param {import('./phases.mjs').Phase} phase
 * @param {Record<string, string>} keys base64 keys by name
 * @param {{ redisUrl?: string, cluster?: { host: string, port: number }[], checkInterval?: number }} redis
 *   a Redis url, or a cluster's nodes (reached with an ioredis Cluster)
 * @param {Koa} app
 */
function sessionMiddleware(phase, keys, { redisUrl, cluster, checkInterval }, app) {
  const secretKey = phase.keys.map((name) => Buffer.from(keys[name], 'base64'));
  if (phase.kind === 'kes') return { middleware: legacySession({ key: COOKIE, secretKey: secretKey[0] }, app) };
  const target = cluster ? { client: new Redis.Cluster(cluster).on('error', () => {}) } : { url: redisUrl };
  const revocations = redisRevocations({ ...target, checkInterval, onError: (err) => app.emit('error', err) });
  const opts = { key: COOKIE, secretKey, format: phase.format, revocations, userKey: 'userId' };
  return { middleware: encryptedSession(opts, app), revocations };
}

/** The app's routes, the same in every phase. */
async function routes(ctx) {
  const route = `${ctx.method} ${ctx.path}`;
  if (route === 'POST /check') {
    ctx.body = { refused: ctx.request.body.ids.filter((id) => ctx.app.revocations?.isRevoked(id)).length };
    return;
  }
  if (route === 'POST /login') {
    await ctx.session.regenerate();
    ctx.session.userId = ctx.request.body.user;
    ctx.session.views = 0;
  } else if (route === 'POST /logout') {
    const ended = { user: ctx.session.userId ?? null, sessionId: ctx.sessionId };
    ctx.session = null;
    ctx.body = ended;
    return;
  } else if (route === 'GET /page') {
    ctx.session.views = (ctx.session.views ?? 0) + 1;
  } else {
    ctx.throw(404);
  }
  ctx.body = { user: ctx.session.userId ?? null, views: ctx.session.views, sessionId: ctx.sessionId };
}

/** Runs the process: serves once configured, and closes gracefully when told to stop. */
function serve() {
  process.once('message', async ({ index, phase, keys, ...redis }) => {
    const stalls = monitorEventLoopDelay({ resolution: 2 });
    stalls.enable();
    const app = new Koa();
    app.silent = true;
    const errors = [];
    app.on('error', (err) => errors.push(err.code ?? err.message));
    const label = nodeLabel(phase.kind, index, process.pid);
    app.use(async (ctx, next) => {
      ctx.set('x-node', label);
      await next();
    });
    const { middleware, revocations } = sessionMiddleware(phase, keys, redis, app);
    app.revocations = revocations;
    app.use(middleware);
    app.use(bodyParser({ enableTypes: ['json'] }));
    app.use(routes);
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    await revocations?.ready; // until the mirror is loaded, every session would be refused
    process.send({ port: server.address().port, label });
    process.once('message', async () => {
      server.close(); // its idle keep-alive connections too; the front sends nothing here any more
      await once(server, 'close');
      await revocations?.close();
      process.send({ errors, maxStall: stalls.max / 1e6 });
      process.once('message', () => process.exit(0)); // the parent has the errors (Deno may lose a message sent just before exit)
    });
  });
  process.on('disconnect', () => process.exit(1)); // the parent is gone: no process outlives it
}

/**
 * Starts a process serving phase `index` and waits until it accepts sessions; returns
 * `{ label, url, stop, kill }`. `stop()` closes it gracefully and resolves with `{ errors,
 * maxStall }`: the errors its app emitted (their codes), and the longest its event loop was held
 * up (ms).
 * @param {{ index: number, phase: import('./phases.mjs').Phase, keys: Record<string, string>, redisUrl?: string,
 *   cluster?: { host: string, port: number }[], checkInterval?: number }} config
 */
export async function startNode(config) {
  const child = fork(self, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = once(child, 'exit');
  let report = { errors: ['exited without reporting its errors'], maxStall: Number.NaN };
  child.on('message', (message) => {
    if (!message.errors) return;
    report = message;
    child.send('exit');
  });
  child.send(config);
  const [ready] = await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => Promise.reject(new Error(`fleet node (phase ${config.index}) exited with ${code}`))),
  ]);
  return {
    label: ready.label,
    url: `http://127.0.0.1:${ready.port}`,
    async stop() {
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      return report;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

if (process.argv[1] === self) serve();
