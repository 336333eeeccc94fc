// The demo's development session key, kept in a git-ignored file so that sessions survive a
// restart without SESSION_SECRET_KEY. Production needs its own key, never this file.
import { readFileSync, writeFileSync } from 'node:fs';
import { generateKey } from '../../index.mjs';

/**
 * The key in `path` (base64, as `npx gen-key` prints it), made and written there first, readable
 * by the owner only (mode 0600), when the file does not exist yet.
 * @param {string} path
 * @returns {{ key: string, created: boolean }}
 */
export function developmentKey(path) {
  try {
    return { key: readFileSync(path, 'utf8').trim(), created: false };
  } catch (err) {
    if (err.code !== 'ENOENT') throw err;
  }
  const key = generateKey().toString('base64');
  writeFileSync(path, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true };
}
