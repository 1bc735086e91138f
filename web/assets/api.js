// The JSON API of docs/api.md as the pages use it: GET requests under /api/, the bearer token
// (asked once when the service answers 401, kept in this tab's sessionStorage, sent as
// `Authorization: Bearer`), and the service's error objects turned into ApiError.
// Concurrent requests that meet a 401 share one prompt; a refused token is forgotten and
// asked for again. The server may inline the first answers a page needs into the page itself
// (a JSON block #slipway-data, keyed by API path: service/pages.hpp); getJson takes each of
// them once instead of asking, so a later refresh of the same path asks the API.

const k_token_key = 'slipway.token';
let g_prompt = null;   // the pending token prompt, shared by concurrent 401s
let g_project = null;  // /api/project, read once per page load
let g_inlined = null;  // the answers inlined into the page, until taken

/** An answer other than 2xx: `status`, the API's `code` and its `message`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `${status} ${code}`);
    this.status = status;
    this.code = code;
  }
}

/** `path` with the query parameters of `params` that are not null, undefined or ''. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

/** `/api/...` with each segment escaped: apiPath('components', name). */
export function apiPath(...segments) {
  return '/api/' + segments.map((s) => encodeURIComponent(String(s))).join('/');
}

function headers() {
  const token = sessionStorage.getItem(k_token_key);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

// Shows the token dialog; resolves when a token was entered, rejects when it was dismissed.
function askToken(refused) {
  if (g_prompt) return g_prompt;
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  document.getElementById('token-why').textContent = refused
    ? 'The service refused that token (401). Enter the API token again.'
    : 'The service answered 401: enter the API token (it is kept in this browser tab only).';
  input.value = '';
  g_prompt = new Promise((resolve, reject) => {
    dialog.addEventListener('close', () => {
      g_prompt = null;
      const token = input.value.trim();
      if (dialog.returnValue === 'ok' && token) {
        sessionStorage.setItem(k_token_key, token);
        resolve();
      } else {
        reject(new ApiError(401, 'unauthorized', 'no API token given'));
      }
    }, { once: true });
  });
  dialog.returnValue = '';
  dialog.showModal();
  input.focus();
  return g_prompt;
}

async function errorOf(response) {
  let code = 'http_' + response.status;
  let message = `${response.status} ${response.statusText}`;
  try {
    const body = await response.json();
    if (body && body.error) ({ code, message } = body.error);
  } catch { /* not the API's JSON: keep the status line */ }
  return new ApiError(response.status, code, message);
}

/** GET `path`; the Response when 2xx (after asking for the token on 401), else ApiError. */
export async function request(path, { signal } = {}) {
  for (;;) {
    const hadToken = sessionStorage.getItem(k_token_key) !== null;
    const response = await fetch(path, { headers: headers(), signal, cache: 'no-store' });
    if (response.status !== 401) {
      if (!response.ok) throw await errorOf(response);
      return response;
    }
    if (hadToken) sessionStorage.removeItem(k_token_key);
    await askToken(hadToken);
  }
}

// The answer inlined into the page for `path` (taken: a second call asks the API), or undefined.
function takeInlined(path) {
  if (!g_inlined) {
    const block = document.getElementById('slipway-data');
    let answers = {};
    try {
      answers = block ? JSON.parse(block.textContent) : {};
    } catch { /* not what the server writes: ask the API */ }
    g_inlined = new Map(Object.entries(answers));
    if (block) block.remove();
  }
  const answer = g_inlined.get(path);
  g_inlined.delete(path);
  return answer;
}

/** GET `path` and parse its JSON (or the answer the server inlined into the page for it). */
export async function getJson(path, options) {
  const inlined = takeInlined(path);
  if (inlined !== undefined) return inlined;
  const response = await request(path, options);
  return response.json();
}

/** /api/project ({name, environments, commit_url, version}), fetched once. */
export function project() {
  if (!g_project) {
    g_project = getJson('/api/project').catch((e) => {
      g_project = null;
      throw e;
    });
  }
  return g_project;
}

/**
 * Calls `fn` every `ms` milliseconds (after the previous call ended) until `signal` aborts;
 * a hidden tab skips its turns. Errors of `fn` are given to `onError` and polling goes on.
 */
export function every(ms, signal, fn, onError = () => {}) {
  let timer = null;
  const tick = async () => {
    if (signal.aborted) return;
    if (!document.hidden) {
      try {
        await fn();
      } catch (e) {
        if (!signal.aborted && e.name !== 'AbortError') onError(e);
      }
    }
    if (!signal.aborted) timer = setTimeout(tick, ms);
  };
  timer = setTimeout(tick, ms);
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
}

let g_me = null;  // /api/me: who the service takes this tab for, its role and CSRF token

/** /api/me ({actor, role, csrf, can: {request, approve, rollback}}), read once per page load. */
export function me() {
  if (!g_me) {
    g_me = getJson('/api/me').catch((e) => {
      g_me = null;
      throw e;
    });
  }
  return g_me;
}

/**
 * POST `fields` as JSON to `path` (a write of docs/api.md) with the tab's token and CSRF
 * token; the parsed answer when 2xx, else ApiError with the service's message.
 */
export async function post(path, fields) {
  const who = await me();
  const response = await fetch(path, {
    method: 'POST',
    headers: { ...headers(), 'Content-Type': 'application/json', 'X-CSRF-Token': who.csrf },
    body: JSON.stringify(fields || {}),
    cache: 'no-store',
  });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}
