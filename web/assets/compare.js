// The comparison of two deployments: which components differ (build, image and the commit
// each image is current for, with the commits touching it gained or taken back) and the
// commits between them (with the components each affects and where it is not deployed), with a form to pick two other deployments (an environment,
// then one of its deployments, 50 at a time, newest first).
import { apiPath, getJson, me, project, withQuery } from './api.js';
import { rollbackDialog } from './actions.js';
import {
  badge, buildNo, commitLink, h, heading, imageTag, links, table, timeAgo, timeExact,
} from './dom.js';

const k_page = 50;

/** Renders the comparison of deployments `a` and `b` into `main`. */
export async function render(main, [a, b], { signal, navigate }) {
  const [proj, data] = await Promise.all([
    project(), getJson(apiPath('deployments', a, 'compare', b), { signal })]);
  const from = picker('from', 'From', proj, data.from, signal);
  const to = picker('to', 'To', proj, data.to, signal);
  const form = h('form', { class: 'pickers', 'aria-label': 'Pick two deployments' }, from.element, to.element,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Compare'),
      h('a', { href: links.compare(b, a) }, 'Swap')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (from.value() && to.value()) navigate(links.compare(from.value(), to.value()));
  });
  const act = h('div', { class: 'card-actions' });
  main.replaceChildren(
    heading(`Deployment #${data.from.id} → #${data.to.id}`), act,
    h('div', { class: 'sides' }, side('From', data.from, proj), side('To', data.to, proj)),
    form,
    componentsOf(data, proj),
    commitsOf(data, proj));
  await Promise.all([from.load(), to.load()]);
  rollbackButton(act, data, proj, navigate).catch(() => { /* no button */ });
}

// "Roll back to this deployment": the From side, when it is an earlier succeeded deployment of
// an environment and the caller may roll back.
async function rollbackButton(where, data, proj, navigate) {
  const who = await me();
  if (!who.can.rollback || data.from.status !== 'succeeded') return;
  const envs = await getJson('/api/environments');
  const env = envs.environments.find((e) => e.name === data.from.env);
  if (!env || !env.current || env.current.id === data.from.id) return;
  where.append(h('button', {
    type: 'button', class: 'act-rollback',
    onclick: () => rollbackDialog(env, proj, () => navigate('/'), data.from.id),
  }, `Roll ${env.name} back to this deployment (#${data.from.id})`));
}

function side(label, d, proj) {
  return h('section', { class: 'side', 'aria-label': `${label}: deployment #${d.id}` },
    h('h2', null, `${label}: #${d.id} `, h('span', { class: 'muted' }, `${d.env}`)),
    h('p', null, badge(d.status), ' ', d.kind, d.source ? ` from ${d.source}` : '', ' · ',
      commitLink(d.commit, proj.commit_url)),
    h('p', null, timeExact(d.finished_at || d.started_at), ' (', timeAgo(d.finished_at || d.started_at), ')',
      d.actor ? ` by ${d.actor}` : '', d.run_id ? [' · ', h('a', { href: links.run(d.run_id) }, 'run')] : null),
    d.note ? h('p', null, 'Why: ', d.note) : null,
    d.reason ? h('p', { class: 'muted' }, d.reason) : null);
}

function componentsOf(data, proj) {
  const title = h('h2', { id: 'diff-title' }, 'Components that differ');
  const section = h('section', { 'aria-labelledby': 'diff-title' }, title);
  if (!data.components.length) {
    section.append(h('p', null, 'The two deployments run the same images, built from the same changes.'));
    return section;
  }
  // A side: the image (a config component has none: its state is the template) and the
  // commit it is current for.
  const cellOf = (x) => {
    if (!x) return h('span', { class: 'muted' }, 'absent');
    const at = x.commit ? commitLink(x.commit, proj.commit_url) : h('span', { class: 'muted' }, 'commit unknown');
    if (!x.image_uri) return ['template at ', at];
    return [buildNo(x.build_number), ' ', h('span', { class: 'tag', title: x.image_uri }, imageTag(x.image_uri)), ' · ', at];
  };
  const change = (c) => {
    if (!c.from) return 'added';
    if (!c.to) return 'removed';
    const parts = [];
    if (c.commits.length) parts.push(`${c.commits.length}${c.commits_truncated ? '+' : ''} commit${c.commits.length === 1 ? '' : 's'} gained`);
    if (c.removed.length) parts.push(`${c.removed.length} commit${c.removed.length === 1 ? '' : 's'} taken back`);
    if (parts.length) return parts.join(', ');
    const n = (c.to.build_number ?? 0) - (c.from.build_number ?? 0);
    if (n > 0) return `${n} build${n === 1 ? '' : 's'} newer`;
    if (n < 0) return `${-n} build${n === -1 ? '' : 's'} older`;
    return 'other image';
  };
  section.append(table(`${data.components.length} component${data.components.length === 1 ? '' : 's'} differ`,
    ['Component', `#${data.from.id} (${data.from.env})`, `#${data.to.id} (${data.to.env})`, 'Change'],
    data.components.map((c) => h('tr', null,
      h('th', { scope: 'row' }, h('a', { href: links.component(c.component) }, c.component)),
      h('td', null, cellOf(c.from)), h('td', null, cellOf(c.to)), h('td', null, change(c)))),
    { class: 'compare' }));
  return section;
}

function commitsOf(data, proj) {
  const section = h('section', { 'aria-labelledby': 'commits-title' },
    h('h2', { id: 'commits-title' }, 'Commits between them'));
  if (!data.commits.length) {
    section.append(h('p', null, 'No commits between them.'));
    return section;
  }
  // A commit is deployed in `to` only where every component it affects runs an image that
  // holds it; the others are named.
  const deployedIn = (c) => {
    if (!c.components.length) return h('span', { class: 'muted' }, 'affects no component');
    if (!c.not_deployed.length) return c.components.join(', ');
    return h('span', { class: 'error-text' }, `not deployed: ${c.not_deployed.join(', ')}`);
  };
  section.append(table(`${data.commits.length}${data.commits_truncated ? '+' : ''} commits, newest first`,
    ['Commit', 'Summary', 'Author', 'When', `In #${data.to.id}`],
    data.commits.map((c) => h('tr', null,
      h('td', null, commitLink(c.id, proj.commit_url)), h('td', null, c.summary),
      h('td', null, c.author), h('td', null, timeAgo(c.time)), h('td', null, deployedIn(c))))));
  if (data.commits_truncated) {
    section.append(h('p', { class: 'muted' }, 'Only the newest 200 commits are listed.'));
  }
  return section;
}

// An environment select and a deployment select whose options page in on demand.
function picker(key, label, proj, chosen, signal) {
  const envSelect = h('select', { id: `${key}-env` },
    proj.environments.map((e) => h('option', { value: e, selected: e === chosen.env }, e)));
  const depSelect = h('select', { id: `${key}-deployment`, required: true });
  const older = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older');
  let next = null;
  const fill = async (env, before, keep) => {
    const page = await getJson(withQuery(apiPath('environments', env, 'deployments'),
      { limit: k_page, before }), { signal });
    if (!before) depSelect.replaceChildren();
    for (const d of page.deployments) {
      depSelect.append(h('option', { value: d.id, selected: d.id === keep },
        `#${d.id} ${d.kind} ${d.status} ${(d.finished_at || d.started_at || '').slice(0, 16).replace('T', ' ')}`));
    }
    if (keep !== null && ![...depSelect.options].some((o) => o.value === String(keep))) {
      depSelect.prepend(h('option', { value: keep, selected: true }, `#${keep}`));
    }
    next = page.next;
    older.hidden = !next;
  };
  envSelect.addEventListener('change', () => fill(envSelect.value, null, null));
  older.addEventListener('click', () => fill(envSelect.value, next, Number(depSelect.value)));
  const element = h('fieldset', null, h('legend', null, label),
    h('label', { for: `${key}-env` }, 'Environment'), envSelect,
    h('label', { for: `${key}-deployment` }, 'Deployment'), depSelect, older);
  return { element, value: () => depSelect.value, load: () => fill(chosen.env, null, chosen.id) };
}
