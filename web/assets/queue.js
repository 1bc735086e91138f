// The queue page: per environment what runs and what waits, the latest jobs and webhook
// deliveries with their results (refreshed every three seconds), and every run, newest first,
// paged with the API's cursor and filtered by environment.
import { every, getJson, project, withQuery } from './api.js';
import { badge, h, heading, links, olderButton, table, timeAgo } from './dom.js';
import { runsTable } from './matrix.js';

const k_refresh_ms = 3000;
const k_page = 20;

/** Renders the queue page into `main`. */
export async function render(main, _params, { signal, url, navigate }) {
  const env = url.searchParams.get('env') || '';
  const runsQuery = () => withQuery('/api/runs', { env, limit: k_page });
  const [proj, queue, runs] = await Promise.all([
    project(), getJson('/api/queue', { signal }), getJson(runsQuery(), { signal })]);
  const live = h('div', null, queueOf(queue));
  const runList = h('div', null, runsTable(runsCaption(env), runs.runs));
  let pagedOlder = false;
  const older = olderButton('Load older runs', runs.next, async (cursor) => {
    pagedOlder = true;
    const page = await getJson(withQuery('/api/runs', { env, limit: k_page, before: cursor }), { signal });
    runList.querySelector('tbody').append(...runsTable('', page.runs).querySelectorAll('tbody tr'));
    return page.next;
  });
  const envSelect = h('select', { id: 'runs-env' }, h('option', { value: '' }, 'All environments'),
    proj.environments.map((e) => h('option', { value: e, selected: e === env }, e)));
  envSelect.addEventListener('change', () =>
    navigate(`/queue${envSelect.value ? '?env=' + encodeURIComponent(envSelect.value) : ''}#runs`, { replace: true }));
  main.replaceChildren(heading('Queue and runs'), live,
    h('section', { 'aria-labelledby': 'runs' },
      h('h2', { id: 'runs', tabindex: '-1' }, 'Runs'),
      h('div', { class: 'filters' }, h('div', null, h('label', { for: 'runs-env' }, 'Environment'), envSelect)),
      runList, older));
  if (url.hash === '#runs') document.getElementById('runs').scrollIntoView();
  every(k_refresh_ms, signal, async () => {
    const [q, r] = await Promise.all([
      getJson('/api/queue', { signal }), pagedOlder ? null : getJson(runsQuery(), { signal })]);
    live.replaceChildren(queueOf(q));
    if (r) runList.replaceChildren(runsTable(runsCaption(env), r.runs));
  });
}

function runsCaption(env) {
  return env ? `Runs of ${env}, newest first` : 'Runs, newest first';
}

function jobCell(job) {
  if (!job) return h('span', { class: 'muted' }, 'none');
  return h('span', null, badge(job.status), ' job ', h('a', { href: `#job-${job.id}` }, `#${job.id}`), ' ', h('code', { title: job.head }, (job.head || '').slice(0, 10)),
    ' ', timeAgo(job.started_at || job.created_at),
    job.run_id ? [' · ', h('a', { href: links.run(job.run_id) }, 'run')] : null);
}

function queueOf(q) {
  const perEnv = table('Running and pending, per environment', ['Environment', 'Branch', 'Running', 'Pending'],
    q.environments.map((e) => h('tr', null, h('th', { scope: 'row' }, e.env),
      h('td', null, e.branch ? h('code', null, e.branch) : '–'), h('td', null, jobCell(e.running)), h('td', null, jobCell(e.pending)))),
    { class: 'queue' });
  const jobs = table(`Latest jobs (${q.jobs.length})`,
    ['Job', 'Environment', 'Status', 'Head', 'Trigger', 'Actor', 'Created', 'Run', 'Why'],
    q.jobs.map((j) => h('tr', { id: `job-${j.id}` },
      h('td', null, j.run_id ? h('a', { href: links.run(j.run_id), title: `run ${j.run_id}` }, `#${j.id}`) : `#${j.id}`,
        j.kind && j.kind !== 'run' ? h('span', { class: 'kind' }, j.kind) : null),
      h('td', null, j.env), h('td', null, badge(j.status)),
      h('td', null, h('code', { title: j.head }, (j.head || '').slice(0, 10))), h('td', null, j.trigger),
      h('td', null, j.actor || ''), h('td', null, timeAgo(j.created_at)),
      h('td', null, j.run_id ? h('a', { href: links.run(j.run_id) }, h('code', null, j.run_id)) : '–'),
      h('td', { class: 'why' }, j.reason || (j.status === 'failed' ? 'failed (see its run)' : '')))));
  const deliveries = table(`Latest webhook deliveries (${q.deliveries.length})`,
    ['Received', 'Source', 'Event', 'Ref', 'Head', 'Result', 'Reason', 'Job'],
    q.deliveries.map((d) => h('tr', null, h('td', null, timeAgo(d.received_at)), h('td', null, d.source),
      h('td', null, d.event), h('td', null, d.ref ? h('code', null, d.ref) : ''),
      h('td', null, d.head ? h('code', { title: d.head }, d.head.slice(0, 10)) : ''),
      h('td', null, badge(d.result)), h('td', null, d.reason || ''),
      h('td', null, d.job_id ? h('a', { href: `#job-${d.job_id}` }, `#${d.job_id}`) : ''))));
  return h('div', null,
    h('section', { 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, 'Queue'), perEnv),
    h('section', { 'aria-labelledby': 'jobs-title' }, h('h2', { id: 'jobs-title' }, 'Jobs'),
      q.jobs.length ? jobs : h('p', { class: 'muted' }, 'No jobs yet.')),
    h('section', { 'aria-labelledby': 'deliveries-title' }, h('h2', { id: 'deliveries-title' }, 'Webhook deliveries'),
      q.deliveries.length ? deliveries : h('p', { class: 'muted' }, 'No webhook delivery yet.')));
}
