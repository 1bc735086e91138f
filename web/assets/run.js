// The run page: what started the run and on which commits, its phases, a Gantt chart of its
// builds (from each build's started/finished times), the per-build table, the summary the
// run stored, and the build logs. A log is fetched when its panel is open and streamed while
// the build runs: GET the log from byte `offset`, append what came, and ask again from the
// new offset until the service says `X-Log-Complete: true`. While the run is going, the rest
// of the page is refreshed every two seconds.
import { apiPath, every, getJson, project, request, withQuery } from './api.js';
import {
  badge, buildNo, commitLink, duration, errorBox, h, heading, imageTag, links, millisBetween, table,
  timeExact,
} from './dom.js';

const k_refresh_ms = 2000;
const k_log_poll_ms = 1000;

/** Renders run `id` into `main`. */
export async function render(main, [id], { signal, url }) {
  const [proj, data] = await Promise.all([project(), getJson(apiPath('runs', id), { signal })]);
  const view = { proj, data };
  const facts = h('section', { 'aria-label': 'About this run' });
  const phases = h('section', { 'aria-labelledby': 'phases-title' });
  const gantt = h('section', { 'aria-labelledby': 'gantt-title' });
  const summary = h('section', { 'aria-labelledby': 'summary-title' });
  const logs = new Logs(signal, url.hash);
  const title = heading(`Run ${id}`);
  const status = h('span', { class: 'title-status' });
  title.append(' ', status);
  const paint = () => {
    status.replaceChildren(badge(view.data.run.status));
    facts.replaceChildren(factsOf(view));
    phases.replaceChildren(...phasesOf(view.data));
    gantt.replaceChildren(...buildsOf(view));
    summary.replaceChildren(...summaryOf(view));
    logs.update(view.data.builds);
  };
  paint();
  main.replaceChildren(title, facts, phases, gantt, summary, logs.section);
  logs.revealHash();
  if (view.data.run.status !== 'running') return;
  const done = new AbortController();
  signal.addEventListener('abort', () => done.abort(), { once: true });
  every(k_refresh_ms, done.signal, async () => {
    view.data = await getJson(apiPath('runs', id), { signal });
    paint();
    if (view.data.run.status !== 'running') done.abort();
  });
}

function fact(term, ...value) {
  return [h('dt', null, term), h('dd', null, ...value)];
}

function factsOf({ proj, data }) {
  const r = data.run;
  const rep = data.report;
  const took = millisBetween(r.started_at, r.finished_at);
  return h('dl', { class: 'facts' },
    fact('Environment', r.env || '–'),
    fact('Kind', r.kind),
    fact('Result', r.result ? h('strong', null, r.result) : (r.status === 'running' ? 'running…' : '–')),
    fact('Trigger', h('code', null, r.trigger)),
    fact('Actor', r.actor || '–'),
    fact('Base', commitLink(r.base, proj.commit_url), r.base_reason ? h('span', { class: 'muted' }, ` ${r.base_reason}`) : ''),
    fact('Head', commitLink(r.head, proj.commit_url)),
    fact('Host', r.host || '–'),
    fact('Started', timeExact(r.started_at)),
    fact(r.finished_at ? 'Took' : 'Running for', duration(took)),
    rep && rep.deployment_id !== null && rep.deployment_id !== undefined
      ? fact('Deployment', `#${rep.deployment_id}`, rep.stack ? ` of ${rep.stack}` : '',
        rep.stack_status ? [' ', h('code', null, rep.stack_status)] : '')
      : null,
    rep && rep.message ? fact('Message', h('span', { class: 'error-text' }, rep.message)) : null);
}

function phasesOf(data) {
  const title = h('h2', { id: 'phases-title' }, 'Phases');
  const list = data.report && data.report.phases;
  if (!list || !list.length) {
    return [title, h('p', { class: 'muted' },
      data.run.status === 'running' ? 'The run is going: its phases are recorded when it ends.' : 'No phases recorded.')];
  }
  const total = list.reduce((s, p) => s + p.duration_ms, 0) || 1;
  return [title,
    h('div', { class: 'phase-bar', 'aria-hidden': 'true' }, list.map((p, i) => h('span', {
      class: `phase p${i % 6}`, style: `flex-grow:${Math.max(p.duration_ms, total / 200)}`, title: `${p.name} ${duration(p.duration_ms)}`,
    }, p.name))),
    h('ol', { class: 'phase-list' }, list.map((p, i) => h('li', null,
      h('span', { class: `swatch p${i % 6}`, 'aria-hidden': 'true' }), `${p.name}: ${duration(p.duration_ms)}`)))];
}

// The Gantt chart (bars on the run's time axis, one per build) and the per-build table.
function buildsOf({ data }) {
  const r = data.run;
  const builds = data.builds;
  const title = h('h2', { id: 'gantt-title' }, 'Builds');
  if (!builds.length) return [title, h('p', { class: 'muted' }, 'This run started no build.')];
  const starts = builds.map((b) => Date.parse(b.started_at || r.started_at));
  const t0 = Math.min(Date.parse(r.started_at), ...starts);
  const ends = builds.map((b) => (b.finished_at ? Date.parse(b.finished_at) : Date.now()));
  const t1 = Math.max(t0 + 1, r.finished_at ? Date.parse(r.finished_at) : Date.now(), ...ends);
  const pct = (t) => `${(((t - t0) / (t1 - t0)) * 100).toFixed(2)}%`;
  const chart = h('ol', { class: 'gantt', 'aria-label': `Builds on the run's time line, ${duration(t1 - t0)} in all` },
    builds.map((b, i) => {
      const s = starts[i];
      const took = (b.finished_at ? Date.parse(b.finished_at) : Date.now()) - s;
      return h('li', null,
        h('span', { class: 'gantt-label' }, b.component, ' ', h('span', { class: 'muted' }, buildNo(b.build_number))),
        h('span', { class: 'gantt-track' }, h('span', {
          class: `gantt-bar s-${b.status}`, style: `left:${pct(s)};width:max(3px, ${pct(t0 + took)})`,
          title: `${b.component}: ${b.status}, ${duration(took)}`,
        })),
        h('span', { class: 'gantt-time' }, `${b.status}, ${duration(took)}`));
    }));
  const rows = builds.map((b) => h('tr', null,
    h('th', { scope: 'row' }, h('a', { href: links.component(b.component) }, b.component)),
    h('td', null, buildNo(b.build_number)),
    h('td', null, badge(b.status), b.exit_code ? ` exit ${b.exit_code}` : ''),
    h('td', null, b.runner || r.host || '–'),
    h('td', null, timeExact(b.started_at)),
    h('td', null, duration(millisBetween(b.started_at, b.finished_at))),
    h('td', null, b.image_uri ? h('span', { class: 'tag', title: b.image_uri }, imageTag(b.image_uri)) : '–'),
    h('td', null, b.log ? h('a', { href: `#log-${encodeURIComponent(b.component)}` }, 'log') : '–')));
  return [title, chart,
    table('Builds of this run', ['Component', 'Build', 'Status', 'Runner', 'Started', 'Took', 'Image', 'Log'], rows)];
}

function summaryOf({ data }) {
  const title = h('h2', { id: 'summary-title' }, 'Summary');
  const rep = data.report;
  if (!rep || !rep.components) return [title, h('p', { class: 'muted' }, 'The summary is written when the run ends.')];
  const rows = rep.components.map((c) => h('tr', null,
    h('th', { scope: 'row' }, c.component),
    h('td', null, badge(c.status)),
    h('td', null, buildNo(c.build_number)),
    h('td', null, c.parameter ? (c.parameter_changed ? 'changed' : 'same') : '–'),
    h('td', null, c.image_uri ? h('span', { class: 'tag', title: c.image_uri }, imageTag(c.image_uri)) : '–'),
    h('td', null, c.reason || '')));
  return [title, table(`What the run did, ${rep.result}`,
    ['Component', 'Status', 'Build', 'Parameter', 'Image', 'Why'], rows, { class: 'summary' })];
}

// The log panels, one per build with a log, each streaming while it is open.
class Logs {
  constructor(signal, hash) {
    this.signal = signal;
    this.hash = decodeURIComponent((hash || '').replace(/^#/, ''));
    this.panels = new Map();
    this.list = h('div', { class: 'logs' });
    this.section = h('section', { 'aria-labelledby': 'logs-title' },
      h('h2', { id: 'logs-title' }, 'Build logs'), this.list);
  }

  update(builds) {
    const withLog = builds.filter((b) => b.log);
    if (!withLog.length && !this.panels.size) {
      this.list.replaceChildren(h('p', { class: 'muted' }, 'No logs yet.'));
      return;
    }
    if (!this.panels.size) this.list.replaceChildren();
    const openFirst = !this.hash && !this.panels.size ? pickOpen(withLog) : null;
    for (const b of withLog) {
      const panel = this.panels.get(b.component);
      if (panel) panel.setStatus(b);
      else {
        const p = new LogPanel(b, this.signal);
        this.panels.set(b.component, p);
        this.list.append(p.element);
        if (b === openFirst || this.hash === `log-${b.component}`) p.element.open = true;
      }
    }
  }

  revealHash() {
    if (!this.hash.startsWith('log-')) return;
    const panel = this.panels.get(this.hash.slice(4));
    if (panel) {
      panel.element.open = true;
      panel.element.scrollIntoView();
      panel.element.querySelector('summary').focus();
    }
  }
}

// The log opened by default: a failed build's, else a running one's, else a single build's.
function pickOpen(builds) {
  return builds.find((b) => ['failed', 'timed-out'].includes(b.status))
    || builds.find((b) => b.status === 'running')
    || (builds.length === 1 ? builds[0] : null);
}

class LogPanel {
  constructor(build, signal) {
    this.build = build;
    this.signal = signal;
    this.offset = 0;
    this.started = false;
    this.decoder = new TextDecoder();
    this.label = h('span', { class: 'muted' });
    this.pre = h('pre', { class: 'log', tabindex: '0', 'aria-label': `Log of ${build.component}` });
    this.state = h('p', { class: 'log-state muted', role: 'status' });
    this.element = h('details', { id: `log-${build.component}`, class: 'log-panel' },
      h('summary', null, build.component, ' ', buildNo(build.build_number), ' ', this.label), this.pre, this.state);
    this.setStatus(build);
    this.element.addEventListener('toggle', () => {
      if (this.element.open && !this.started) this.stream();
    });
  }

  setStatus(build) {
    this.build = build;
    this.label.replaceChildren(badge(build.status));
  }

  async stream() {
    this.started = true;
    this.state.textContent = 'Loading…';
    try {
      for (;;) {
        const response = await request(withQuery(this.build.log, { offset: this.offset }), { signal: this.signal });
        const bytes = await response.arrayBuffer();
        this.offset += bytes.byteLength;
        const complete = response.headers.get('X-Log-Complete') === 'true';
        const size = Number(response.headers.get('X-Log-Size') || this.offset);
        this.append(this.decoder.decode(bytes, { stream: !complete }));
        if (complete && this.offset >= size) break;
        this.state.textContent = `Streaming: ${this.offset} bytes so far…`;
        if (this.offset >= size) await sleep(k_log_poll_ms, this.signal);
      }
      this.state.textContent = `Complete: ${this.offset} bytes.`;
    } catch (e) {
      if (this.signal.aborted || e.name === 'AbortError') return;
      this.state.replaceChildren(errorBox(e, `read the log of ${this.build.component}`));
    }
  }

  append(text) {
    if (!text) return;
    const pre = this.pre;
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.append(text);
    if (atEnd) pre.scrollTop = pre.scrollHeight;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('left the page', 'AbortError'));
    }, { once: true });
  });
}
