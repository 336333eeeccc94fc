'use strict';

const { codedError } = require('./errors.cjs');

/** The C library this Node runs on: `glibc <version>`, `musl`, or undefined off Linux. */
function libc() {
  if (process.platform !== 'linux') return undefined;
  const glibc = process.report?.getReport?.().header?.glibcVersionRuntime;
  return glibc ? `glibc ${glibc}` : 'musl';
}

/** The napi-rs name of this platform, as in `koa-sodium-session-<platform>`. */
function platformName() {
  const abi = { linux: libc()?.startsWith('glibc') ? 'gnu' : 'musl', win32: 'msvc' }[process.platform];
  return [process.platform, process.arch, abi].filter(Boolean).join('-');
}

/** The first line of every message in an error's `cause` chain (the napi-rs loader nests one per attempt). */
function causes(err) {
  const messages = [];
  for (let e = err?.cause; e && messages.length < 20; e = e.cause) messages.unshift(String(e.message ?? e));
  if (messages.length === 0) messages.push(String(err?.message ?? err));
  return messages.map((m) => m.split('\n')[0]);
}

/**
 * Replaces the napi-rs loader's failure (which blames an npm bug and hides the cause) with one
 * that names the platform, the files and package looked for, and what actually went wrong.
 */
function loadError(err) {
  const platform = platformName();
  const details = [
    process.platform,
    process.arch,
    libc(),
    `Node ${process.versions.node}`,
    `N-API ${process.versions.napi}`,
  ].filter(Boolean);
  const message = [
    `koa-sodium-session could not load its native addon for ${platform} (${details.join(', ')}).`,
    `It looked for native/koa-sodium-session.${platform}.node inside the package and for the package koa-sodium-session-${platform}.`,
    'Underlying errors:',
    ...causes(err).map((m) => `  - ${m}`),
    'Fixes: reinstall with optional dependencies enabled (npm install --include=optional);',
    "a 'GLIBC_2.xx not found' error above means this system's C library is older than the binary needs;",
    'with no binary for this platform, build from source with a Rust toolchain (npm run build in a checkout).',
  ].join('\n');
  const wrapped = codedError(Error, 'ERR_NATIVE_ADDON', message);
  wrapped.cause = err;
  return wrapped;
}

try {
  module.exports = require('../native/binding.cjs');
} catch (err) {
  throw loadError(err);
}
