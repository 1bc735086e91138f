// Browser tests of the page's writes (ctest label `web`): headless Chromium against a real
// `slipway serve` over the example project on moto_server, prod gated by one approval from
// carol. A deployer (alice) requests the promotion on prod's card, seeing first what would
// change; carol approves it in her own browser; the service deploys it (the aws CLI shows
// prod on test's images). carol rejects the next request with a reason (nothing ships). A
// deployer rolls test back to an earlier deployment from its card (the preview lists the
// components and images, a reason is required; the aws CLI shows the stack back on the
// earlier image, the card and the API the reason). The cards show health (a third replica
// reconciles dev and checks drift every second): a failed job on /queue links to its run and
// says why, a job running (its build held by a gate file) with the commits of dev not
// deployed, the last run linked to its run, a deployment row linked to its run, and a
// function changed behind the stack's back (the aws CLI) as drift. A viewer sees no
// buttons and its writes get 403; a form posted from another origin (with the ALB's identity
// header, as an ALB would add it) is refused; the phone layout has no sideways scrolling; an
// unknown page is a real not-found page; the matrix filters by name and times show local time
// beside UTC.
//   node actions_test.mjs --slipway BIN --manifests DIR --moto-launcher PY --out DIR
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch, whyNoBrowser } from './chromium.mjs';
import {
  exampleRepo, freePort, motoAvailable, scratch, slipway, startMoto, startServe, stopAll, waitFor, runSteps
} from './fixture.mjs';

const { values: opt } = parseArgs({
  options: { slipway: { type: 'string' }, manifests: { type: 'string' }, 'moto-launcher': { type: 'string' }, out: { type: 'string' } },
});

const k_tokens = `# token role identity
alice-web-token deployer alice
carol-web-token approver carol
victor-web-token viewer victor
oidc:carol@example.com approver
`;

const steps = [];
const step = (name, fn) => steps.push({ name, fn });
const t = {};

async function shot(page, name) {
  await page.screenshot({ path: join(opt.out, `${name}.png`), fullPage: true });
}

// A page of a browser context that holds `token` in the tab's session storage.
async function pageAs(token) {
  const page = await t.context.newPage();
  page.on('pageerror', (e) => t.errors.push(e.message));
  if (token) await page.addInitScript((tk) => sessionStorage.setItem('slipway.token', tk), token);
  return page;
}

function aws(...args) {
  return execFileSync('aws', ['--endpoint-url', t.env.AWS_ENDPOINT_URL, '--output', 'text', ...args],
    { env: t.env }).toString().trim();
}

const card = (page, env) => page.locator(`li.env-card[data-env=${env}]`);
// A stack's InferenceImageUri as the aws CLI reports it.
const inferenceImage = (stack) => aws('cloudformation', 'describe-stacks', '--stack-name', stack, '--query',
  "Stacks[0].Parameters[?ParameterKey=='InferenceImageUri'].ParameterValue");

step('a deployer requests a promotion, seeing first what would change', async () => {
  const page = await pageAs('alice-web-token');
  t.alice = page;
  await page.goto(`${t.base}/`);
  const prod = card(page, 'prod');
  await prod.getByRole('button', { name: 'Request promotion' }).click();
  const dialog = page.locator('#request-dialog');
  await dialog.waitFor();
  await dialog.locator('.preview').waitFor();  // the preview comes first
  const preview = await dialog.locator('.preview').innerText();
  assert.match(preview, /would change|everything is new/, preview);
  await shot(page, 'request-dialog');
  await dialog.locator('textarea').fill('release 4');
  await dialog.getByRole('button', { name: 'Request promotion' }).click();
  await waitFor('the request on the card', async () => /Request #1/.test(await prod.innerText()), 15000);
  assert.match(await prod.innerText(), /held/);
  assert.match(await prod.innerText(), /needs 1 more from carol/);
  // alice is a deployer: no Approve button for her.
  assert.equal(await prod.getByRole('button', { name: 'Approve' }).count(), 0);
});

step('a second identity approves, and the service deploys exactly the request', async () => {
  const page = await pageAs('carol-web-token');
  await page.goto(`${t.base}/`);
  const prod = card(page, 'prod');
  await prod.getByRole('button', { name: 'Approve' }).click();
  const dialog = page.locator('#approve-dialog');
  await dialog.locator('.preview').waitFor();
  assert.match(await dialog.innerText(), /held: approvals: 0 of 1/);
  await shot(page, 'approve-dialog');
  await dialog.getByRole('button', { name: 'Approve' }).click();
  await waitFor('prod deployed by the promotion', async () => {
    await page.reload();
    await page.waitForSelector('li.env-card[data-env=prod]');
    const text = await prod.innerText();
    return /Deployment #\d+ promote/.test(text) && !/Request #1/.test(text);
  }, 120000);
  assert.match(await prod.innerText(), /request #1 \(requested by web:alice; approved by carol\)/);
  await shot(page, 'promoted');
  // The aws CLI: prod runs test's images.
  assert.equal(inferenceImage('ml-training-prod'), inferenceImage('ml-training-test'));
  await page.close();
  // Nothing is left to promote: the deployer's card says so and offers no request.
  const alice = t.alice;
  await alice.reload();
  const aliceProd = card(alice, 'prod');
  await waitFor('prod the same as test', async () => /Same as test/.test(await aliceProd.innerText()), 15000);
  await alice.waitForTimeout(500);  // /api/me answered: a button would be there by now
  assert.equal(await aliceProd.getByRole('button', { name: 'Request promotion' }).count(), 0);
});

step('a viewer sees no buttons, and its writes get 403', async () => {
  const page = await pageAs('victor-web-token');
  await page.goto(`${t.base}/`);
  await page.waitForSelector('li.env-card[data-env=prod]');
  await page.waitForTimeout(500);  // /api/me answered: buttons would be there by now
  assert.equal(await page.locator('.card-actions button').count(), 0);
  const statuses = await page.evaluate(async () => {
    const auth = { Authorization: 'Bearer victor-web-token' };
    const who = await (await fetch('/api/me', { headers: auth })).json();
    const write = async (path, body) => (await fetch(path, {
      method: 'POST', headers: { ...auth, 'Content-Type': 'application/json', 'X-CSRF-Token': who.csrf },
      body: JSON.stringify(body),
    })).status;
    return [who.role, await write('/api/environments/prod/requests', {}),
      await write('/api/requests/1/approve', {}),
      await write('/api/environments/test/rollback', { deployment: '1', reason: 'x' })];
  });
  assert.deepEqual(statuses, ['viewer', 403, 403, 403]);
  await page.close();
});

const api = async (path) => (await fetch(`${t.base}${path}`, { headers: { Authorization: 'Bearer victor-web-token' } })).json();

step('an approver rejects a request with a reason, and nothing ships', async () => {
  // test moves on: inference-service v2.
  t.testFirst = inferenceImage('ml-training-test');
  t.repo.change('services/inference/app.py', '# v2', 'inference: v2');
  slipway(opt.slipway, t.repo.path, t.env, ['run', '--env', 'test', '-q']);
  const prodImage = inferenceImage('ml-training-prod');
  const alice = t.alice;
  await alice.goto(`${t.base}/`);
  await card(alice, 'prod').getByRole('button', { name: 'Request promotion' }).click();
  const asking = alice.locator('#request-dialog');
  // The preview: the component, the build it has and the one it would get, the commit gained.
  const preview = asking.locator('.preview');
  await preview.waitFor();
  assert.match(await preview.innerText(),
    /1 component would change[\s\S]*inference-service\s+#1 inference-service-1-\S+\s+#2 inference-service-2-/);
  await preview.locator('details.preview-commits summary').click();
  assert.match(await preview.locator('details.preview-commits').innerText(), /inference: v2/);
  await asking.locator('textarea').fill('release 5');
  await asking.getByRole('button', { name: 'Request promotion' }).click();
  await waitFor('request #2 on the card', async () => /Request #2/.test(await card(alice, 'prod').innerText()), 15000);
  const page = await pageAs('carol-web-token');
  await page.goto(`${t.base}/`);
  const prod = card(page, 'prod');
  await prod.getByRole('button', { name: 'Reject' }).click();
  const dialog = page.locator('#reject-dialog');
  await dialog.locator('.preview').waitFor();
  assert.match(await dialog.innerText(), /Reject request #2 into prod/);
  assert.match(await dialog.innerText(), /Asked by web:alice: release 5/);
  assert.match(await dialog.locator('.preview').innerText(), /inference-service/);
  // A reject needs a reason: without one the form is not sent.
  await dialog.getByRole('button', { name: 'Reject' }).click();
  assert.ok(await dialog.locator('textarea').evaluate((e) => e.validity.valueMissing));
  assert.equal((await api('/api/requests/2')).request.status, 'open');
  await dialog.locator('textarea').fill('inference v2 is not reviewed');
  await dialog.getByRole('button', { name: 'Reject' }).click();
  await waitFor('the request gone from the card', async () => {
    await page.reload();
    await page.waitForSelector('li.env-card[data-env=prod]');
    return !/Request #2/.test(await prod.innerText());
  }, 15000);
  const r = (await api('/api/requests/2')).request;
  assert.equal(r.status, 'rejected');
  assert.equal(r.decisions.length, 1);
  assert.equal(r.decisions[0].verdict, 'reject');
  assert.match(r.decisions[0].actor, /carol/);
  assert.equal(r.decisions[0].reason, 'inference v2 is not reviewed');
  // Nothing shipped: prod keeps its image (the aws CLI), and the button asks anew.
  await page.waitForTimeout(1500);  // the promoter looks every second
  assert.equal(inferenceImage('ml-training-prod'), prodImage);
  assert.equal((await api('/api/queue')).jobs.filter((j) => j.request_id === 2).length, 0);
  await alice.reload();
  await card(alice, 'prod').getByRole('button', { name: 'Request promotion' }).waitFor();
  await page.close();
});

step('a deployer rolls test back to an earlier deployment, seeing first what would change', async () => {
  const first = t.testFirst;
  const moved = inferenceImage('ml-training-test');
  assert.notEqual(moved, first);
  const before = (await api('/api/environments/test/deployments')).deployments;
  const [current, earlier] = [before[0].id, before.find((d) => d.id !== before[0].id).id];
  const page = t.alice;
  // The comparison of the earlier deployment with the current one offers to go back to it.
  await page.goto(`${t.base}/deployments/${earlier}/compare/${current}`);
  await page.getByRole('button', { name: `Roll test back to this deployment (#${earlier})` }).waitFor();
  // On test's card: the dialog names the deployment and shows what would change first.
  await page.goto(`${t.base}/`);
  const test = card(page, 'test');
  await test.getByRole('button', { name: 'Roll back…' }).click();
  const dialog = page.locator('#rollback-dialog');
  await dialog.locator('.preview').waitFor();
  assert.equal(await dialog.getByLabel('Roll back to this deployment').inputValue(), String(earlier));
  const preview = await dialog.locator('.preview').innerText();
  assert.match(preview, /1 component would change/, preview);
  assert.match(preview, /inference-service/, preview);
  const tag = (uri) => uri.slice(uri.lastIndexOf(':') + 1);
  assert.ok(preview.includes(tag(moved)) && preview.includes(tag(first)), preview);
  await shot(page, 'rollback-dialog');
  // A reason is required: without one the form is not sent.
  await dialog.getByRole('button', { name: 'Roll back' }).click();
  assert.ok(await dialog.locator('textarea').evaluate((e) => e.validity.valueMissing));
  assert.ok(await dialog.isVisible());
  await dialog.locator('textarea').fill('inference v2 answers 500');
  await dialog.getByRole('button', { name: 'Roll back' }).click();
  await waitFor('test rolled back', async () => {
    await page.reload();
    await page.waitForSelector('li.env-card[data-env=test]');
    return /Deployment #\d+ rollback/.test(await test.innerText());
  }, 120000);
  assert.match(await test.innerText(), /Why: inference v2 answers 500/);
  await shot(page, 'rolled-back');
  // The aws CLI: test's stack has the earlier image again; the API records who and why.
  assert.equal(inferenceImage('ml-training-test'), first);
  const after = (await api('/api/environments/test/deployments')).deployments[0];
  assert.equal(after.kind, 'rollback');
  assert.equal(after.status, 'succeeded');
  assert.equal(after.actor, 'web:alice');
  assert.equal(after.note, 'inference v2 answers 500');
  assert.ok(after.id > current);
});

step('the cards show health: the last run, a job running, commits not deployed, drift', async () => {
  const git = (...args) => execFileSync('git', ['-C', t.repo.path, ...args]).toString().trim();
  // A change whose build fails: the packing script cannot read a link to nowhere.
  symlinkSync('/nonexistent/slipway-web-test', join(t.repo.path, 'batch/train/broken'));
  git('add', 'batch/train/broken');
  git('commit', '-qm', 'batch-train: broken');
  // A replica that looks at dev every second (the others do not) and checks drift every second.
  await startServe(opt.slipway, t.repo.path, t.env, t.work,
    ['--api-token-file', t.tokens, '--reconcile-every', '1', '--drift-every', '1', '--gate-every', '1']);
  const jobOf = (status) => async () => (await api('/api/queue')).jobs.find((j) => j.env === 'test' && j.status === status);
  const failed = await waitFor('the failed job', jobOf('failed'), 60000);
  // /queue: the failed job's id leads to its run, and says why.
  const page = t.alice;
  await page.goto(`${t.base}/queue`);
  const row = page.locator(`#job-${failed.id}`);
  await row.waitFor();
  assert.equal(await row.locator('td').first().locator('a').getAttribute('href'), `/runs/${failed.run_id}`);
  const why = await row.locator('td.why').innerText();
  assert.match(why, /batch-train/, why);
  await shot(page, 'queue-failed-job');
  // The fix: its build waits on the gate, so the card shows the job running.
  const gate = join(t.gates, 'gate-batch-train');
  writeFileSync(gate, '');
  git('rm', '-q', 'batch/train/broken');
  git('commit', '-qm', 'batch-train: fixed');
  const running = await waitFor('the job running', jobOf('running'), 60000);
  await page.goto(`${t.base}/`);
  const health = card(page, 'test').locator('p.health');
  await waitFor('the running job on the card', async () => {
    await page.reload();
    return new RegExp(`job #${running.id} running`).test(await health.innerText().catch(() => ''));
  }, 15000);
  assert.equal(await health.getByRole('link', { name: `job #${running.id}` }).getAttribute('href'), `/queue#job-${running.id}`);
  const testEnv = async () => (await api('/api/environments')).environments.find((e) => e.name === 'test');
  const before = await testEnv();
  const ahead = Number(git('rev-list', '--count', `${before.current.commit}..dev`));
  assert.ok(ahead >= 2, `${ahead}`);
  assert.match(await health.innerText(), new RegExp(`${ahead} commits on dev not deployed`));
  assert.equal(await health.locator('a[href^="/runs/"]').getAttribute('href'), `/runs/${before.health.last_run.id}`);
  await shot(page, 'card-health');
  // The gate opens: the job deploys dev; the card's last run is its run, and leads to it.
  rmSync(gate);
  await waitFor('the job to succeed', async () => (await api('/api/queue')).jobs.find((j) => j.id === running.id && j.status === 'succeeded'), 60000);
  const done = (await api('/api/queue')).jobs.find((j) => j.id === running.id);
  await page.reload();
  await waitFor('dev deployed on the card', async () => /dev is deployed/.test(await health.innerText().catch(() => '')), 15000);
  const last = health.locator('a[href^="/runs/"]');
  assert.equal(await last.getAttribute('href'), `/runs/${done.run_id}`);
  await last.click();
  await page.waitForURL(`${t.base}/runs/${done.run_id}`);
  await waitFor('the run page', async () => (await page.locator('h1').innerText()).includes(done.run_id), 10000);
  // A deployment row of the component page links to the run that made it.
  await page.goto(`${t.base}/components/batch-train?env=test`);
  await page.waitForSelector('table.deployments tbody tr');
  const first = page.locator('table.deployments tbody tr').first();
  assert.equal(await first.locator('a[href^="/runs/"]').first().getAttribute('href'), `/runs/${done.run_id}`);
  // Drift: the function's timeout changed behind the stack's back (the aws CLI); the card says so.
  aws('lambda', 'update-function-configuration', '--function-name', 'ml-training-test-train', '--timeout', '60');
  await page.goto(`${t.base}/`);
  await waitFor('the drift on the card', async () => {
    await page.reload();
    await page.waitForSelector('li.env-card[data-env=test]');
    return /Drift: 1 resource drifted \(TrainingFunction\)/.test(await card(page, 'test').innerText());
  }, 30000);
  await shot(page, 'card-drift');
});

step('a form posted from another origin is refused', async () => {
  // The ALB's identity header on every request of this browser, as an ALB adds it.
  const page = await t.context.newPage();
  await page.setExtraHTTPHeaders({ 'x-amzn-oidc-identity': 'carol@example.com' });
  const before = await (await fetch(`${t.alb}/api/requests`, { headers: { 'x-amzn-oidc-identity': 'carol@example.com' } })).json();
  const target = `${t.alb}/api/environments/prod/requests`;
  const other = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<form id=f method=post action="${target}"><input name=reason value=csrf></form>` +
      '<script>document.getElementById("f").submit()</script>');
  });
  const port = await freePort();
  await new Promise((resolve) => other.listen(port, '127.0.0.1', resolve));
  try {
    const answer = page.waitForResponse((r) => r.url() === target);
    await page.goto(`http://127.0.0.1:${port}/`);
    const response = await answer;
    assert.equal(response.status(), 403);
    assert.match(await response.text(), /cross-origin/);
  } finally {
    other.close();
  }
  const after = await (await fetch(`${t.alb}/api/requests`, { headers: { 'x-amzn-oidc-identity': 'carol@example.com' } })).json();
  assert.equal(after.requests.length, before.requests.length, 'nothing recorded');
  // The same identity on the service's own page gets the approver's buttons.
  await page.goto(`${t.alb}/`);
  await page.waitForSelector('li.env-card[data-env=prod] .card-actions');
  await page.close();
});

step('the phone layout has no sideways scrolling, with cards per environment', async () => {
  const page = t.alice;
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/queue']) {
    await page.goto(`${t.base}${path}`);
    await page.waitForSelector(path === '/' ? '.phone-matrix' : 'table.queue');
    const wide = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      regions: [...document.querySelectorAll('main .scroll')].filter((r) => r.offsetParent && r.scrollWidth > r.clientWidth + 1
        && r.closest('section')?.getAttribute('aria-labelledby') !== 'jobs-title'
        && r.closest('section')?.getAttribute('aria-labelledby') !== 'deliveries-title').length,
    }));
    assert.ok(wide.page <= 0, `${path}: the page scrolls sideways by ${wide.page}px`);
    if (path === '/') assert.equal(wide.regions, 0, 'no region scrolls sideways on the home page');
  }
  assert.equal(await page.locator('table.matrix').count(), 0);
  await page.goto(`${t.base}/`);
  await page.waitForSelector('.phone-matrix');
  await shot(page, 'home-phone');
  await page.setViewportSize({ width: 1280, height: 900 });
});

step('the matrix filters by name; times show local time beside UTC', async () => {
  const page = t.alice;
  await page.goto(`${t.base}/`);
  await page.waitForSelector('table.matrix tbody tr');
  await page.fill('#matrix-filter', 'batch');
  const shown = await page.locator('table.matrix tbody tr:not([hidden]) th[scope=row] a').allInnerTexts();
  assert.deepEqual(shown, ['batch-train']);
  await page.fill('#matrix-filter', '');
  assert.ok(await page.locator('table.matrix tbody tr:not([hidden])').count() >= 4);
  // The "Latest build" cells keep to their column (they spilled into the next one).
  const spilled = await page.evaluate(() => [...document.querySelectorAll('td.latest')]
    .filter((td) => td.scrollWidth > td.clientWidth + 1).length);
  assert.equal(spilled, 0);
  const title = await page.locator('li.env-card time').first().getAttribute('title');
  assert.match(title, /UTC \(\d{4}-\d\d-\d\d \d\d:\d\d local\)/);
});

step('an unknown page is a real not-found page', async () => {
  const page = t.alice;
  const response = await page.goto(`${t.base}/no/such/page`);
  assert.equal(response.status(), 404);
  await page.waitForSelector('h1.not-found');
  assert.match(await page.locator('main').innerText(), /There is no page at \/no\/such\/page/);
  await page.getByRole('link', { name: 'Environments' }).last().click();
  await page.waitForSelector('li.env-card');
  await page.goto(`${t.base}/components/no-such-component`);
  await page.waitForSelector('h1.not-found');
  assert.match(await page.locator('main').innerText(), /no component 'no-such-component'/);
});

// ---- set-up and the runner ----

async function setUp() {
  t.work = scratch('slipway-web-actions-').dir;
  t.env = await startMoto(opt['moto-launcher'], t.work);
  // Builds (the CLI's and the service's, in their checkouts) wait while a gate file is here.
  t.gates = join(t.work, 'gates');
  mkdirSync(t.gates);
  t.env.SLIPWAY_TEST_GATES = t.gates;
  t.repo = exampleRepo(opt.manifests, t.work);
  // prod is gated: one approval, from carol.
  const manifest = join(t.repo.path, 'slipway.yml');
  writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('    promote_from: test\n',
    '    promote_from: test\n    gates: {approvals: 1, approvers: [carol, "carol@example.com"]}\n'));
  execFileSync('git', ['-C', t.repo.path, 'commit', '-qam', 'prod: gated'], { stdio: 'pipe' });
  slipway(opt.slipway, t.repo.path, t.env, ['run', '--env', 'test', '-q']);
  const tokens = join(t.work, 'tokens');
  writeFileSync(tokens, k_tokens);
  t.tokens = tokens;
  const common = ['--api-token-file', tokens, '--gate-every', '1', '--reconcile-every', '0'];
  t.base = await startServe(opt.slipway, t.repo.path, t.env, t.work, common);
  t.alb = await startServe(opt.slipway, t.repo.path, t.env, t.work, [...common, '--trust-alb-identity']);
  t.browser = await launch();
  t.context = t.browser.context;
  t.errors = [];
}

async function main() {
  for (const arg of ['slipway', 'manifests', 'moto-launcher', 'out']) {
    if (!opt[arg]) throw new Error(`--${arg} is required`);
  }
  const why = await whyNoBrowser();
  if (why) {
    console.log(`web action tests skipped: ${why}`);
    process.exit(77);
  }
  if (!motoAvailable()) {
    console.log('web action tests skipped: needs moto_server');
    process.exit(77);
  }
  mkdirSync(opt.out, { recursive: true });
  await runSteps(steps, t, { setUp, out: opt.out });
}

main().catch(async (e) => {
  console.log(`web action tests: ${e.stack}`);
  await stopAll();
  process.exit(1);
});
