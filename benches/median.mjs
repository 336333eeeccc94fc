/** The middle value of `xs` (the upper one of the middle two for an even count); `xs` is not changed. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The `q` quantile (0 to 1) of `xs`, nearest rank; NaN when empty; `xs` is not changed. */
export function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * The median over rounds of `xs[i] / ys[i]`: a ratio of two contenders measured back to back in
 * each round, so that the machine's speed drifting between rounds cancels out.
 */
export const medianRatio = (xs, ys) => median(xs.map((x, i) => x / ys[i]));
