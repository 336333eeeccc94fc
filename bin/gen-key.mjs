#!/usr/bin/env node
import { generateKey } from '../index.mjs';

const USAGE = 'usage: gen-key [--base64 | --base64url | --hex]';
const HELP = `${USAGE}

Prints a fresh random 32-byte secret key for koa-sodium-session, then a newline.
  --base64     standard base64 (default), as secretKey accepts it
  --base64url  url-safe base64 without padding, also accepted as secretKey
  --hex        hexadecimal; pass it as Buffer.from(key, 'hex')
  -h, --help   this text`;

const ENCODINGS = { '--base64': 'base64', '--base64url': 'base64url', '--hex': 'hex' };

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
} else if (args.length > 1 || (args.length === 1 && !(args[0] in ENCODINGS))) {
  console.error(`gen-key: unknown or extra argument: ${args.join(' ')}\n${USAGE}`);
  process.exitCode = 2;
} else {
  const key = generateKey();
  process.stdout.write(`${key.toString(ENCODINGS[args[0] ?? '--base64'])}\n`);
  key.fill(0);
}
