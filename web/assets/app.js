// The single-page app: the service answers index.html for every page route, and this module
// picks the page from the path, renders it into <main>, and turns clicks on in-app links into
// history entries (so URLs stay shareable and Back works). Each page gets an AbortSignal that
// fires when the user leaves it: pollers (logs, queue, runs) stop with it.
import { errorBox, h } from './dom.js';
import { project } from './api.js';
import * as matrix from './matrix.js';

const k_routes = [
  { pattern: /^\/$/, nav: 'home', page: async () => matrix },
  { pattern: /^\/components\/([^/]+)\/?$/, nav: 'home', page: () => import('./component.js') },
  { pattern: /^\/runs\/([^/]+)\/?$/, nav: 'queue', page: () => import('./run.js') },
  { pattern: /^\/deployments\/([^/]+)\/compare\/([^/]+)\/?$/, nav: 'home', page: () => import('./compare.js') },
  { pattern: /^\/queue\/?$/, nav: 'queue', page: () => import('./queue.js') },
  { pattern: /^\/pulls\/?$/, nav: 'pulls', page: () => import('./pulls.js') },
  { pattern: /^\/pulls\/(\d+)\/?$/, nav: 'pulls', page: () => import('./pulls.js') },
];

let g_current = null;  // the AbortController of the page on screen
let g_shown = '';      // the path and query of the page on screen

function match(pathname) {
  for (const route of k_routes) {
    const m = route.pattern.exec(pathname);
    if (m) return { route, params: m.slice(1).map(decodeURIComponent) };
  }
  return null;
}

// The not-found page: what is missing, and where to go from here.
function notFound(what) {
  document.title = 'Not found · slipway';
  return [h('h1', { tabindex: '-1', class: 'not-found' }, 'Not found'),
    h('p', null, what),
    h('ul', null,
      h('li', null, h('a', { href: '/' }, 'Environments'), ': what is deployed where'),
      h('li', null, h('a', { href: '/queue' }, 'Queue and runs'), ': every run, newest first'))];
}

function markNav(nav) {
  for (const a of document.querySelectorAll('header nav a[data-nav]')) {
    if (a.dataset.nav === nav && !a.classList.contains('brand')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// Scrolls to the element the URL's fragment names (opening it when it is a <details>).
function reveal(hash) {
  const target = hash && document.getElementById(decodeURIComponent(hash.slice(1)));
  if (!target) return;
  if (target.tagName === 'DETAILS') target.open = true;
  target.scrollIntoView();
  const focusable = target.matches('details') ? target.querySelector('summary') : target;
  if (focusable) focusable.focus({ preventScroll: true });
}

async function render({ focus }) {
  const url = new URL(location.href);
  if (url.pathname + url.search === g_shown) {  // only the fragment changed (Back, Forward)
    reveal(url.hash);
    return;
  }
  g_shown = url.pathname + url.search;
  if (g_current) g_current.abort();
  const controller = new AbortController();
  g_current = controller;
  const main = document.getElementById('main');
  const found = match(url.pathname);
  if (!found) {
    markNav('');
    main.replaceChildren(...notFound(`There is no page at ${url.pathname}.`));
    return;
  }
  markNav(found.route.nav);
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await found.route.page();
    await page.render(main, found.params, { signal: controller.signal, url, navigate });
  } catch (e) {
    if (controller.signal.aborted || e.name === 'AbortError') return;
    if (e.status === 404) main.replaceChildren(...notFound(e.message));
    else main.replaceChildren(h('h1', { tabindex: '-1' }, 'Something went wrong'), errorBox(e, 'load this page'));
  } finally {
    if (g_current === controller) main.removeAttribute('aria-busy');
  }
  if (focus && !controller.signal.aborted) {
    const h1 = main.querySelector('h1');
    if (h1) h1.focus({ preventScroll: false });
  }
}

/** Shows `href` (an in-app URL); `replace` rewrites the current history entry instead. */
export function navigate(href, { replace = false } = {}) {
  g_shown = '';  // render even when only the query is the same (a filter applied again)
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  render({ focus: !replace });
  if (!replace) window.scrollTo(0, 0);
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/assets/')) return;
  if (!match(url.pathname)) return;
  event.preventDefault();
  if (url.pathname === location.pathname && url.search === location.search && url.hash) {
    history.pushState(null, '', url.hash);
    reveal(url.hash);
    return;
  }
  navigate(url.pathname + url.search + url.hash);
}

document.addEventListener('click', onClick);
window.addEventListener('popstate', () => render({ focus: true }));
project().then((p) => {
  document.getElementById('project-name').textContent = p.name;
}).catch(() => { /* the page shows the error */ });
render({ focus: false });
