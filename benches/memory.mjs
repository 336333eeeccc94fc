// Memory: resident set size before and after 5 million codec round trips (after a 2 million
// round-trip warm-up and a full GC each time): a leak in the native layer or its bindings would show here.
import { createCodec } from '../index.mjs';
import { sessionOfSize } from './codec.mjs';

const gc = globalThis.gc ?? (() => {});

/** RSS growth in MB over `count` round trips of a ~1 KB session, per format. */
export function runMemoryBench({ count = 5_000_000, warmup = 2_000_000 } = {}) {
  const rows = [];
  for (const format of ['compact', 'legacy']) {
    const codec = createCodec({ secretKey: Buffer.alloc(32, 7), format });
    const session = sessionOfSize(1000);
    for (let i = 0; i < warmup; i++) codec.decode(codec.encode(session));
    gc();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < count; i++) codec.decode(codec.encode(session));
    gc();
    const after = process.memoryUsage().rss;
    rows.push({
      format,
      count,
      beforeMb: before / 2 ** 20,
      afterMb: after / 2 ** 20,
      growthMb: (after - before) / 2 ** 20,
    });
  }
  return rows;
}

// Run as `node --expose-gc benches/memory.mjs [count]`; prints the rows as JSON.
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(runMemoryBench({ count: Number(process.argv[2] ?? 5_000_000) })));
}
