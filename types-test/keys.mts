// README, keys: a fresh key, a passphrase's key derived once at start-up, and rotation (the
// first key seals, any opens).
import Koa from 'koa';
import encryptedSession, { deriveKey, generateKey } from 'koa-sodium-session';

const app = new Koa();
const fresh: Buffer = generateKey();
console.log(fresh.toString('base64')); // what `npx gen-key` prints

// A koa-encrypted-session passphrase: derive its key once instead of at every start of a worker.
const derived: Buffer = await deriveKey(process.env.SESSION_SECRET ?? '', 'sixteen-byte-slt');
app.use(encryptedSession({ secretKey: [fresh, derived] }, app)); // newest first

// Or the passphrase itself, as koa-encrypted-session takes it (derived in the background).
app.use(encryptedSession({ secret: process.env.SESSION_SECRET, salt: 'sixteen-byte-slt' }, app));
