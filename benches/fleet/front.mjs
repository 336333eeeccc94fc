// The front of the fleet: sends each request to a live process picked at random (node:http over
// keep-alive connections: a third of fetch's CPU per request here), at most `concurrency` at a
// time, and counts each process's requests in flight, so that a process taken out of the front
// can be drained before it is stopped.
import { Agent, request } from 'node:http';

/**
 * What one request came back with: who answered (`x-node`), the status, the JSON body, and the
 * session cookie's new value (`''` when cleared, undefined when not set); or `error` when it
 * failed on the network or did not answer JSON.
 * @typedef {{ node?: string, status?: number, body?: any, cookie?: string, error?: string }} Answer
 */

/** The value `name` gets from a response's Set-Cookie lines, if any. */
function setCookie(res, name) {
  const pair = (res.headers['set-cookie'] ?? [])
    .map((line) => line.split(';')[0])
    .findLast((p) => p.startsWith(`${name}=`));
  return pair?.slice(name.length + 1);
}

/** Sends one request; resolves with the response and its body as text. */
function exchange(url, { method, headers, agent, body }) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ res, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * @param {{ cookieName: string, concurrency: number }} options
 */
export function createFront({ cookieName, concurrency }) {
  /** @type {{ url: string }[]} */
  const live = [];
  /** Requests in flight per process, and who waits for that to reach 0. */
  const inFlight = new Map();
  const drains = new Map();
  /** Requests waiting for one of the `concurrency` slots. */
  const queue = [];
  let active = 0;
  // Idle connections close before the processes' own 5 s keep-alive timeout could close them
  // under a request just sent.
  const agent = new Agent({ keepAlive: true, timeout: 2000 });

  /** Waits for a free slot. */
  function slot() {
    if (active < concurrency) {
      active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }
  /** Frees a slot, or hands it straight to the next request waiting. */
  function release() {
    if (queue.length > 0) queue.shift()();
    else active--;
  }

  /** Sends the request to `node`, counting it in flight there. */
  async function send(node, path, { method = 'GET', cookie, json }) {
    inFlight.set(node, inFlight.get(node) + 1);
    try {
      const headers = cookie ? { cookie: `${cookieName}=${cookie}` } : {};
      const body = json && JSON.stringify(json);
      if (body) headers['content-type'] = 'application/json';
      const { res, text } = await exchange(node.url + path, { method, headers, agent, body });
      const answer = { node: res.headers['x-node'], status: res.statusCode, cookie: setCookie(res, cookieName) };
      try {
        return { ...answer, body: JSON.parse(text) };
      } catch {
        return { ...answer, error: `not JSON (${res.statusCode}): ${text.slice(0, 80)}` };
      }
    } catch (err) {
      return { error: err.code ? `${err.code}: ${err.message}` : err.message };
    } finally {
      const left = inFlight.get(node) - 1;
      inFlight.set(node, left);
      if (left === 0) drains.get(node)?.();
    }
  }

  return {
    /** Puts `node` ({ url }) behind the front. */
    add(node) {
      inFlight.set(node, 0);
      live.push(node);
    },
    /** Takes `node` out of the front; resolves once its requests in flight have finished. */
    remove(node) {
      live.splice(live.indexOf(node), 1);
      if (inFlight.get(node) === 0) return Promise.resolve();
      return new Promise((resolve) => drains.set(node, resolve));
    },
    /**
     * Sends a request to a live process picked at random once a slot is free.
     * @param {string} path
     * @param {{ method?: string, cookie?: string, json?: object }} [init]
     * @returns {Promise<Answer>}
     */
    async request(path, init = {}) {
      await slot();
      try {
        return await send(live[Math.floor(Math.random() * live.length)], path, init);
      } finally {
        release();
      }
    },
    /**
     * Sends a request to `node` (one behind the front) once a slot is free.
     * @param {{ url: string }} node
     * @param {string} path
     * @param {{ method?: string, cookie?: string, json?: object }} [init]
     * @returns {Promise<Answer>}
     */
    async requestTo(node, path, init = {}) {
      await slot();
      try {
        return await send(node, path, init);
      } finally {
        release();
      }
    },
    /** Closes the front's connections. */
    close() {
      agent.destroy();
    },
  };
}
