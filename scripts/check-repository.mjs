// Run by the release workflow before anything is published: npm's registry refuses a package with
// provenance unless its package.json `repository` names the repository the workflow ran in
// (GITHUB_SERVER_URL/GITHUB_REPOSITORY), and `napi create-npm-dirs` copies the field into every
// platform package. Failing here, before the first publish, leaves no version half released.
//   node scripts/check-repository.mjs [package.json]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A repository URL as npm's check compares it: no `git+` prefix, `.git` suffix or trailing slash,
 * lower case; GitHub shorthands (`owner/repo`, `github:owner/repo`) spelled out.
 * @param {string} url
 */
export function normalizeRepository(url) {
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(url);
  const full = shorthand ? `https://github.com/${shorthand[1]}` : url;
  return full
    .replace(/^git\+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .toLowerCase();
}

/**
 * Why `manifest` (a parsed package.json) cannot be published with provenance from `expected`
 * (`https://github.com/owner/repo`), or undefined when it can.
 * @param {{ repository?: string | { url?: string } }} manifest
 * @param {string} expected
 */
export function repositoryProblem(manifest, expected) {
  const { repository } = manifest;
  const url = typeof repository === 'string' ? repository : repository?.url;
  if (!url) {
    return `package.json has no "repository": npm refuses provenance without one; add "repository": { "type": "git", "url": "git+${expected}.git" }`;
  }
  if (normalizeRepository(url) !== normalizeRepository(expected)) {
    return `package.json's repository (${url}) is not ${expected}, where this workflow runs: npm would refuse its provenance`;
  }
  return undefined;
}

if (fileURLToPath(import.meta.url) === resolve(process.argv[1] ?? '')) {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY } = process.env;
  if (!GITHUB_SERVER_URL || !GITHUB_REPOSITORY) {
    console.error('GITHUB_SERVER_URL and GITHUB_REPOSITORY must be set (GitHub Actions sets them)');
    process.exit(1);
  }
  const file = process.argv[2] ?? 'package.json';
  const problem = repositoryProblem(
    JSON.parse(readFileSync(file, 'utf8')),
    `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}`,
  );
  console.log(problem ?? `${file}: repository is ${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}`);
  process.exitCode = problem ? 1 : 0;
}
