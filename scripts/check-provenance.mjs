// Run by the release workflow after publishing: asks the registry for the attestations of the
// main package and of every platform package it lists in optionalDependencies (which `napi
// prepublish` wrote), and fails unless each carries a SLSA provenance attestation. Retries for a
// while: the registry may take a moment to serve a version just published.
//   node scripts/check-provenance.mjs [package.json]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const SLSA_PROVENANCE = 'https://slsa.dev/provenance/v1';
const REGISTRY = process.env.NPM_REGISTRY_URL ?? 'https://registry.npmjs.org';
/** How often to ask before giving up on a package (a test sets 1). */
const ATTEMPTS = Number(process.env.PROVENANCE_ATTEMPTS ?? 12);

/** The predicate types of the attestations `name@version` has on the registry (none if absent). */
async function attestationTypes(name, version) {
  const res = await fetch(`${REGISTRY}/-/npm/v1/attestations/${encodeURIComponent(name)}@${version}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`${name}@${version}: the registry answered ${res.status}`);
  const { attestations = [] } = await res.json();
  return attestations.map((attestation) => attestation.predicateType);
}

const manifest = JSON.parse(readFileSync(process.argv[2] ?? 'package.json', 'utf8'));
const names = [manifest.name, ...Object.keys(manifest.optionalDependencies ?? {})];
let missing = 0;
for (const name of names) {
  let types = [];
  for (let attempt = 0; attempt < ATTEMPTS && !types.includes(SLSA_PROVENANCE); attempt++) {
    if (attempt > 0) await sleep(10_000);
    types = await attestationTypes(name, manifest.version);
  }
  const ok = types.includes(SLSA_PROVENANCE);
  if (!ok) missing++;
  console.log(`${ok ? 'ok     ' : 'MISSING'} ${name}@${manifest.version}: ${types.join(', ') || 'no attestations'}`);
}
if (names.length < 2) console.error('package.json lists no platform packages: napi prepublish did not run?');
process.exitCode = missing === 0 && names.length > 1 ? 0 : 1;
