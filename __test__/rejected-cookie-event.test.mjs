// A refused cookie is reported with session:rejected { ctx, reason }, never with its contents.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import encryptedSession, { createCodec, generateKey } from '../index.mjs';
import { get, KEY, makeApp } from './helpers.mjs';

describe('session:rejected', () => {
  const cases = {
    malformed: 'garbage',
    authentication: createCodec({ secretKey: generateKey() }).encode({ user: 'mallory' }),
    oversized: 'A'.repeat(9000),
  };
  for (const [reason, cookie] of Object.entries(cases)) {
    it(reason, async () => {
      const app = makeApp(encryptedSession, { secretKey: KEY });
      const event = once(app, 'session:rejected');
      await get(app, '/some/path', `koa.sess=${cookie}`).expect(200);
      const [data] = await event;
      assert.deepEqual(Object.keys(data).sort(), ['ctx', 'reason']);
      assert.equal(data.reason, reason);
      assert.equal(data.ctx.path, '/some/path');
    });
  }

  it('is not emitted for a genuine cookie', async () => {
    const app = makeApp(encryptedSession, { secretKey: KEY });
    let emitted = 0;
    app.on('session:rejected', () => emitted++);
    await get(app, '/', `koa.sess=${createCodec({ secretKey: KEY }).encode({ views: 1 })}`).expect(200);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(emitted, 0);
  });
});
