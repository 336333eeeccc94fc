// The demo's HTML: one layout with a little CSS, and the pages the routes answer with.

/** Browsers keep a cookie only while its name, value and attributes fit in this many bytes. */
const COOKIE_LIMIT = 4096;

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1d2330; }
  header { background: #1d2330; color: #fff; padding: .75rem 1.5rem; display: flex; gap: 1.5rem; align-items: baseline; }
  header a { color: #9cc3ff; } header strong { margin-right: auto; }
  main { max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; }
  .panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
  section { background: #fff; border-radius: 8px; padding: 1rem 1.25rem; box-shadow: 0 1px 3px #0002; margin-bottom: 1rem; }
  h2 { font-size: 1rem; margin: 0 0 .5rem; color: #4a5468; text-transform: uppercase; letter-spacing: .04em; }
  pre, code { font: 13px/1.4 ui-monospace, monospace; background: #eef0f4; border-radius: 4px; }
  pre { padding: .75rem; white-space: pre-wrap; overflow-wrap: anywhere; margin: .5rem 0 0; }
  code { padding: 0 .25rem; overflow-wrap: anywhere; }
  meter { width: 100%; }
  form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin: .5rem 0; }
  label { display: flex; flex-direction: column; font-size: .875rem; color: #4a5468; }
  input { font: inherit; padding: .35rem .5rem; border: 1px solid #c3c9d4; border-radius: 4px; }
  button { font: inherit; padding: .4rem .9rem; border: 0; border-radius: 4px; background: #2f6fde; color: #fff; cursor: pointer; }
  .muted { color: #6b7486; font-size: .875rem; }`;

/** Text made safe to place inside HTML. */
export const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** A whole page: `body` is HTML. */
export const page = (title, body) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · koa-sodium-session demo</title><style>${STYLE}</style></head>
<body><header><strong>koa-sodium-session demo</strong><a href="/">Home</a><a href="/dashboard">Dashboard</a></header>
<main><h1>${title}</h1>${body}</main></body></html>`;

/** A page with one short message (`html`). */
export const message = (title, html) => page(title, `<section><p id="message">${html}</p></section>`);

/** The home page: the sign-in form, or a link to the dashboard. */
export function home(user, visits) {
  const counter = `<p class="muted">Visits to this page in this session: <span id="visits">${visits}</span></p>`;
  if (user) {
    return page(
      'Welcome back',
      `<section><p>Signed in as ${escapeHtml(user.name)}. <a href="/dashboard">Dashboard</a></p>${counter}</section>`,
    );
  }
  return page(
    'Sign in',
    `<section><form method="post" action="/login">
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form><p class="muted">The demo account is alice / wonderland.</p>${counter}</section>`,
  );
}

/**
 * The dashboard: who is signed in, the notes, and side by side the cookie the browser sent, the
 * session the server opened from it and, with a store, what the store held and under which key.
 * @param {{ user: object, notes: string[], cookie: string, opened: object,
 *   stored?: { key: string, value: unknown } }} view `cookie` is the `name=value` pair as sent
 */
export function dashboard({ user, notes, cookie, opened, sessionId, stored }) {
  const bytes = Buffer.byteLength(cookie);
  const held = stored
    ? `<section><h2>The store holds</h2><p>under the key <code id="store-key">${escapeHtml(stored.key)}</code>,
sealed by <code>encryptedStore</code> and bound to the session id:</p><pre id="store-value">${escapeHtml(String(stored.value))}</pre></section>`
    : '';
  return page(
    'Dashboard',
    `<section><p id="who">Signed in as ${escapeHtml(user.name)} (${escapeHtml(user.role)}).</p>
<ul id="notes">${notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<form method="post" action="/notes"><label>Note <input name="note"></label><button type="submit">Keep in session</button></form>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>
<form method="post" action="/logout-everywhere"><button type="submit">Sign out everywhere</button></form>
<p class="muted">This session's id, sealed in the cookie: <code id="session-id">${escapeHtml(sessionId ?? '')}</code>.
Signing out revokes it, so a copy of the cookie stops working too.</p></section>
<div class="panels"><section><h2>Your browser holds</h2>
<p>${stored ? 'only a session id: the session is in the store' : 'the session, sealed: nothing in it is readable'}</p>
<pre id="cookie">${escapeHtml(cookie)}</pre>
<p class="muted"><span id="cookie-size">${bytes} bytes</span> of the ${COOKIE_LIMIT} a browser keeps per cookie</p>
<meter min="0" max="${COOKIE_LIMIT}" high="${COOKIE_LIMIT * 0.75}" value="${bytes}"></meter></section>
<section><h2>The server opened</h2><p>the session from it:</p>
<pre id="session">${escapeHtml(JSON.stringify(opened, null, 2))}</pre></section>${held}</div>`,
  );
}
