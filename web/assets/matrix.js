// The home page: the environments x components matrix. Four answers (/api/project,
// /api/environments, /api/components, the latest runs), usually inlined into the page by the
// server (api.js takes them), else four requests in parallel; each cell is what the
// environment's current state holds for the component (build, image tag, commit, age, actor),
// marked when it differs from the environment it promotes from. The latest runs refresh every
// few seconds; when one starts or ends, the matrix is fetched again.
//
// The first screen comes first: laying out and painting 200 rows x 5 environments takes the
// browser ~300 ms on a small machine, so the rows one screen can hold (firstRows) are rendered
// and painted first, then the others are appended k_rows_per_frame at a time, a batch a frame.
import { every, getJson, me, project, withQuery } from './api.js';
import { envActions, healthLine, safetyLines } from './actions.js';
import {
  badge, buildNo, commitLink, duration, h, heading, imageTag, links, millisBetween, olderButton, table,
  timeAgo,
} from './dom.js';

const k_recent_runs = 10;
const k_components = 200;  // a page of the matrix: the API's largest page (service/pages.cpp inlines it)
const k_row_min_px = 48;    // a matrix row is one to three lines: 48-75 px
const k_rows_per_frame = 200;
const k_phone = '(max-width: 40rem)';  // the matrix becomes cards per environment

/** Renders the page into `main`. */
export async function render(main, _params, { signal }) {
  const [proj, envs, comps, runs] = await Promise.all([
    project(),
    getJson('/api/environments', { signal }),
    getJson(withQuery('/api/components', { limit: k_components }), { signal }),
    getJson(withQuery('/api/runs', { limit: k_recent_runs }), { signal }),
  ]);
  performance.mark('slipway:matrix-data');  // the benchmark splits API time from render time
  // Before the sections are built: the rows after the first screen wait for the same frame,
  // and this mark must come before they go in.
  afterPaint(() => performance.mark('slipway:matrix-painted'));
  const view = { proj, envs: envs.environments, comps: comps.components, next: comps.next ?? null };
  const summary = h('section', { 'aria-labelledby': 'envs-title' }, envSection(view));
  const grid = h('section', { 'aria-labelledby': 'matrix-title' }, matrixSection(view, signal));
  const recent = h('section', { 'aria-labelledby': 'runs-title' }, runsSection(runs.runs));
  main.replaceChildren(heading(proj.name), summary, grid, recent);
  performance.mark('slipway:matrix-rendered');  // the first screen; the benchmark reads the marks
  view.complete.then(() => afterPaint(() => performance.mark('slipway:matrix-complete')));

  let last = runsKey(runs.runs);
  // Everything again (after a write, or when the runs changed).
  const reload = async (fresh) => {
    const [e, c] = await Promise.all([getJson('/api/environments', { signal }),
      componentsUpTo(view.comps.length, signal)]);
    Object.assign(view, { envs: e.environments, comps: c.components, next: c.next ?? null });
    // The sections are arrays of nodes: spread, or replaceChildren would print the array.
    summary.replaceChildren(...[envSection(view)].flat());
    grid.replaceChildren(...[matrixSection(view, signal)].flat());
    if (fresh) recent.replaceChildren(...runsSection(fresh.runs));
  };
  view.refresh = () => reload(null).catch(() => {});
  // Who this tab is, for the buttons (inlined with the data when the service needs no token).
  me().then((who) => {
    view.who = who;
    summary.replaceChildren(...[envSection(view)].flat());
  }).catch(() => { /* no buttons */ });
  // A phone and a wide window get different matrices.
  const media = window.matchMedia(k_phone);
  const relayout = () => grid.replaceChildren(...[matrixSection(view, signal)].flat());
  media.addEventListener('change', relayout);
  signal.addEventListener('abort', () => media.removeEventListener('change', relayout), { once: true });
  every(5000, signal, async () => {
    const fresh = await getJson(withQuery('/api/runs', { limit: k_recent_runs }), { signal });
    const key = runsKey(fresh.runs);
    // Cards also change without a run (a request decided, a drift check): every fourth look.
    view.ticks = (view.ticks || 0) + 1;
    if (key === last && view.ticks % 4) return;
    last = key;
    await reload(fresh);
  });
}

// The components again, as many pages of the API as the matrix shows now (at least one), so a
// refresh keeps the rows "More components" added: {components, next}.
async function componentsUpTo(count, signal) {
  const components = [];
  let next = null;
  do {
    const page = await getJson(withQuery('/api/components', { limit: k_components, before: next }), { signal });
    components.push(...page.components);
    next = page.next ?? null;
  } while (next !== null && components.length < count);
  return { components, next };
}

// Calls `fn` once the next frame has been painted.
function afterPaint(fn) {
  requestAnimationFrame(() => setTimeout(fn, 0));
}

function runsKey(runs) {
  return runs.map((r) => `${r.id}:${r.status}`).join(',');
}

// How `cell` (env's state of one component) compares with `from` (the promoting env's).
function difference(cell, from, fromEnv) {
  if (!from && !cell) return null;
  if (!from) return `not in ${fromEnv}`;
  if (!cell) return `${fromEnv} has ${buildNo(from.build_number)}`;
  if (cell.image_uri === from.image_uri) return null;
  const behind = (from.build_number ?? 0) - (cell.build_number ?? 0);
  if (behind > 0) return `${behind} build${behind === 1 ? '' : 's'} behind ${fromEnv}`;
  if (behind < 0) return `ahead of ${fromEnv}`;
  return `differs from ${fromEnv}`;
}

function differing(view, env) {
  if (!env.promote_from) return 0;
  return view.comps.filter((c) => difference(c.deployed[env.name], c.deployed[env.promote_from], env.promote_from)).length;
}

function envCard(view, env, byName) {
  const cur = env.current;
  const source = env.promote_from ? byName.get(env.promote_from) : null;
  const diff = differing(view, env);
  const preview = cur && source && source.current && diff > 0
    ? h('a', { href: links.compare(cur.id, source.current.id), class: 'preview' },
      `Preview promotion from ${env.promote_from}`)
    : null;
  const stacks = env.stacks || [];
  const several = stacks.length > 1;
  const regions = [...new Set(stacks.map((s) => s.region).filter((r) => r))];
  return h('li', { class: 'env-card', 'data-env': env.name },
    h('h3', null, env.name, env.partially_deployed ? [' ', badge('partially deployed')] : null),
    h('p', { class: 'muted' }, several ? `${new Set(stacks.map((s) => s.stack)).size} stacks` : env.stack,
      ' · ', several && regions.length ? regions.join(', ') : env.region,
      env.trigger_branch ? [' · deploys on ', h('code', null, env.trigger_branch)] : null),
    cur
      ? h('p', null, `Deployment #${cur.id} `, badge(cur.kind), ' ', commitLink(cur.commit, view.proj.commit_url),
        ' ', timeAgo(cur.finished_at), cur.actor ? ` by ${cur.actor}` : '',
        cur.run_id ? [' · ', h('a', { href: links.run(cur.run_id) }, 'run')] : null)
      : h('p', null, 'Never deployed.'),
    several
      ? h('ul', { class: 'env-stacks' }, stacks.map((s) => h('li', null,
        h('code', null, s.label), ' ',
        s.current ? [`#${s.current.id} `, commitLink(s.current.commit, view.proj.commit_url)] : 'never deployed',
        ` · wave ${s.wave}`)))
      : null,
    env.pending && env.pending.length
      ? h('p', null, badge('pending'), ` ${env.pending.length} deployment${env.pending.length === 1 ? '' : 's'} in progress`)
      : null,
    env.promote_from
      ? h('p', { class: diff ? 'differs-note' : 'muted' },
        diff ? `${diff} component${diff === 1 ? ' differs' : 's differ'} from ${env.promote_from}` : `Same as ${env.promote_from}`,
        preview ? [' · ', preview] : null)
      : null,
    cur && cur.note ? h('p', { class: 'muted note-line' }, 'Why: ', cur.note) : null,
    healthLine(env),
    safetyLines(env),
    envActions(env, byName, view.proj, view.who, view.refresh || (() => {})));
}

function envSection(view) {
  const byName = new Map(view.envs.map((e) => [e.name, e]));
  return [h('h2', { id: 'envs-title' }, 'Environments'),
    h('ul', { class: 'env-cards' }, view.envs.map((e) => envCard(view, e, byName)))];
}

function cell(view, comp, env) {
  const d = comp.deployed[env.name];
  const note = env.promote_from
    ? difference(d, comp.deployed[env.promote_from], env.promote_from) : null;
  const attrs = { class: note ? 'cell differs' : 'cell', 'data-env': env.name };
  if (!d) {
    return h('td', attrs, h('span', { class: 'muted' }, comp.kind === 'image' || !comp.kind ? 'not deployed' : '–'),
      note ? h('span', { class: 'note' }, note) : null);
  }
  return h('td', attrs,
    h('a', { href: links.component(comp.name, `env=${encodeURIComponent(env.name)}`), class: 'build' },
      buildNo(d.build_number)),
    ' ', h('span', { class: 'tag', title: d.image_uri }, imageTag(d.image_uri)),
    h('span', { class: 'meta' }, commitLink(d.commit, view.proj.commit_url), ' ', timeAgo(d.finished_at),
      d.actor ? ` · ${d.actor}` : ''),
    note ? h('span', { class: 'note' }, note) : null);
}

// The matrix, its first rows now and the others a batch per frame (view.complete resolves when
// all are in); when the API pages the components, "More components" fetches the next page.
function matrixSection(view, signal) {
  const filter = h('input', {
    type: 'search', id: 'matrix-filter', placeholder: 'Filter components', value: view.filter || '',
    'aria-label': 'Filter components by name',
  });
  filter.addEventListener('input', () => {
    view.filter = filter.value;
    applyFilter(view, filter.closest('section'));
  });
  const head = [h('h2', { id: 'matrix-title' }, 'What is deployed where'),
    h('div', { class: 'filters' }, filter)];
  if (window.matchMedia(k_phone).matches) {
    const cards = phoneMatrix(view);
    queueMicrotask(() => applyFilter(view, cards.closest('section')));
    view.complete = Promise.resolve();
    return [...head, cards];
  }
  const first = firstRows();
  const body = h('tbody', { 'aria-busy': view.comps.length > first ? 'true' : null },
    view.comps.slice(0, first).map((c) => componentRow(view, c)));
  view.complete = appendRows(view, body, view.comps.slice(first), signal);
  const more = olderButton('More components', view.next, async (cursor) => {
    await view.complete;
    const page = await getJson(withQuery('/api/components', { limit: k_components, before: cursor }), { signal });
    view.comps.push(...page.components);
    body.append(...page.components.map((c) => componentRow(view, c)));
    return page.next ?? null;
  });
  return [...head,
    table(`Components by environment`, ['Component', 'Latest build', ...view.envs.map((e) => e.name)], body,
      { class: 'matrix', style: `--envs:${view.envs.length}` }),
    more];
}

// Rows (and phone cards' items) whose component name does not hold the filter text are hidden.
function applyFilter(view, section) {
  if (!section) return;
  const q = (view.filter || '').trim().toLowerCase();
  for (const el of section.querySelectorAll('[data-component]'))
    el.hidden = q !== '' && !el.dataset.component.toLowerCase().includes(q);
}

// On a phone: a card per environment listing what it runs, no table to scroll sideways.
function phoneMatrix(view) {
  return h('ul', { class: 'env-cards phone-matrix', 'aria-label': 'Components by environment' },
    view.envs.map((env) => h('li', { class: 'env-card' }, h('h3', null, env.name),
      h('ul', { class: 'comp-list' }, view.comps.map((c) => {
        const d = c.deployed[env.name];
        const note = env.promote_from ? difference(d, c.deployed[env.promote_from], env.promote_from) : null;
        return h('li', { 'data-component': c.name, class: note ? 'differs' : null },
          h('a', { href: links.component(c.name) }, c.name), ' ',
          d ? [h('strong', null, buildNo(d.build_number)), ' ', h('span', { class: 'tag' }, imageTag(d.image_uri)), ' ',
            timeAgo(d.finished_at)] : h('span', { class: 'muted' }, c.kind === 'image' || !c.kind ? 'not deployed' : c.kind),
          note ? h('span', { class: 'note' }, ` · ${note}`) : null);
      })))));
}

// How many rows fill the window even when the table starts at its top.
function firstRows() {
  return Math.max(10, Math.ceil(window.innerHeight / k_row_min_px));
}

// Appends the rows of `comps` to `body`, k_rows_per_frame after each painted frame; stops when
// the page is left or `body` was replaced (a refresh). Resolves when done.
function appendRows(view, body, comps, signal) {
  if (!comps.length) return Promise.resolve();
  return new Promise((resolve) => {
    let next = 0;
    const batch = () => {
      if (signal.aborted || !body.isConnected) return resolve();
      body.append(...comps.slice(next, next + k_rows_per_frame).map((c) => componentRow(view, c)));
      next += k_rows_per_frame;
      if (next < comps.length) return afterPaint(batch);
      body.removeAttribute('aria-busy');
      resolve();
    };
    afterPaint(batch);
  });
}

function componentRow(view, c) {
  const q = (view.filter || '').trim().toLowerCase();
  return h('tr', { 'data-component': c.name, hidden: q !== '' && !c.name.toLowerCase().includes(q) },
    h('th', { scope: 'row' }, h('a', { href: links.component(c.name) }, c.name),
      c.kind && c.kind !== 'image' ? h('span', { class: 'kind' }, c.kind) : null),
    h('td', { class: 'latest' }, c.latest_build
      ? [buildNo(c.latest_build.build_number), ' ', badge(c.latest_build.status), ' ', timeAgo(c.latest_build.started_at)]
      : h('span', { class: 'muted' }, '–')),
    view.envs.map((e) => cell(view, c, e)));
}

/** The table of runs shared with the queue page. */
export function runsTable(caption, runs) {
  return table(caption, ['Run', 'Environment', 'Kind', 'Status', 'Result', 'Actor', 'Trigger', 'Started', 'Took'],
    runs.map((r) => h('tr', null,
      h('td', null, h('a', { href: links.run(r.id) }, h('code', null, r.id))),
      h('td', null, r.env), h('td', null, r.kind), h('td', null, badge(r.status)),
      h('td', null, r.result || ''), h('td', null, r.actor || ''), h('td', null, r.trigger),
      h('td', null, timeAgo(r.started_at)),
      h('td', null, duration(millisBetween(r.started_at, r.finished_at))))), { class: 'runs' });
}

function runsSection(runs) {
  return [h('h2', { id: 'runs-title' }, 'Latest runs'),
    runs.length ? runsTable(`Latest runs (${runs.length})`, runs) : h('p', null, 'No run yet.'),
    h('p', null, h('a', { href: '/queue#runs' }, 'All runs, the queue and webhook deliveries'))];
}
