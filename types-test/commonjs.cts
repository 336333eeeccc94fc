// README, CommonJS: `require` returns the factory itself, with the rest as its properties.
import Koa = require('koa');
import encryptedSession = require('koa-sodium-session');
const { createCodec, generateKey } = encryptedSession;

const app = new Koa();
app.use(encryptedSession({ secretKey: process.env.SESSION_SECRET_KEY }, app));

const codec = createCodec({ secretKey: generateKey() });
const cookie: string = codec.encode({ user: 1 });
const session: Record<string, unknown> = codec.decode(cookie);

// The named exports and `default` are the same factory.
app.use(encryptedSession.encryptedSession({ secretKey: generateKey() }, app));
app.use(encryptedSession.default({ secretKey: generateKey() }, app));
const revocations: encryptedSession.Revocations = encryptedSession.memoryRevocations();
void [session, revocations];
