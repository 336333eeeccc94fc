// Writes benchmark results into BENCHMARKS.md, one `## Section` per benchmark, under a header
// that names the machine, Node and library versions and the date.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, totalmem } from 'node:os';

const file = new URL('../BENCHMARKS.md', import.meta.url);
const require = createRequire(import.meta.url);
const version = (name) => require(`${name}/package.json`).version;

/** The header: what ran, where, when. */
function header() {
  const cpu = cpus();
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench`, `npm run soak` and `npm run fleet`; numbers from one machine, measured side by side in one run.',
    '',
    `- machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}-${process.arch}`,
    `- Node ${process.versions.node}; koa-sodium-session ${require('../package.json').version}`,
    `- koa ${version('koa')}, koa-session ${version('koa-session')}, koa-encrypted-session ${version('koa-encrypted-session')}, sodium-native ${version('sodium-native')}`,
    `- updated ${new Date().toISOString().slice(0, 10)}`,
  ].join('\n');
}

/** Replaces (or adds) the section `## title` with `body`, refreshing the header. */
export async function recordSection(title, body) {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {}
  const sections = new Map();
  for (const part of text.split(/^## /m).slice(1)) {
    const [name, ...rest] = part.split('\n');
    sections.set(name.trim(), rest.join('\n').trim());
  }
  sections.set(title, body.trim());
  const out = [header(), ...[...sections].map(([name, content]) => `## ${name}\n\n${content}`)].join('\n\n');
  writeFileSync(file, `${out}\n`);
}
