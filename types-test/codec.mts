// README, the codec without Koa: one cookie, or a session split across several.
import { type Codec, type CookieRefusedError, createCodec, generateKey } from 'koa-sodium-session';

const codec: Codec = createCodec({ secretKey: generateKey(), key: 'session', maxCookies: 4 });

const value: string = codec.encode({ user: 1 });
const session: Record<string, unknown> = codec.decode(value);

// Split: set every cookie returned; read them back by name.
const jar = new Map<string, string>();
for (const { name, value } of codec.encodeCookies({ user: 1, cart: [] }, 4000)) jar.set(name, value);
const again: Record<string, unknown> | undefined = codec.decodeCookies((name) => jar.get(name));

try {
  codec.decode('not a cookie');
} catch (err) {
  const { code, reason } = err as CookieRefusedError; // reason: 'authentication', 'chunks', …
  console.log(code, reason);
}
void [session, again];
