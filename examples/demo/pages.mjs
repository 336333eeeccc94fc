// The demo's HTML: one layout and the pages the routes and error handlers answer with. Pages carry
// no script and no inline style (the stylesheet is /demo.css), as the Content-Security-Policy asks.

/** Browsers keep a cookie only while its name and value fit in this many bytes. */
const COOKIE_LIMIT = 4096;

/** Text made safe to place inside HTML. */
const escapeHtml = (text) =>
  String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** Formats a number of bytes for people: 7,083. */
const bytes = (n) => n.toLocaleString('en-US');

/**
 * A whole page. `body` is HTML; `path` marks the current link in the top bar.
 * @param {{ title: string, body: string, path?: string }} page
 */
function page({ title, body, path }) {
  const link = (href, text) => `<a href="${href}"${href === path ? ' aria-current="page"' : ''}>${text}</a>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · koa-sodium-session demo</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/demo.css"></head>
<body><header class="top"><nav aria-label="Main">
<a class="brand" href="/"><img src="/favicon.svg" alt=""> koa-sodium-session <small>demo</small></a>
${link('/', 'Home')}${link('/dashboard', 'Dashboard')}</nav></header>
<main>${body}</main></body></html>`;
}

/**
 * A highlighted message above a page's content: `heading` in bold, then `text` (plain text, in
 * the element `id`).
 * @param {'warning' | 'error'} kind
 */
const notice = (kind, heading, text, id) =>
  `<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}"><strong>${heading}</strong> <span id="${id}">${escapeHtml(text)}</span></div>`;

/** The notice telling a person why they were signed out (`reason`, a sentence), or '' without one. */
const signedOutNotice = (reason) => (reason ? notice('warning', 'You were signed out.', reason, 'signed-out') : '');

/**
 * A page with a heading and one card: `html` is its content, `before` goes above the card (a
 * notice), `actions` below the text (links styled as buttons).
 */
const message = ({ title, html, before = '', actions = '' }) =>
  page({
    title,
    body: `<div class="prose"><h1>${escapeHtml(title)}</h1>${before}<section class="card"><div id="message">${html}</div>${
      actions ? `<div class="actions">${actions}</div>` : ''
    }</section></div>`,
  });

/** A link styled as a button: `kind` is primary or secondary. */
const linkButton = (href, text, kind = 'primary') => `<a class="button ${kind}" href="${href}">${text}</a>`;

/**
 * The sign-in page: `signedOut` says why the visitor's session ended, if it just did; `failed`,
 * that the sign-in as `failed.username` was refused; `visits` counts this page's visits in the
 * session.
 * @param {{ signedOut?: string, failed?: { username: unknown }, visits?: number }} view
 */
export function signIn({ signedOut, failed, visits } = {}) {
  const counter =
    visits === undefined
      ? ''
      : `<p class="muted">Visits to this page in this session: <span id="visits">${visits}</span></p>`;
  const refused = failed ? notice('error', 'Sign-in failed.', 'Invalid username or password.', 'sign-in-failed') : '';
  const username = typeof failed?.username === 'string' ? ` value="${escapeHtml(failed.username)}"` : '';
  return page({
    title: 'Sign in',
    path: '/',
    body: `<div class="narrow"><h1>Sign in</h1><p class="lead">to see what an encrypted cookie session holds.</p>${signedOutNotice(signedOut)}${refused}
<section class="card"><form method="post" action="/login">
<div class="field"><label for="username">Username</label><input id="username" name="username" autocomplete="username" required${username}></div>
<div class="field"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
<button class="button primary wide" type="submit">Sign in</button></form></section>
<p class="muted">The demo account is <strong>alice</strong>, password <strong>wonderland</strong>.</p>${counter}</div>`,
  });
}

/** The home page of someone signed in. */
export function welcome(user, visits) {
  return page({
    title: 'Welcome back',
    path: '/',
    body: `<div class="narrow"><h1>Welcome back, ${escapeHtml(user.name)}</h1><section class="card">
<p>You are signed in.</p><p class="muted">Visits to this page in this session: <span id="visits">${visits}</span></p>
<div class="actions">${linkButton('/dashboard', 'Open the dashboard')}</div></section></div>`,
  });
}

/**
 * The cookies a browser holds for the session, each with its size against the browser's limit,
 * its format and its first characters: enough to see it is ciphertext (or, with a store, an id),
 * never enough to use it, so that the page does not hand a script what httpOnly keeps from it.
 * @param {{ name: string, value: string, format: string }[]} cookies
 */
function cookieList(cookies) {
  const items = cookies.map(({ name, value, format }) => {
    const size = Buffer.byteLength(`${name}=${value}`);
    const shown = value.slice(0, Math.min(16, Math.floor(value.length / 4)));
    return `<li class="cookie"><dl>
<dt>Name</dt><dd><code class="cookie-name">${escapeHtml(name)}</code></dd>
<dt>Format</dt><dd class="cookie-format">${escapeHtml(format)}</dd>
<dt>Begins</dt><dd><code class="cookie-start">${escapeHtml(shown)}…</code></dd>
<dt>Size</dt><dd><span class="cookie-size">${bytes(size)} bytes</span> of ${bytes(COOKIE_LIMIT)}</dd></dl>
<meter min="0" max="${COOKIE_LIMIT}" high="${COOKIE_LIMIT * 0.75}" optimum="0" value="${size}" aria-label="${escapeHtml(name)}: ${size} of ${COOKIE_LIMIT} bytes"></meter></li>`;
  });
  return `<ul class="cookies" id="cookies">${items.join('')}</ul>`;
}

/**
 * The dashboard: who is signed in, the notes, how to sign out, and side by side the cookies the
 * browser sent, the session the server opened from them and, with a store, what the store held
 * and under which key.
 * @param {{ user: { name: string, role: string }, notes: string[], cookies: { name: string, value: string, format: string }[],
 *   opened: object, sessionId?: string, stored?: { key: string, value: unknown } }} view
 */
export function dashboard({ user, notes, cookies, opened, sessionId, stored }) {
  const name = escapeHtml(user.name);
  const list = notes.map((n) => `<li class="note">${escapeHtml(n)}</li>`).join('');
  const none = notes.length ? '' : '<p class="empty">No notes yet: write one below.</p>';
  const held = stored
    ? `<section class="card"><h2>In the store</h2><p>The session, sealed by <code>encryptedStore</code> and bound to its id,
under the key <code id="store-key">${escapeHtml(stored.key)}</code>:</p>
<pre class="sealed" id="store-value">${escapeHtml(String(stored.value))}</pre></section>`
    : '';
  return page({
    title: 'Dashboard',
    path: '/dashboard',
    body: `<h1>Dashboard</h1><p class="lead" id="who">Signed in as ${name} (${escapeHtml(user.role)}).</p>
<section class="card"><h2>Notes</h2><ul class="notes" id="notes">${list}</ul>${none}
<form method="post" action="/notes" class="inline"><div class="field"><label for="note">New note</label>
<input id="note" name="note" autocomplete="off"></div><button class="button primary" type="submit">Keep in session</button></form></section>
<h2 class="section-title">What the session looks like</h2>
<div class="grid"><section class="card"><h2>In your browser</h2>
<p>${stored ? 'Only an id: the session is in the store.' : 'The session itself, sealed: nothing in it can be read or changed.'}</p>
${cookieList(cookies)}</section>
<section class="card"><h2>On the server</h2><p>The session opened from ${stored ? 'the store' : 'that cookie'}:</p>
<pre id="session">${escapeHtml(JSON.stringify(opened, null, 2))}</pre></section>${held}</div>
<section class="card"><h2>Sign out</h2><div class="signout">
<form method="post" action="/logout"><button class="button secondary" type="submit">Sign out</button>
<span class="muted">Ends the session in this browser.</span></form>
<form method="post" action="/logout-everywhere"><button class="button danger" type="submit">Sign out everywhere</button>
<span class="muted">Ends every session of ${name}: in this browser and on every other device or browser signed in as ${name}.</span></form></div>
<p class="muted session-id">This session's id begins <code id="session-id">${escapeHtml((sessionId ?? '').slice(0, 6))}…</code>
(shown in part: with a store, the cookie holds it). Signing out revokes it, so a copy of the cookie stops working too.</p></section>`,
  });
}

/** The page of a protected route asked for by someone not signed in: `signedOut` says why, if known. */
export const signInFirst = (signedOut) =>
  message({
    title: 'Please sign in',
    before: signedOutNotice(signedOut),
    html: '<p>This page is for signed-in users.</p>',
    actions: linkButton('/', 'Sign in'),
  });

/**
 * The page of a save refused because the session would be too large: what happened, that nothing
 * else was lost, what to do. True with the session in a cookie and in a store alike.
 * @param {{ size: number, limit: number } | undefined} sizes as `session:too-large` reported them
 */
export function tooLarge(sizes) {
  const measured = sizes
    ? `<p class="muted" id="too-large-sizes">With it the session would take ${bytes(sizes.size)} bytes; it can take at most ${bytes(sizes.limit)}.</p>`
    : '';
  return message({
    title: 'Your note was not saved',
    html: `<p id="too-large">A session can hold only so much, and this note would have taken it past its limit, so the server did not keep it.</p>
<p>Nothing else changed: you are still signed in and your earlier notes are there. Try a shorter note.</p>${measured}`,
    actions: linkButton('/dashboard', 'Back to the dashboard'),
  });
}

/** The page answered while the session store does not answer. */
export const unavailable = () =>
  message({
    title: 'Temporarily unavailable',
    html: `<p id="unavailable">Sessions are kept in a database that is not answering right now, so this page cannot be shown.</p>
<p>Nothing was changed. Please try again in a moment.</p>`,
    actions: linkButton('/', 'Try again', 'secondary'),
  });

/** The page of a form that another site posted here. */
export const crossSite = () =>
  message({
    title: 'Request refused',
    html: '<p>A form on another site tried to act here on your behalf, so nothing was done.</p>',
    actions: linkButton('/', 'Go to the demo', 'secondary'),
  });

/** The page of an address that leads nowhere. */
export const notFound = () =>
  message({
    title: 'Page not found',
    html: '<p>There is nothing at this address.</p>',
    actions: linkButton('/', 'Go home', 'secondary'),
  });

/**
 * The page of any other failed request: `title` and `text` (plain text) say what, never how.
 * @param {string} title
 * @param {string} text
 */
export const failure = (title, text) =>
  message({ title, html: `<p id="failure">${escapeHtml(text)}</p>`, actions: linkButton('/', 'Go home', 'secondary') });
