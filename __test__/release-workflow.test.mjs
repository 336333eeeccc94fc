// Every package the release workflow publishes carries npm provenance, the platform packages (the
// binaries themselves) included. The workflow cannot run here, so this reads it: every step that
// publishes (an `npm publish`, or `napi prepublish`, which runs a bare `npm publish` in each
// platform package) must have provenance asked for, by flag or by NPM_CONFIG_PROVENANCE in its
// environment, in a job allowed an OIDC token, after the check of package.json's `repository`
// (without which npm refuses provenance) and before the check of what the registry reports. Then
// the publish job's own commands are run, in a copy of the package, with a stand-in npm that
// records each publish and a stand-in registry, so that a flag napi does not know or an
// environment it does not pass on fails here rather than at release.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { repositoryProblem } from '../scripts/check-repository.mjs';

const root = new URL('..', import.meta.url).pathname;
const WORKFLOW = join(root, '.github', 'workflows', 'release.yml');

/**
 * `line` without its comment: from a `#` that starts the line or follows a blank, outside quotes.
 * @param {string} line
 */
function withoutComment(line) {
  let quote = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/**
 * A scalar as YAML reads it: quotes removed; flow collections (`[...]`, `{...}`) kept as text.
 * @param {string} text
 */
function scalar(text) {
  if (text === '' || text === '~' || text === 'null') return null;
  if (text.startsWith('"') && text.endsWith('"')) return JSON.parse(text);
  if (text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'");
  return text;
}

/**
 * The block YAML that workflows are written in: mappings, sequences, block scalars (`|`, `>`) and
 * plain or quoted scalars; anything else fails loudly rather than being misread.
 * @param {string} source
 */
export function parseWorkflow(source) {
  const lines = source.split('\n');
  let at = 0;
  const indentOf = (line) => line.length - line.trimStart().length;
  const blank = (line) => withoutComment(line).trim() === '';
  const skipBlank = () => {
    while (at < lines.length && blank(lines[at])) at++;
  };

  /** The block scalar after a `key: |` line at `indent`. */
  function blockScalar(indent, folded) {
    const body = [];
    while (at < lines.length && (lines[at].trim() === '' || indentOf(lines[at]) > indent)) body.push(lines[at++]);
    while (body.length > 0 && body.at(-1).trim() === '') body.pop();
    const margin = Math.min(...body.filter((line) => line.trim() !== '').map(indentOf));
    const text = body.map((line) => line.slice(margin)).join(folded ? ' ' : '\n');
    return `${text}\n`;
  }

  /** The value after `key:` whose text is `rest`, at `indent`: inline, a block scalar, or a nested block. */
  function valueAfter(rest, indent) {
    if (/^[|>][-+]?$/.test(rest)) return blockScalar(indent, rest.startsWith('>'));
    if (rest !== '') return scalar(rest);
    skipBlank();
    if (at >= lines.length || indentOf(lines[at]) <= indent) {
      // A sequence may sit at its key's indent.
      if (at < lines.length && indentOf(lines[at]) === indent && lines[at].trimStart().startsWith('-')) {
        return sequence(indent);
      }
      return null;
    }
    return block(indentOf(lines[at]));
  }

  /** The mapping whose keys sit at `indent`; `first` is the text of its first line when it follows a `- `. */
  function mapping(indent, first) {
    const result = {};
    let text = first;
    for (;;) {
      if (text === undefined) {
        skipBlank();
        if (at >= lines.length || indentOf(lines[at]) !== indent || lines[at].trimStart().startsWith('-')) break;
        text = withoutComment(lines[at++]).trim();
      }
      const match = /^("[^"]*"|'[^']*'|[^\s:][^:]*?):(?:\s+(.*))?$/.exec(text);
      if (!match) throw new Error(`line ${at}: not a mapping entry: ${text}`);
      result[scalar(match[1])] = valueAfter((match[2] ?? '').trim(), indent);
      text = undefined;
    }
    return result;
  }

  /** The sequence whose `- ` sit at `indent`. */
  function sequence(indent) {
    const result = [];
    for (;;) {
      skipBlank();
      if (at >= lines.length || indentOf(lines[at]) !== indent || !lines[at].trimStart().startsWith('-')) break;
      const item = withoutComment(lines[at++]).trim().slice(1).trim();
      if (item === '') result.push(valueAfter('', indent));
      else if (/^("[^"]*"|'[^']*'|[^\s:'"[{][^:]*?):(\s|$)/.test(item)) result.push(mapping(indent + 2, item));
      else result.push(scalar(item));
    }
    return result;
  }

  function block(indent) {
    skipBlank();
    return lines[at]?.trimStart().startsWith('-') ? sequence(indent) : mapping(indent);
  }

  const document = block(0);
  skipBlank();
  if (at < lines.length) throw new Error(`line ${at + 1}: not read: ${lines[at]}`);
  return document;
}

/** Commands of a `run` script: lines joined at `\`, split at `&&`, `||`, `;` and newlines. */
const commandsOf = (run) =>
  run
    .replaceAll('\\\n', ' ')
    .split(/\n|&&|\|\||;/)
    .map((command) => command.trim())
    .filter(Boolean);

/** True when `env` (names in any case, as npm reads them) turns provenance on. */
const provenanceInEnv = (env) =>
  Object.entries(env).some(([name, value]) => name.toLowerCase() === 'npm_config_provenance' && value === 'true');

const PROVENANCE_OFF = /--no-provenance\b|--provenance(?:=|\s+)false\b/;

/**
 * What the workflow publishes, step by step, and every way one lacks provenance.
 * @param {string} source the workflow
 */
export function publishingProblems(source) {
  const workflow = parseWorkflow(source);
  const problems = [];
  const publishes = [];
  for (const [jobName, job] of Object.entries(workflow.jobs ?? {})) {
    const steps = job.steps ?? [];
    const permissions = job.permissions ?? workflow.permissions;
    const idToken = permissions === 'write-all' || permissions?.['id-token'] === 'write';
    const indexOf = (script) => steps.findIndex((step) => step.run?.includes(script));
    let first;
    let last;
    for (const [index, step] of steps.entries()) {
      const where = `job ${jobName}, step ${index + 1} (${step.name ?? step.uses ?? step.run?.split('\n')[0]})`;
      const env = { ...workflow.env, ...job.env, ...step.env };
      const found = [];
      if (typeof step.uses === 'string' && /publish/i.test(step.uses)) {
        problems.push(`${where}: publishes with ${step.uses}, whose provenance this test does not know`);
      }
      for (const command of commandsOf(step.run ?? '')) {
        if (PROVENANCE_OFF.test(command)) problems.push(`${where}: turns provenance off: ${command}`);
        const napi = /\bnapi\s+pre-?publish\b/.test(command);
        if (napi && !command.includes('--skip-optional-publish')) {
          found.push('napi prepublish');
          // Its `npm publish` takes no flags of ours: only its environment can ask for provenance.
          if (!provenanceInEnv(env)) {
            problems.push(`${where}: napi prepublish publishes the platform packages without NPM_CONFIG_PROVENANCE`);
          }
        } else if (/(?:^|\s)npm\s+(?:\S+\s+)*?publish\b/.test(command)) {
          found.push('npm publish');
          const flag = /--provenance(?:=true)?(?:\s|$)/.test(command);
          if (!flag && !provenanceInEnv(env)) problems.push(`${where}: ${command} without provenance`);
        } else if (/(?:^|\s)(?:pnpm|yarn|bun|lerna|changeset)\s+(?:\S+\s+)*?publish\b/.test(command)) {
          problems.push(
            `${where}: publishes with ${command.split(/\s+/)[0]}, whose provenance this test does not check`,
          );
        }
      }
      if (found.length === 0) continue;
      publishes.push(...found.map((what) => ({ job: jobName, step: index, what })));
      first ??= index;
      last = index;
      if (!idToken)
        problems.push(`${where}: publishes, but job ${jobName} has no id-token: write, which provenance needs`);
    }
    if (first === undefined) continue;
    const check = indexOf('scripts/check-repository.mjs');
    if (check === -1 || check > first) {
      problems.push(`job ${jobName}: package.json's repository is not checked before the first publish`);
    }
    if (indexOf('scripts/check-provenance.mjs') < last) {
      problems.push(`job ${jobName}: what the registry holds is not checked after the last publish`);
    }
  }
  return { publishes, problems };
}

describe('the release workflow publishes every package with provenance', () => {
  const source = readFileSync(WORKFLOW, 'utf8');

  it('reads the workflow as YAML', () => {
    const workflow = parseWorkflow(source);
    assert.deepEqual(Object.keys(workflow.jobs), ['build', 'test', 'publish']);
    assert.equal(workflow.jobs.publish.permissions['id-token'], 'write');
    assert.equal(workflow.jobs.build.strategy.matrix.include.length, 7);
    assert.match(workflow.jobs.build.steps.at(-1).with.path, /^native\/binding\.\*$/);
  });

  it('publishes the platform packages and the main package, each with provenance', () => {
    const { publishes, problems } = publishingProblems(source);
    assert.deepEqual(problems, []);
    assert.deepEqual(
      publishes.map(({ job, what }) => `${job}: ${what}`),
      ['publish: napi prepublish', 'publish: npm publish'],
    );
  });

  it('fails a workflow that would publish a package without provenance', () => {
    const without = (text, line) => {
      assert.ok(text.includes(line), line);
      return text.replace(line, '');
    };
    const env = '      NPM_CONFIG_PROVENANCE: "true"\n';
    const cases = [
      // The platform packages: napi's own `npm publish` sees only the environment.
      [without(source, env), /napi prepublish publishes the platform packages without NPM_CONFIG_PROVENANCE/],
      [without(source, '      id-token: write\n'), /has no id-token: write/],
      [
        source.replace('NPM_CONFIG_PROVENANCE: "true"', 'NPM_CONFIG_PROVENANCE: "false"'),
        /without NPM_CONFIG_PROVENANCE/,
      ],
      [without(without(source, env), ' --provenance'), /npm publish --access public without provenance/],
      [source.replace('npm publish --provenance', 'npm publish --no-provenance'), /turns provenance off/],
      [source.replace('--no-gh-release', '--no-gh-release && pnpm publish -r'), /pnpm, whose provenance/],
      [source.replace('node scripts/check-repository.mjs package.json', 'true'), /repository is not checked/],
      [source.replace('node scripts/check-provenance.mjs package.json', 'true'), /not checked after the last publish/],
    ];
    for (const [mutated, expected] of cases) {
      const { problems } = publishingProblems(mutated);
      assert.ok(
        problems.some((problem) => expected.test(problem)),
        `expected ${expected} among ${JSON.stringify(problems)}`,
      );
    }
  });

  it("refuses a package.json whose repository is not the workflow's", () => {
    const expected = 'https://github.com/owner/koa-sodium-session';
    assert.match(repositoryProblem({}, expected), /no "repository"/);
    assert.match(repositoryProblem({ repository: 'https://github.com/fork/koa-sodium-session' }, expected), /is not/);
    for (const repository of [
      'git+https://github.com/owner/koa-sodium-session.git',
      { type: 'git', url: 'https://github.com/Owner/koa-sodium-session' },
      'github:owner/koa-sodium-session',
      'owner/koa-sodium-session',
    ]) {
      assert.equal(repositoryProblem({ repository }, expected), undefined, JSON.stringify(repository));
    }
  });
});

/** A stand-in npm: records `publish` (where, with what, and what it would publish), skips `install`, passes on the rest. */
function standInNpm(dir, log) {
  const real = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  const script = `#!/bin/sh
case "$1" in
  publish)
    node -e 'const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
      fs.appendFileSync(process.argv[1], JSON.stringify({ name: p.name, version: p.version, args: process.argv.slice(2),
        env: process.env.NPM_CONFIG_PROVENANCE ?? process.env.npm_config_provenance ?? null }) + "\\n")' ${JSON.stringify(log)} "$@" ;;
  install|ci) ;;
  *) exec ${JSON.stringify(real)} "$@" ;;
esac
`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'npm'), script);
  chmodSync(join(dir, 'npm'), 0o755);
}

/** A stand-in registry: the attestations of a version are a SLSA provenance when `log` shows it published with one. */
async function standInRegistry(log) {
  const server = createServer((req, res) => {
    const match = /^\/-\/npm\/v1\/attestations\/(.+)@([^@]+)$/.exec(decodeURIComponent(req.url));
    const published = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .find((entry) => match && entry.name === match[1] && entry.version === match[2]);
    if (!published) return res.writeHead(404).end();
    const provenance = published.args.includes('--provenance') || published.env === 'true';
    const attestations = [{ predicateType: 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1' }];
    if (provenance) attestations.push({ predicateType: 'https://slsa.dev/provenance/v1' });
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ attestations }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe("the release workflow's publish job, run with a stand-in npm", () => {
  it('publishes every platform package and the main package with provenance', { timeout: 120_000 }, async (t) => {
    // Workflow steps run in bash, which the release workflow's Alpine test image lacks.
    if (spawnSync('bash', ['-c', 'true']).status !== 0) return t.skip('no bash to run the steps in');
    const workflow = parseWorkflow(readFileSync(WORKFLOW, 'utf8'));
    const job = workflow.jobs.publish;
    const dir = mkdtempSync(join(tmpdir(), 'kss-release-'));
    const log = join(dir, 'publishes.jsonl');
    writeFileSync(log, '');
    const registry = await standInRegistry(log);
    try {
      // A copy of the package as the checkout has it, naming the repository the run pretends to be in.
      const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
      manifest.repository = { type: 'git', url: 'git+https://github.com/example/koa-sodium-session.git' };
      writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
      for (const file of ['index.cjs', 'index.mjs', 'index.d.cts', 'index.d.mts', 'README.md', 'LICENSE', 'scripts']) {
        cpSync(join(root, file), join(dir, file), { recursive: true });
      }
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const bin = join(dir, '.stand-in-bin');
      standInNpm(bin, log);
      // Only the workflow's environment may ask for provenance, not the one this test runs in.
      const env = Object.fromEntries(
        Object.entries(process.env).filter(([name]) => name.toLowerCase() !== 'npm_config_provenance'),
      );
      Object.assign(env, workflow.env, job.env, {
        PATH: `${bin}${delimiter}${process.env.PATH}`,
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_REPOSITORY: 'example/koa-sodium-session',
        NPM_REGISTRY_URL: `http://127.0.0.1:${registry.address().port}`,
        PROVENANCE_ATTEMPTS: '1',
      });

      for (const step of job.steps) {
        if (step.uses?.startsWith('actions/checkout@') || step.uses?.startsWith('actions/setup-node@')) continue;
        if (step.uses?.startsWith('actions/download-artifact@')) {
          downloadArtifact(dir, step.with);
          continue;
        }
        assert.ok(step.run, `a step the stand-in run does not know: ${JSON.stringify(step)}`);
        const stepEnv = Object.fromEntries(
          Object.entries(step.env ?? {}).map(([name, value]) => [name, value.replace(/\$\{\{[^}]*\}\}/g, 'stand-in')]),
        );
        // Not spawnSync: the stand-in registry answers from this process.
        const { status, output } = await bash(step.run, dir, { ...env, ...stepEnv });
        assert.equal(status, 0, `${step.name ?? step.run}\n${output}`);
      }

      const published = readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      const platforms = readdirSync(join(dir, 'npm')).map((platform) => `koa-sodium-session-${platform}`);
      assert.equal(platforms.length, manifest.napi.targets.length);
      assert.deepEqual(published.map((entry) => entry.name).sort(), [manifest.name, ...platforms].sort());
      for (const entry of published) {
        assert.ok(entry.args.includes('--provenance') || entry.env === 'true', `${entry.name} without provenance`);
      }
    } finally {
      registry.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs `script` with bash as a workflow step does; its exit status and output. */
async function bash(script, cwd, env) {
  const child = spawn('bash', ['-eo', 'pipefail', '-c', script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const [status] = await once(child, 'close');
  return { status, output };
}

/**
 * What `actions/download-artifact` leaves: the build job's binaries (stand-ins: napi only copies
 * them) for `pattern: bindings-*`, or its loader for `name: loader`.
 */
function downloadArtifact(dir, { path, pattern, name }) {
  const into = join(dir, path);
  mkdirSync(into, { recursive: true });
  if (pattern === 'bindings-*') {
    // The file names napi gives each target: create-npm-dirs lays out one directory per target.
    const probe = mkdtempSync(join(tmpdir(), 'kss-targets-'));
    try {
      cpSync(join(dir, 'package.json'), join(probe, 'package.json'));
      const res = spawnSync(join(root, 'node_modules', '.bin', 'napi'), ['create-npm-dirs', '--npm-dir', 'npm'], {
        cwd: probe,
        encoding: 'utf8',
      });
      assert.equal(res.status, 0, res.stderr);
      for (const platform of readdirSync(join(probe, 'npm'))) {
        writeFileSync(join(into, `koa-sodium-session.${platform}.node`), 'stand-in binary');
      }
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  } else if (name === 'loader') {
    for (const file of ['binding.cjs', 'binding.d.ts']) writeFileSync(join(into, file), '// stand-in loader\n');
  } else {
    assert.fail(`an artifact the stand-in run does not know: ${JSON.stringify({ path, pattern, name })}`);
  }
}
