// In a fleet that still runs koa-encrypted-session 3.0.7 next to this package, legacy cookies
// keep their metadata through its nodes; once no node runs it, acceptKoaEncryptedSession: false
// refuses every cookie it sealed last, closing what its nodes could do with the metadata.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import legacySession from 'koa-encrypted-session';
import encryptedSession from '../index.mjs';
import { get, KEY, makeApp, sessionCookie } from './helpers.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A koa-encrypted-session node whose app copies the query into the session and echoes it. */
const theirs = makeApp(legacySession, { secretKey: KEY }, (ctx) => {
  Object.assign(ctx.session, ctx.query);
  ctx.body = ctx.session.toJSON();
});

describe('mixed fleet: metadata through koa-encrypted-session nodes', () => {
  it('a session keeps its issue time through an old node, so maxLifetime still ends it', async () => {
    const ours = makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 300 });
    let cookie = sessionCookie(await get(ours));
    cookie = sessionCookie(await get(theirs, '/?note=x', cookie)); // re-sealed by the old node
    assert.equal((await get(ours, '/', cookie)).body.views, 2);
    await sleep(350);
    assert.equal((await get(ours, '/', cookie)).body.views, 1);
  });

  it('an old node can plant one session’s metadata into another; acceptKoaEncryptedSession: false refuses it', async () => {
    const migrating = makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 300 });
    const migrated = makeApp(encryptedSession, { secretKey: KEY, maxLifetime: 300, acceptKoaEncryptedSession: false });
    const old = sessionCookie(await get(migrating));
    await sleep(350);
    // A fresh session's metadata, shown as session data by the old node, planted into the old one.
    const { body } = await get(theirs, '/', sessionCookie(await get(migrating)));
    const planted = sessionCookie(await get(theirs, `/?$kss=${encodeURIComponent(body.$kss)}`, old));
    assert.equal((await get(migrating, '/', planted)).body.views, 2, 'the known gap while old nodes serve');
    const rejected = once(migrated, 'session:rejected');
    assert.equal((await get(migrated, '/', planted)).body.views, 1);
    assert.equal((await rejected)[0].reason, 'metadata');
  });

  it('acceptKoaEncryptedSession: false refuses cookies koa-encrypted-session sealed, and keeps ours', async () => {
    const migrated = makeApp(encryptedSession, { secretKey: KEY, acceptKoaEncryptedSession: false });
    assert.equal((await get(migrated, '/', sessionCookie(await get(theirs, '/?views=5')))).body.views, 1);
    const ours = sessionCookie(await get(migrated));
    assert.equal((await get(migrated, '/', ours)).body.views, 2);
    assert.throws(() => makeApp(encryptedSession, { secretKey: KEY, acceptKoaEncryptedSession: 'no' }), {
      code: 'ERR_OPTION_VALUE',
    });
  });
});
