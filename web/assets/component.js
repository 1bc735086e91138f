// The component page: its builds and its deployments (newest first, 20 a page, "Load older"
// follows the API's `next` cursors), a timeline with one lane per environment, and filters
// by environment and time kept in the URL (?env=&since=&until=, dates in UTC) so a filtered
// view can be shared. The time filter is sent to the API (`since`, `until`) and also applied
// to what comes back.
import { apiPath, getJson, project, withQuery } from './api.js';
import {
  badge, buildNo, commitLink, duration, h, heading, imageTag, links, millisBetween, olderButton,
  table, timeAgo, timeExact,
} from './dom.js';

const k_page = 20;

function filterOf(url) {
  const p = url.searchParams;
  const date = (v) => (/^\d{4}-\d{2}-\d{2}$/.test(v || '') ? v : '');
  return { env: p.get('env') || '', since: date(p.get('since')), until: date(p.get('until')) };
}

function apiFilter(f) {
  return {
    env: f.env,
    since: f.since ? `${f.since}T00:00:00Z` : '',
    until: f.until ? `${f.until}T23:59:59Z` : '',
  };
}

function inRange(f, iso) {
  if (!iso) return true;
  const day = iso.slice(0, 10);
  return (!f.since || day >= f.since) && (!f.until || day <= f.until);
}

/** Renders the page of component `name` into `main`. */
export async function render(main, [name], { signal, url, navigate }) {
  const f = filterOf(url);
  const q = apiFilter(f);
  const [proj, data] = await Promise.all([
    project(),
    getJson(withQuery(apiPath('components', name), { limit: k_page, ...q }), { signal }),
  ]);
  const comp = data.component;
  const state = {
    proj, f,
    builds: data.builds.filter((b) => inRange(f, b.started_at)),
    deployments: data.deployments.filter((d) => inRange(f, d.started_at)),
  };
  const timeline = h('div', null, timelineOf(state));
  const redraw = () => timeline.replaceChildren(timelineOf(state));
  const ctx = { state, name, q, signal, redraw };
  main.replaceChildren(
    heading(comp.name, ' ', h('span', { class: 'kind' }, comp.kind || 'image')),
    h('p', { class: 'muted' },
      comp.parameter ? ['Stack parameter ', h('code', null, comp.parameter)] : 'No stack parameter',
      comp.depends_on && comp.depends_on.length
        ? ['; depends on ', comp.depends_on.map((d, i) => [i ? ', ' : '', h('a', { href: links.component(d) }, d)])]
        : null, '.'),
    filterForm(proj, f, (next) => navigate(`${links.component(name)}${next ? '?' + next : ''}`)),
    h('section', { 'aria-labelledby': 'timeline-title' }, h('h2', { id: 'timeline-title' }, 'Timeline'), timeline),
    deploymentsSection(ctx, data.deployments_next),
    buildsSection(ctx, data.builds_next));
}

// The deployments table; "Load older" fetches the next page (the rows are redrawn, since
// each links to the previous deployment of its environment).
function deploymentsSection({ state, name, q, signal, redraw }, next) {
  const rows = h('tbody', null, deploymentRows(state, state.deployments));
  if (!state.deployments.length) rows.append(emptyRow(10, 'No deployments in this view.'));
  const more = olderButton('Load older deployments', next, async (cursor) => {
    const page = await getJson(withQuery(apiPath('components', name, 'deployments'),
      { limit: k_page, before: cursor, ...q }), { signal });
    state.deployments = state.deployments.concat(page.deployments.filter((d) => inRange(state.f, d.started_at)));
    rows.replaceChildren(...deploymentRows(state, state.deployments));
    redraw();
    return page.next;
  });
  return h('section', { 'aria-labelledby': 'deps-title' }, h('h2', { id: 'deps-title' }, 'Deployments'),
    table(`Deployments of ${name}${state.f.env ? ' to ' + state.f.env : ''}, newest first`,
      ['Deployment', 'Environment', 'Status', 'Kind', 'Build', 'Image', 'Commit', 'Actor', 'Finished', ''],
      rows, { class: 'deployments' }),
    more);
}

function buildsSection({ state, name, q, signal, redraw }, next) {
  const rows = h('tbody', null, state.builds.map((b) => buildRow(state, b)));
  if (!state.builds.length) rows.append(emptyRow(8, 'No builds in this view.'));
  const more = olderButton('Load older builds', next, async (cursor) => {
    const page = await getJson(withQuery(apiPath('components', name, 'builds'),
      { limit: k_page, before: cursor, since: q.since, until: q.until }), { signal });
    const fresh = page.builds.filter((b) => inRange(state.f, b.started_at));
    if (!state.builds.length && fresh.length) rows.replaceChildren();
    state.builds.push(...fresh);
    rows.append(...fresh.map((b) => buildRow(state, b)));
    redraw();
    return page.next;
  });
  return h('section', { 'aria-labelledby': 'builds-title' }, h('h2', { id: 'builds-title' }, 'Builds'),
    table(`Builds of ${name}, newest first`,
      ['Build', 'Status', 'Commit', 'Image', 'Started', 'Took', 'Run', 'Log'], rows, { class: 'builds' }),
    more);
}

function emptyRow(span, text) {
  return h('tr', null, h('td', { colspan: span, class: 'muted' }, text));
}

function filterForm(proj, f, apply) {
  const env = h('select', { id: 'f-env', name: 'env' },
    h('option', { value: '' }, 'All environments'),
    proj.environments.map((e) => h('option', { value: e, selected: e === f.env }, e)));
  const since = h('input', { id: 'f-since', name: 'since', type: 'date', value: f.since });
  const until = h('input', { id: 'f-until', name: 'until', type: 'date', value: f.until });
  const form = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter this history' },
    h('div', null, h('label', { for: 'f-env' }, 'Environment'), env),
    h('div', null, h('label', { for: 'f-since' }, 'From (UTC)'), since),
    h('div', null, h('label', { for: 'f-until' }, 'To (UTC)'), until),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply'),
      h('button', { type: 'button', class: 'secondary', onclick: () => apply('') }, 'Clear')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (env.value) q.set('env', env.value);
    if (since.value) q.set('since', since.value);
    if (until.value) q.set('until', until.value);
    apply(q.toString());
  });
  return form;
}

function buildRow(state, b) {
  return h('tr', { id: b.build_number !== null ? `build-${b.build_number}` : null },
    h('td', null, buildNo(b.build_number)),
    h('td', null, badge(b.status), b.exit_code ? ` exit ${b.exit_code}` : ''),
    h('td', null, commitLink(b.commit, state.proj.commit_url)),
    h('td', null, b.image_uri ? h('span', { class: 'tag', title: b.image_uri }, imageTag(b.image_uri)) : '–'),
    h('td', null, timeAgo(b.started_at)),
    h('td', null, duration(millisBetween(b.started_at, b.finished_at))),
    h('td', null, h('a', { href: links.run(b.run_id) }, h('code', null, b.run_id))),
    h('td', null, b.log
      ? h('a', { href: `${links.run(b.run_id)}#log-${encodeURIComponent(b.component)}` }, 'log') : '–'));
}

// Rows newest first; each links to the comparison with the previous deployment of its env.
function deploymentRows(state, deployments) {
  const older = new Map();
  for (let i = deployments.length - 1; i >= 0; i--) {
    const d = deployments[i];
    d.previous = older.get(d.env) ?? null;
    older.set(d.env, d.deployment_id);
  }
  return deployments.map((d) => h('tr', { id: `deployment-${d.deployment_id}` },
    h('td', null, d.run_id ? h('a', { href: links.run(d.run_id) }, `#${d.deployment_id}`) : `#${d.deployment_id}`),
    h('td', null, d.env),
    h('td', null, badge(d.status)),
    h('td', null, d.kind, d.note ? h('span', { class: 'muted note-line', title: d.note }, h('br'), d.note) : null),
    h('td', null, buildNo(d.build_number), ' ', h('span', { class: d.changed ? 'new' : 'kept' }, d.changed ? 'new' : 'kept')),
    h('td', null, h('span', { class: 'tag', title: d.image_uri }, imageTag(d.image_uri))),
    h('td', null, commitLink(d.commit, state.proj.commit_url)),
    h('td', null, d.actor || ''),
    h('td', null, timeAgo(d.finished_at)),
    h('td', null, d.previous !== null
      ? h('a', { href: links.compare(d.previous, d.deployment_id) }, 'compare with previous') : '')));
}

// One lane per environment (and one for builds) on a shared time axis.
function timelineOf(state) {
  const times = [...state.builds.map((b) => b.started_at), ...state.deployments.map((d) => d.started_at)]
    .filter(Boolean).map((t) => Date.parse(t));
  if (!times.length) return h('p', { class: 'muted' }, 'Nothing to show in this view.');
  const start = Math.min(...times);
  const end = Math.max(Date.now(), start + 60000);
  const at = (iso) => `${(((Date.parse(iso) - start) / (end - start)) * 96 + 2).toFixed(2)}%`;
  const envs = state.f.env ? [state.f.env] : state.proj.environments;
  const lane = (label, marks) => h('li', { class: 'lane' },
    h('span', { class: 'lane-name' }, label), h('span', { class: 'track' }, marks));
  const lanes = envs.map((env) => lane(env, state.deployments.filter((d) => d.env === env && d.started_at)
    .map((d) => h('a', {
      class: `mark ${d.changed ? 'new' : 'kept'} s-${d.status}`, style: `left:${at(d.started_at)}`,
      href: `#deployment-${d.deployment_id}`,
      'aria-label': `deployment #${d.deployment_id} to ${env}: build ${buildNo(d.build_number)}, ${d.changed ? 'new' : 'kept'}, ${d.status}, ${d.started_at}`,
      title: `#${d.deployment_id} ${buildNo(d.build_number)} ${d.changed ? 'new' : 'kept'} ${d.status} ${d.started_at}`,
    }))));
  lanes.unshift(lane('builds', state.builds.filter((b) => b.started_at).map((b) => h('a', {
    class: `mark build s-${b.status}`, style: `left:${at(b.started_at)}`,
    href: b.build_number !== null ? `#build-${b.build_number}` : links.run(b.run_id),
    'aria-label': `build ${buildNo(b.build_number)}: ${b.status}, ${b.started_at}`,
    title: `${buildNo(b.build_number)} ${b.status} ${b.started_at}`,
  }))));
  return [h('ol', { class: 'timeline', 'aria-label': 'Builds and deployments over time' }, lanes),
    h('p', { class: 'axis muted' }, timeExact(new Date(start).toISOString().replace(/\.\d+Z$/, 'Z')), ' → now',
      h('span', { class: 'legend' }, ' · filled: new image, hollow: kept')),
  ];
}
