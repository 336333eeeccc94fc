// A project without @types/koa (the codec in another framework, say), with skipLibCheck as most
// projects have it: the package's own options are still checked, nothing of theirs is `any`.
import { createCodec, encryptedStore, generateKey, memoryRevocations } from 'koa-sodium-session';

const codec = createCodec({ secretKey: generateKey(), key: 'session', format: 'compact', maxCookies: 2 });
const cookies: { name: string; value: string }[] = codec.encodeCookies({ user: 1 }, 4000);
const session: Record<string, unknown> | undefined = codec.decodeCookies(
  (name) => cookies.find((cookie) => cookie.name === name)?.value,
);
const revocations = memoryRevocations({ horizon: 864e5 });
void [session, revocations.isRevoked('AAAAAAAAAAAAAAAAAAAAAA')];

// @ts-expect-error format takes 'legacy' or 'compact' only
createCodec({ secretKey: generateKey(), format: 'json' });
// @ts-expect-error a typo of maxCookies
createCodec({ secretKey: generateKey(), maxCookie: 2 });
// @ts-expect-error decode returns an object, not text
const text: string = codec.decode('x');
// @ts-expect-error a store needs destroy
encryptedStore({ get() {}, set() {} }, { secretKey: generateKey() });
void text;
