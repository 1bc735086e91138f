// Small helpers the pages share: h() builds elements, and the formatting of times, durations,
// commits, images and statuses. Times from the API are ISO 8601 UTC strings or null.

/**
 * An element: h('a', {href: '/x', class: 'c'}, 'text', child, [more]). Attributes whose
 * value is null, undefined or false are left out; `on<event>` keys add listeners; children
 * that are null or false are skipped, strings become text.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** A page's title: sets the h1 (focus target after navigation) and document.title. */
export function heading(text, ...extra) {
  document.title = `${text} · slipway`;
  return h('h1', { tabindex: '-1' }, text, ...extra);
}

/** A table in a scrolling region a keyboard can reach: caption, head cells, rows (or a tbody). */
export function table(caption, head, rows, attrs = {}) {
  const t = h('table', attrs,
    h('caption', null, caption),
    h('thead', null, h('tr', null, head.map((c) => h('th', { scope: 'col' }, c)))),
    rows instanceof HTMLTableSectionElement ? rows : h('tbody', null, rows));
  return h('div', { class: 'scroll', role: 'region', 'aria-label': caption, tabindex: '0' }, t);
}

/** An error box for an ApiError or any Error. */
export function errorBox(error, doing) {
  const code = error && error.code ? ` (${error.code})` : '';
  return h('div', { class: 'error', role: 'alert' },
    h('strong', null, doing ? `Could not ${doing}` : 'Error', code, ': '),
    error && error.message ? error.message : String(error));
}

/** Milliseconds between two ISO times (the second defaults to now), or null. */
export function millisBetween(from, to) {
  if (!from) return null;
  const end = to ? Date.parse(to) : Date.now();
  return end - Date.parse(from);
}

/** "0.4 s", "12 s", "3 min 5 s", "2 h 10 min". */
export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '–';
  if (ms < 10000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** "just now", "5 min ago", "3 h ago", "12 d ago". */
export function ago(iso, now = Date.now()) {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400 * 2) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** "2026-11-22 04:12 local" for an ISO time, in the browser's time zone. */
export function localTime(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())} local`;
}

function utcText(iso) {
  return iso.replace('T', ' ').replace(/(:\d\d)(\.\d+)?Z$/, '$1 UTC');
}

/** A <time> showing the age, the exact time in UTC and local time as its title; '–' for null. */
export function timeAgo(iso, now) {
  if (!iso) return h('span', { class: 'muted' }, '–');
  return h('time', { datetime: iso, title: `${utcText(iso)} (${localTime(iso)})` }, ago(iso, now));
}

/** A <time> showing the UTC date and time, and the local time beside it. */
export function timeExact(iso) {
  if (!iso) return h('span', { class: 'muted' }, '–');
  return h('span', { class: 'exact' }, h('time', { datetime: iso }, utcText(iso)), ' ',
    h('span', { class: 'muted local-time' }, `(${localTime(iso)})`));
}

/** The commit's first 10 characters, linked to the repository when the manifest gives a URL. */
export function commitLink(commit, commitUrl) {
  if (!commit) return h('span', { class: 'muted' }, '–');
  const code = h('code', { title: commit }, commit.slice(0, 10));
  if (!commitUrl) return code;
  return h('a', { href: commitUrl.replace('{commit}', commit), class: 'commit', rel: 'noopener' }, code);
}

/** The tag of an image URI (after the last ':' of its last path segment), else the URI. */
export function imageTag(uri) {
  if (!uri) return '';
  const slash = uri.lastIndexOf('/');
  const colon = uri.lastIndexOf(':');
  return colon > slash ? uri.slice(colon + 1) : uri.slice(slash + 1);
}

/** A status word with its colour class; the word itself carries the meaning. */
export function badge(status) {
  const s = status || 'unknown';
  return h('span', { class: `badge s-${s.replace(/[^a-z-]/g, '')}` }, s);
}

/** "#12", or '–' when null. */
export function buildNo(n) {
  return n === null || n === undefined ? '–' : `#${n}`;
}

/** The in-app URL of a component, run or comparison. */
export const links = {
  component: (name, query) => `/components/${encodeURIComponent(name)}${query ? '?' + query : ''}`,
  run: (id) => `/runs/${encodeURIComponent(id)}`,
  compare: (a, b) => `/deployments/${encodeURIComponent(a)}/compare/${encodeURIComponent(b)}`,
};

/** A "Load older" button that calls `more()` (which returns the next cursor) until null. */
export function olderButton(label, next, more) {
  const button = h('button', { type: 'button', class: 'older' }, label);
  let cursor = next;
  button.hidden = !cursor;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      cursor = await more(cursor);
    } finally {
      button.disabled = false;
      button.hidden = !cursor;
    }
  });
  return button;
}
