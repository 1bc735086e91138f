// The pull requests' plans (/pulls) and one PR's plan (/pulls/N): per environment its merge
// would deploy, what would build (or be reused), which stack parameters and resources would
// change (from a change set that was created, described and deleted), or why it could not be
// planned. The PR's comment on GitHub links here. Refreshed every five seconds while a plan
// is queued or being made.
import { every, getJson } from './api.js';
import { badge, h, heading, table, timeAgo } from './dom.js';

const k_refresh_ms = 5000;

function sha(s) {
  return s ? h('code', { title: s }, s.slice(0, 12)) : '–';
}

function busy(p) {
  return p.envs.some((e) => e.result === 'queued' || e.result === 'planning');
}

/** Renders /pulls (no params) or /pulls/N into `main`. */
export async function render(main, params, { signal }) {
  const number = params[0];
  const draw = number ? (p) => onePull(p) : (list) => allPulls(list.pulls);
  const path = number ? `/api/pulls/${encodeURIComponent(number)}` : '/api/pulls';
  const data = await getJson(path, { signal });
  const body = h('div', null, draw(data));
  main.replaceChildren(heading(number ? `Plan of pull request #${number}` : 'Pull requests'), body);
  every(k_refresh_ms, signal, async () => {
    const still = number ? busy(data) : data.pulls.some(busy);
    if (!still) return;
    const fresh = await getJson(path, { signal });
    Object.assign(data, fresh);
    body.replaceChildren(draw(fresh));
  });
}

function allPulls(pulls) {
  if (!pulls.length)
    return h('p', { class: 'muted' }, 'No pull request was planned yet: slipway plans those into a branch that triggers an environment.');
  return table(`Pull requests (${pulls.length}), open first`,
    ['Pull request', 'State', 'Head', 'Into', 'Plans', 'Updated'],
    pulls.map((p) => h('tr', null,
      h('td', null, h('a', { href: `/pulls/${p.number}` }, `#${p.number}`), ' ', p.title || ''),
      h('td', null, badge(p.state)), h('td', null, sha(p.head_sha)),
      h('td', null, h('code', null, p.base_ref)),
      h('td', null, p.envs.map((e) => h('span', null, e.env, ' ', badge(e.result), ' '))),
      h('td', null, timeAgo(p.updated_at)))));
}

function onePull(p) {
  // The plan on show is of an older head while a newer push waits to be planned (or was
  // cancelled by the PR's closing): say so, and which merge it is of.
  const older = p.planned_head && p.planned_head !== p.head_sha;
  const busyNow = busy(p);
  return h('div', null,
    h('p', null, p.url ? h('a', { href: p.url, rel: 'noreferrer' }, p.title || `#${p.number}`) : p.title || '',
      ' by ', p.author || '?', ' · ', badge(p.state), ' · head ', sha(p.head_sha),
      p.head_ref ? [' (', h('code', null, p.head_ref), ')'] : null, ' into ', h('code', null, p.base_ref),
      p.merge_commit && !older ? [' · merge ', sha(p.merge_commit)] : null, ' · updated ', timeAgo(p.updated_at)),
    older ? h('p', { class: 'superseded', role: 'status' }, 'The plan below is of ', sha(p.planned_head),
      p.merge_commit ? [' (merge ', sha(p.merge_commit), ')'] : null, ': superseded by the push of ', sha(p.head_sha),
      busyNow ? ', whose plan is being made.' : ', which was not planned.') : null,
    p.envs.map(envPlan));
}

function envPlan(e) {
  const id = `env-${e.env}`;
  const parts = [h('h2', { id, tabindex: '-1' }, e.env, ' ', badge(e.result)),
    h('p', null, e.stack ? ['Stack ', h('code', null, e.stack)] : null,
      e.base ? [' · compared with ', sha(e.base), ` (${e.base_reason})`] : null,
      e.planned_at ? [' · planned ', timeAgo(e.planned_at), ` in ${(e.millis / 1000).toFixed(1)} s`] : null)];
  if (e.message) parts.push(h('p', { class: e.result === 'failed' || e.result === 'error' ? 'error' : 'muted' }, e.message));
  if (e.problems.length)
    parts.push(table('Problems', ['File', 'Line', 'Message'],
      e.problems.map((x) => h('tr', null, h('td', null, h('code', null, x.path)), h('td', null, x.line), h('td', null, x.message)))));
  if (e.result === 'nothing-affected') parts.push(h('p', null, 'Nothing affected: the stack would not be touched.'));
  if (e.affected.length)
    parts.push(table(`Affected components (${e.affected.length})`, ['Component', 'Why'],
      e.affected.map((a) => h('tr', null, h('td', null, h('code', null, a.component)), h('td', null, a.reason)))));
  if (e.builds.length)
    parts.push(table(`Builds (${e.builds.length})`, ['Component', 'Build', 'Image'],
      e.builds.map((b) => h('tr', null, h('td', null, h('code', null, b.component)),
        h('td', null, b.reused ? `reuses #${b.build_number}` : `#${b.build_number} (new)`), h('td', null, h('code', null, b.image_uri))))));
  if (e.parameters.length)
    parts.push(table(`Parameters that would change (${e.parameters.length})`, ['Parameter', 'Now', 'Would be'],
      e.parameters.map((x) => h('tr', null, h('td', null, h('code', null, x.name)),
        h('td', null, h('code', null, x.old || '–')), h('td', null, h('code', null, x.new))))));
  if (e.resources.length)
    parts.push(table(`Resource changes (${e.resources.length}): the change set was created, described and deleted, never executed`,
      ['Action', 'Resource', 'Type', 'Replacement'],
      e.resources.map((r) => h('tr', null, h('td', null, r.action), h('td', null, h('code', null, r.logical_id)),
        h('td', null, r.resource_type), h('td', null, r.replacement || '–')))));
  return h('section', { 'aria-labelledby': id }, parts);
}
