// Codec round trips (encode then decode) for sessions of about 100 B, 1 KB and 3.5 KB, every
// contender interleaved round by round; reports the median and spread of the rounds.
import assert from 'node:assert/strict';
import { contenders } from './contenders.mjs';
import { median } from './median.mjs';

/** A session whose JSON (with koa-session's _expire/_maxAge) is about `size` bytes. */
export function sessionOfSize(size) {
  const base = { user: 'alice', role: 'admin', csrf: 'q2dVYl8x', data: '', _expire: 1767225600000, _maxAge: 86400000 };
  base.data = 'x'.repeat(Math.max(0, size - JSON.stringify(base).length));
  return base;
}

/** Nanoseconds per round trip of `codec` on `session`, over `iterations`. */
async function time(codec, session, iterations) {
  const start = process.hrtime.bigint();
  if (codec.async) {
    for (let i = 0; i < iterations; i++) await codec.decode(await codec.encode(session));
  } else {
    for (let i = 0; i < iterations; i++) codec.decode(codec.encode(session));
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

/** Nanoseconds per decode of `cookie` by `codec` (the read path: most requests read a session without changing it). */
async function timeDecode(codec, cookie, iterations) {
  const start = process.hrtime.bigint();
  if (codec.async) {
    for (let i = 0; i < iterations; i++) await codec.decode(cookie);
  } else {
    for (let i = 0; i < iterations; i++) codec.decode(cookie);
  }
  return Number(process.hrtime.bigint() - start) / iterations;
}

/**
 * Runs the codec benchmark and returns rows `{ size, name, median, min, max, samples,
 * decodeMedian, decodeSamples }` in µs (`samples`: round trips, one per round, in round order;
 * `decodeSamples`: decodes alone, likewise).
 * @param {{ rounds?: number, budgetMs?: number }} options time per contender per round
 */
export async function runCodecBench({ rounds = 7, budgetMs = 150 } = {}) {
  const key = Buffer.alloc(32, 7);
  const all = contenders(key);
  const rows = [];
  for (const size of [100, 1000, 3500]) {
    const session = sessionOfSize(size);
    const expected = JSON.parse(JSON.stringify(session));
    // Every contender must give back the same session before it is timed.
    for (const [name, codec] of Object.entries(all)) {
      assert.deepEqual(await codec.decode(await codec.encode(session)), expected, name);
    }
    // Calibrate iterations so each contender takes about budgetMs per round, then interleave.
    const iterations = {};
    for (const [name, codec] of Object.entries(all)) {
      const probe = await time(codec, session, 200);
      iterations[name] = Math.max(200, Math.round((budgetMs * 1e6) / probe));
      await time(codec, session, iterations[name]); // warm-up
    }
    const cookies = {};
    for (const [name, codec] of Object.entries(all)) cookies[name] = await codec.encode(session);
    const samples = Object.fromEntries(Object.keys(all).map((name) => [name, { trip: [], decode: [] }]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 ? Object.keys(all).reverse() : Object.keys(all);
      for (const name of order) {
        samples[name].trip.push((await time(all[name], session, iterations[name])) / 1000);
        samples[name].decode.push((await timeDecode(all[name], cookies[name], iterations[name])) / 1000);
      }
    }
    for (const [name, { trip, decode }] of Object.entries(samples)) {
      rows.push({
        size,
        json: JSON.stringify(session).length,
        name,
        median: median(trip),
        min: Math.min(...trip),
        max: Math.max(...trip),
        samples: trip,
        decodeMedian: median(decode),
        decodeSamples: decode,
      });
    }
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of await runCodecBench({ rounds: 5, budgetMs: 100 })) {
    console.log(
      `${row.json} B\t${row.name.padEnd(38)}\t${row.median.toFixed(2)} µs (${row.min.toFixed(2)}–${row.max.toFixed(2)})`,
    );
  }
}
