// Memory: resident set size before and after 5 million codec round trips of one format (after a
// 2 million round-trip warm-up and a full GC each time): a leak in the native layer or its
// bindings would show here, and in the part of RSS outside V8's heap in particular.
//
// Run it as `run.mjs` does, in a process of its own per format, with V8's young generation pinned
// at its full size (`MEMORY_NODE_FLAGS`): left to itself V8 doubles the young generation in steps
// (8 then 16 MB of RSS at a time) when allocation is heavy, for pure-JS code as much as for ours.
import { createCodec } from '../index.mjs';
import { sessionOfSize } from './codec.mjs';

/** Node flags for a memory run: `gc()`, and a young generation that starts at its full size. */
export const MEMORY_NODE_FLAGS = ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16'];

const gc = globalThis.gc ?? (() => {});

/** Resident set size and the part of it outside V8's heap, in MB, after a full GC. */
function measure() {
  gc();
  const { rss, heapTotal } = process.memoryUsage();
  return { rss: rss / 2 ** 20, outsideHeap: (rss - heapTotal) / 2 ** 20 };
}

/** RSS growth in MB over `count` round trips of a ~1 KB session in `format`. */
export function runMemoryBench({ format, count = 5_000_000, warmup = 2_000_000 }) {
  const codec = createCodec({ secretKey: Buffer.alloc(32, 7), format });
  const session = sessionOfSize(1000);
  for (let i = 0; i < warmup; i++) codec.decode(codec.encode(session));
  const before = measure();
  for (let i = 0; i < count; i++) codec.decode(codec.encode(session));
  const after = measure();
  return {
    format,
    count,
    beforeMb: before.rss,
    afterMb: after.rss,
    growthMb: after.rss - before.rss,
    outsideHeapGrowthMb: after.outsideHeap - before.outsideHeap,
  };
}

// `node ${MEMORY_NODE_FLAGS} benches/memory.mjs <format> [count]` prints one row as JSON.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [format, count] = process.argv.slice(2);
  console.log(JSON.stringify(runMemoryBench({ format, count: Number(count ?? 5_000_000) })));
}
