// The CommonJS view of the same types: `require` gives the factory with the named exports on it.
import encryptedSession = require('koa-sodium-session');
import Koa = require('koa');

const app = new Koa();
app.use(encryptedSession({ secretKey: encryptedSession.generateKey() }, app));
app.use(encryptedSession.encryptedSession({ secretKey: encryptedSession.generateKey() }, app));
const codec = encryptedSession.createCodec({ secretKey: encryptedSession.generateKey(), format: 'legacy' });
const text: string = codec.encode({});
void text;
const revocations: encryptedSession.Revocations = encryptedSession.memoryRevocations();
void revocations.revoke('AAAAAAAAAAAAAAAAAAAAAA');
