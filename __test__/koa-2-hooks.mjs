// Module resolution hook for koa-2.mjs: `koa` and `koa/…` resolve to the `koa2` package.

/** Rewrites `koa` specifiers to `koa2`; everything else resolves as usual. */
export function resolve(specifier, context, next) {
  return next(specifier === 'koa' || specifier.startsWith('koa/') ? `koa2${specifier.slice(3)}` : specifier, context);
}
