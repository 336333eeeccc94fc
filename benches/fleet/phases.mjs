// The rolling deploy the fleet proof runs: each phase is what a process serves once replaced,
// and the fleet moves from one phase to the next one process at a time. Keys are named here (K1,
// K2) and made fresh for each run.

/** The session cookie's name, the same in every phase. */
export const COOKIE = 'fleet.sess';

/**
 * @typedef {{ name: string, kind: 'kes' | 'ours', format?: 'legacy' | 'compact', keys: string[], staging?: boolean }} Phase
 *   `kind`: koa-encrypted-session 3.0.7 or this package; `keys`: the key ring, the sealing key
 *   first; `staging`: the step that makes a new key known before it seals
 */

/** @type {Phase[]} */
export const PHASES = [
  { name: 'koa-encrypted-session 3.0.7', kind: 'kes', keys: ['K1'] },
  { name: "koa-sodium-session, format 'legacy'", kind: 'ours', format: 'legacy', keys: ['K1'] },
  { name: "format 'compact'", kind: 'ours', format: 'compact', keys: ['K1'] },
  // Without this step, the processes that take [K2, K1] seal cookies that the ones still on [K1]
  // cannot open, and sign their users out: a new key must open everywhere before it seals anywhere.
  { name: 'new key second: [K1, K2]', kind: 'ours', format: 'compact', keys: ['K1', 'K2'], staging: true },
  { name: 'new key first: [K2, K1]', kind: 'ours', format: 'compact', keys: ['K2', 'K1'] },
  { name: 'old key dropped: [K2]', kind: 'ours', format: 'compact', keys: ['K2'] },
];

/** True when `key` served in some phase before `index` and not in phase `index`: dropped. */
export function dropped(phases, index, key) {
  return !phases[index].keys.includes(key) && phases.slice(0, index).some((phase) => phase.keys.includes(key));
}

/** The `x-node` label a process answers with: `<kind>:<phase index>:<pid>`. */
export const nodeLabel = (kind, index, pid) => `${kind}:${index}:${pid}`;

/** The kind and phase index in an `x-node` label. */
export function nodeOf(label) {
  const [kind, index] = label.split(':');
  return { kind, index: Number(index) };
}
