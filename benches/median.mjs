/** The middle value of `xs` (the upper one of the middle two for an even count); `xs` is not changed. */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
