// Thousands of hostile cookies against a running Koa app: every answer is 200 with a fresh
// session, none is accepted, and the genuine cookie still works afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import encryptedSession, { createCodec, generateKey } from '../index.mjs';
import { KEY, makeApp } from './helpers.mjs';

const SESSION = { user: 'alice', role: 'admin', _expire: Date.now() + 864e5, _maxAge: 864e5 };
const COOKIE_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%+/=-_.!~*';

/** A small deterministic PRNG (mulberry32), so every run sends the same cookies. */
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Hostile variants of `genuine`, a cookie value: every kind the issue names, many of each. */
function hostile(genuine, rand) {
  const pick = (n) => Math.floor(rand() * n);
  const out = [];
  for (let i = 1; i < genuine.length; i += 1) out.push(genuine.slice(0, i)); // truncated
  const same = (a, b) => {
    try {
      return decodeURIComponent(a) === decodeURIComponent(b); // '%2b' for '%2B' is the same cookie
    } catch {
      return false;
    }
  };
  while (out.length < genuine.length + 800) {
    const chars = [...genuine];
    chars[pick(chars.length)] = COOKIE_SAFE[pick(COOKIE_SAFE.length)]; // one character changed
    const changed = chars.join('');
    if (!same(changed, genuine)) out.push(changed);
  }
  const raw = genuine.startsWith('v2.') ? Buffer.from(genuine.slice(3), 'base64url') : null;
  for (let i = 0; raw && i < 600; i++) {
    const flipped = Buffer.from(raw);
    flipped[pick(flipped.length)] ^= 1 << pick(8); // bit-flipped bytes
    out.push(`v2.${flipped.toString('base64url')}`);
  }
  if (!raw) {
    const [box, nonce] = genuine.split('%3B');
    out.push(
      `${nonce}%3B${box}`,
      `${box}%3B${box}`,
      `${nonce}%3B${nonce}`,
      `${box}%3B${nonce}%3B${nonce}`,
      box,
      `%3B${nonce}`,
    );
    for (let i = 0; i < 600; i++) {
      const bytes = Buffer.from(decodeURIComponent(box), 'base64');
      bytes[pick(bytes.length)] ^= 1 << pick(8);
      out.push(`${encodeURIComponent(bytes.toString('base64'))}%3B${nonce}`);
    }
  }
  for (let i = 0; i < 150; i++) {
    const length = 1 + pick(300);
    out.push(Array.from({ length }, () => COOKIE_SAFE[pick(COOKIE_SAFE.length)]).join('')); // noise
  }
  const version1 = raw && `v1.${genuine.slice(3)}`; // the unreleased first layout is not read
  out.push('A'.repeat(8193), `${genuine}${'A'.repeat(8200)}`, 'v2.', 'v3.AAAA', 'v2.!!', '%', '%%%', '%zz'); // oversized, wrong format
  if (version1) out.push(version1);
  return out;
}

describe('hostile cookies over HTTP', () => {
  let server;
  let url;
  const app = makeApp(encryptedSession, { secretKey: KEY });

  before(async () => {
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${server.address().port}/`;
  });
  after(() => server.close());

  it('answers each with 200 and a fresh session, then still accepts the genuine cookie', async (t) => {
    const rand = random(20261122);
    const cookies = [];
    for (const format of ['legacy', 'compact']) {
      const genuine = createCodec({ secretKey: KEY, format }).encode(SESSION);
      cookies.push(...hostile(genuine, rand));
      for (let i = 0; i < 100; i++) cookies.push(createCodec({ secretKey: generateKey(), format }).encode(SESSION)); // foreign keys
    }
    assert.ok(cookies.length >= 3000, `${cookies.length} hostile cookies`);
    t.diagnostic(`${cookies.length} hostile cookies sent`);

    const statuses = new Map();
    let accepted = 0;
    for (const cookie of cookies) {
      const res = await fetch(url, { headers: { cookie: `koa.sess=${cookie}` } });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const body = await res.json();
      if (body.user !== undefined || body.views !== 1) accepted++;
    }
    assert.deepEqual([...statuses], [[200, cookies.length]]);
    assert.equal(accepted, 0);

    const genuine = createCodec({ secretKey: KEY }).encode(SESSION);
    const res = await fetch(url, { headers: { cookie: `koa.sess=${genuine}` } });
    assert.equal((await res.json()).user, 'alice');
  });
});
