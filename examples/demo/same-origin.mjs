// Refuses cross-site form posts. SameSite=Lax keeps the session cookie off them, but login CSRF
// (signing a victim in to the attacker's account) needs no cookie, so the origin is checked too.

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser sent this request from another site: `Sec-Fetch-Site` says so, or, from a
 * browser that does not send it, `Origin` names another host ('null' included). A request with
 * neither header comes from no web page (curl, a server-side fetch) and is not cross-site.
 * @param {import('koa').Context} ctx
 */
function fromAnotherSite(ctx) {
  const site = ctx.get('Sec-Fetch-Site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = ctx.get('Origin');
  if (!origin) return false;
  return !URL.canParse(origin) || new URL(origin).host !== ctx.host;
}

/**
 * Koa middleware: a request that can change state (any method but GET, HEAD and OPTIONS) coming
 * from another site gets 403 and `refuse(ctx)`'s body, before anything else runs.
 * @param {(ctx: import('koa').Context) => void} refuse sets the body of the refusal
 */
export function sameOriginOnly(refuse) {
  return async (ctx, next) => {
    if (SAFE_METHODS.has(ctx.method) || !fromAnotherSite(ctx)) return next();
    ctx.status = 403;
    refuse(ctx);
  };
}
