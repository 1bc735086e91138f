// The page's writes (docs/api.md, "Writes"): request a promotion, approve or reject a request,
// roll an environment back. Each opens a dialog that first shows what would change -- the
// components whose images differ, current vs incoming, and the commits between, from the
// comparison API -- then asks for a reason and sends the write with the tab's CSRF token. The
// buttons are shown only to a caller whose role allows them (GET /api/me); the service checks
// again on every write.
import { apiPath, getJson, post, withQuery } from './api.js';
import { badge, buildNo, commitLink, errorBox, h, imageTag, links, table, timeAgo } from './dom.js';

// The "incoming vs current" table of a comparison of deployment `current` with `incoming`.
async function previewOf(current, incoming, proj) {
  if (!current) {
    return h('div', { class: 'preview' },
      h('p', null, 'The environment has no deployment yet: everything is new.'));
  }
  const data = await getJson(apiPath('deployments', current, 'compare', incoming));
  const side = (x) => (x
    ? [buildNo(x.build_number), ' ', h('span', { class: 'tag', title: x.image_uri }, imageTag(x.image_uri))]
    : h('span', { class: 'muted' }, 'absent'));
  const parts = [];
  parts.push(data.components.length
    ? table(`${data.components.length} component${data.components.length === 1 ? '' : 's'} would change`,
      ['Component', `Current (#${current})`, `Incoming (#${incoming})`],
      data.components.map((c) => h('tr', null, h('th', { scope: 'row' }, c.component),
        h('td', null, side(c.from)), h('td', null, side(c.to)))), { class: 'preview-table' })
    : h('p', null, 'No component would change: the images are the same.'));
  if (data.commits.length) {
    parts.push(h('details', { class: 'preview-commits' },
      h('summary', null, `${data.commits.length}${data.commits_truncated ? '+' : ''} commits between them`),
      h('ul', null, data.commits.slice(0, 30).map((c) => h('li', null, commitLink(c.id, proj.commit_url), ' ',
        c.summary, h('span', { class: 'muted' }, ` · ${c.author}`))))));
  }
  parts.push(h('p', null, h('a', { href: links.compare(current, incoming) }, 'Open the full comparison')));
  return h('div', { class: 'preview' }, parts);
}

// A modal dialog: the preview, a reason, and a button that sends the write. Resolves when it
// is closed; `done()` is called after a write that succeeded.
function openDialog({ id, title, intro, preview, reasonLabel, reasonRequired, confirm, send, done, extra }) {
  const old = document.getElementById(id);
  if (old) old.remove();
  const status = h('div', { role: 'status', class: 'dialog-status' });
  const reason = h('textarea', { id: `${id}-reason`, name: 'reason', rows: 2, required: reasonRequired || null });
  const body = h('div', { class: 'dialog-preview' }, h('p', { class: 'loading' }, 'Loading what would change…'));
  const submit = h('button', { type: 'submit', class: 'confirm' }, confirm);
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { method: 'dialog' },
    h('h2', { id: `${id}-title` }, title), intro ? h('p', null, intro) : null, extra || null, body,
    h('label', { for: `${id}-reason` }, reasonLabel), reason, status,
    h('div', { class: 'actions' }, cancel, submit));
  const dialog = h('dialog', { id, class: 'action-dialog', 'aria-labelledby': `${id}-title` }, form);
  document.body.append(dialog);
  const load = async (make) => {
    body.replaceChildren(h('p', { class: 'loading' }, 'Loading what would change…'));
    try {
      body.replaceChildren(await make());
    } catch (e) {
      body.replaceChildren(errorBox(e, 'show what would change'));
    }
  };
  load(preview);
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (reasonRequired && !reason.value.trim()) {
      status.replaceChildren(h('p', { class: 'error-text' }, 'Give a reason.'));
      reason.focus();
      return;
    }
    submit.disabled = true;
    status.replaceChildren(h('p', { class: 'muted' }, 'Sending…'));
    try {
      const answer = await send(reason.value.trim());
      dialog.close();
      done(answer);
    } catch (e) {
      status.replaceChildren(errorBox(e, confirm.toLowerCase()));
      submit.disabled = false;
    }
  });
  dialog.addEventListener('close', () => dialog.remove());
  dialog.showModal();
  reason.focus();
  return { dialog, load };
}

/** The buttons of an environment's card for the caller `who` ({can}), or null. */
export function envActions(env, byName, proj, who, refresh) {
  if (!who || !who.can) return null;
  const buttons = [];
  const source = env.promote_from ? byName.get(env.promote_from) : null;
  const req = env.request;
  const cur = env.current;
  if (who.can.request && source && source.current && !req) {
    buttons.push(h('button', {
      type: 'button', class: 'act-request',
      onclick: () => openDialog({
        id: 'request-dialog', title: `Request promotion to ${env.name}`,
        intro: `${env.promote_from}'s deployment #${source.current.id} would go to ${env.name}, through its gates.`,
        preview: () => previewOf(cur ? cur.id : null, source.current.id, proj),
        reasonLabel: 'Why (optional)', confirm: 'Request promotion',
        send: (reason) => post(apiPath('environments', env.name, 'requests'), { reason }),
        done: refresh,
      }),
    }, 'Request promotion'));
  }
  if (req && req.status === 'open' && who.can.approve) {
    const gates = req.gates ? [...req.gates.met.map((m) => `met: ${m}`), ...req.gates.unmet.map((u) => `held: ${u.message}`)] : [];
    const decide = (verdict, label, required) => openDialog({
      id: `${verdict}-dialog`, title: `${label} request #${req.id} into ${env.name}`,
      intro: `Asked by ${req.requested_by}${req.reason ? `: ${req.reason}` : ''}.`,
      extra: gates.length ? h('ul', { class: 'gates' }, gates.map((g) => h('li', null, g))) : null,
      preview: () => previewOf(req.base_deployment || null, req.source_deployment, proj),
      reasonLabel: required ? 'Why (required)' : 'Why (optional)', reasonRequired: required, confirm: label,
      send: (reason) => post(`/api/requests/${req.id}/${verdict}`, { reason }),
      done: refresh,
    });
    buttons.push(h('button', { type: 'button', class: 'act-approve', onclick: () => decide('approve', 'Approve', false) }, 'Approve'));
    buttons.push(h('button', { type: 'button', class: 'act-reject secondary', onclick: () => decide('reject', 'Reject', true) }, 'Reject'));
  }
  if (cur && who.can.rollback) {
    buttons.push(h('button', {
      type: 'button', class: 'act-rollback secondary',
      onclick: () => rollbackDialog(env, proj, refresh),
    }, 'Roll back…'));
  }
  return buttons.length ? h('div', { class: 'card-actions' }, buttons) : null;
}

/** The dialog that rolls `env` back to one of its earlier succeeded deployments (or `to`). */
export async function rollbackDialog(env, proj, refresh, to) {
  const select = h('select', { id: 'rollback-to' });
  const page = await getJson(withQuery(apiPath('environments', env.name, 'deployments'), { limit: 50 }));
  const choices = page.deployments.filter((d) => d.status === 'succeeded' && d.id !== env.current.id);
  if (!choices.length) {
    window.alert(`${env.name} has no earlier succeeded deployment to roll back to.`);
    return;
  }
  for (const d of choices) {
    select.append(h('option', { value: d.id, selected: d.id === Number(to) },
      `#${d.id} ${d.kind} ${(d.finished_at || '').slice(0, 16).replace('T', ' ')} ${d.actor || ''}`));
  }
  const chosen = () => Number(select.value);
  const view = openDialog({
    id: 'rollback-dialog', title: `Roll ${env.name} back`,
    intro: `Its stack returns to an earlier deployment's images (current: #${env.current.id}).`,
    extra: h('div', null, h('label', { for: 'rollback-to' }, 'Roll back to this deployment'), select),
    preview: () => previewOf(env.current.id, chosen(), proj),
    reasonLabel: 'Why (required, recorded with the deployment)', reasonRequired: true, confirm: 'Roll back',
    send: (reason) => post(apiPath('environments', env.name, 'rollback'), { deployment: String(chosen()), reason }),
    done: refresh,
  });
  select.addEventListener('change', () => view.load(() => previewOf(env.current.id, chosen(), proj)));
}

/** The lines of a card about the environment's gates, its open request and its drift. */
export function safetyLines(env) {
  const lines = [];
  const g = env.gates;
  if (g) {
    const parts = [];
    if (g.approvals) parts.push(`${g.approvals} approval${g.approvals === 1 ? '' : 's'}${g.approvers.length ? ` from ${g.approvers.join(', ')}` : ''}`);
    if (g.soak_seconds) parts.push(`soak ${Math.round(g.soak_seconds / 60)} min in ${env.promote_from}`);
    for (const w of g.freeze) parts.push(`freeze${w.reason ? ` "${w.reason}"` : ''} (${w.cron ? `${w.cron}, ${Math.round(w.duration_seconds / 3600)} h` : `${w.from} to ${w.to}`}, ${w.tz})`);
    if (g.promote === 'auto') parts.push('promoted automatically');
    lines.push(h('p', { class: 'gates-line' }, h('strong', null, 'Gates: '), parts.join(' · ') || 'none'));
  }
  const r = env.request;
  if (r) {
    const held = r.gates ? r.gates.unmet : [];
    lines.push(h('div', { class: 'request-line' },
      h('p', null, h('strong', null, `Request #${r.id}`), ' ', badge(held.length ? 'held' : 'ready'),
        ` by ${r.requested_by} `, timeAgo(r.requested_at), r.reason ? ` — ${r.reason}` : ''),
      held.length ? h('ul', { class: 'gates' }, held.map((u) => h('li', null, u.message))) : null,
      r.decisions.length ? h('p', { class: 'muted' }, r.decisions.map((d) => `${d.verdict} by ${d.actor}`).join('; ')) : null));
  }
  const d = env.drift;
  if (d) {
    const names = d.resources.map((x) => x.logical_id).join(', ');
    lines.push(h('p', { class: `drift-line ${d.status === 'DRIFTED' ? 'differs-note' : ''}` }, h('strong', null, 'Drift: '),
      d.status === 'DRIFTED' ? `${d.resources.length} resource${d.resources.length === 1 ? '' : 's'} drifted (${names})`
        : d.status === 'IN_SYNC' ? 'in sync with the template' : `${d.status.toLowerCase()}${d.reason ? `: ${d.reason}` : ''}`,
      ' · checked ', timeAgo(d.checked_at)));
  }
  return lines;
}

/** The card's health line: the last run, a job running or waiting, what is not deployed. */
export function healthLine(env) {
  const x = env.health;
  if (!x) return null;
  const parts = [];
  if (x.last_run) {
    parts.push(h('span', null, 'Last run ', h('a', { href: links.run(x.last_run.id) }, badge(x.last_run.result || x.last_run.status)),
      ' ', timeAgo(x.last_run.finished_at || x.last_run.started_at)));
  }
  if (x.job) {
    parts.push(h('span', null, h('a', { href: `/queue#job-${x.job.id}` }, `job #${x.job.id}`), ' ', badge(x.job.status)));
  }
  if (x.ahead !== null && x.ahead !== undefined && env.trigger_branch) {
    parts.push(h('span', { class: x.ahead ? 'differs-note' : 'muted' }, x.ahead
      ? `${x.ahead}${x.ahead_truncated ? '+' : ''} commit${x.ahead === 1 ? '' : 's'} on ${env.trigger_branch} not deployed`
      : `${env.trigger_branch} is deployed`));
  }
  if (!parts.length) return null;
  return h('p', { class: 'health' }, parts.flatMap((p, i) => (i ? [' · ', p] : [p])));
}
