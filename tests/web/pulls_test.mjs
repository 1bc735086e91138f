// Browser test of the pull-request plan pages (ctest labels `web` and `github`): headless
// Chromium against a real `slipway serve` over the example project on moto_server, with
// GitHub being Stoplight Prism's validation proxy over GitHub's own REST API description in
// front of the stateful fake (tests/github: the CTest fixture `github_prism`, started once per
// ctest run; its URLs come in SLIPWAY_GITHUB_FIXTURE). A pull request into dev is pushed to
// the local bare origin as GitHub keeps it (refs/pull/N/head) and delivered as a signed
// `pull_request` webhook; the page is opened from the link in the PR's comment:
//   - /pulls lists the PR (state, head, base, each environment's result), refreshing itself
//     from queued to planned;
//   - /pulls/N shows its plan per environment: the affected components with their reasons,
//     the builds that would run, the parameters that would change and the change set's rows
//     (created, described, deleted: the aws CLI finds no change set left);
//   - a newer push while the plan waits for its environment supersedes it: the page says the
//     plan on show is of the older head until the new one is made, and GitHub's check run on
//     the older head is completed `cancelled`;
//   - a closed PR says closed, in the list and on its page; one closed before its plan was
//     made says that (its plan being made, or waiting for the planner), and no check run of
//     GitHub stays queued or in progress: each ends `cancelled` saying why.
// Screenshots go to --out. Exit 77 (skipped) only without Chromium, playwright-core, moto,
// Prism or `slipway serve`; under CI=true a missing one is a failure.
//   node pulls_test.mjs --slipway BIN --manifests DIR --moto-launcher PY --out DIR
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch, whyNoBrowser } from './chromium.mjs';
import {
  exampleRepo, motoAvailable, scratch, slipway, start, startMoto, startServe, stopAll, waitFor, runSteps
} from './fixture.mjs';

const { values: opt } = parseArgs({
  options: { slipway: { type: 'string' }, manifests: { type: 'string' }, 'moto-launcher': { type: 'string' }, out: { type: 'string' } },
});

const k_repository = 'acme/ml-training-pulls';
const k_secret = 'pulls-test-webhook-secret';
const k_token = 'ghs_pullsTestInstallationToken';

function skip(why) {
  if (process.env.CI === 'true') {
    console.log(`web pull-request tests FAILED: under CI=true they cannot skip: ${why}`);
    process.exit(1);
  }
  console.log(`web pull-request tests skipped: ${why}`);
  process.exit(77);
}

const steps = [];
const step = (name, fn) => steps.push({ name, fn });
const t = {};

async function shot(name) {
  await t.page.screenshot({ path: join(opt.out, `${name}.png`), fullPage: true });
}

const gitIn = (dir, ...args) => execFileSync('git', ['-C', dir, ...args], { stdio: 'pipe' }).toString().trim();
// The repository serve and the CLI run in (branch dev), and a contributor's clone of origin
// where the pull requests are made.
const git = (...args) => gitIn(t.repo.path, ...args);
const contrib = (...args) => gitIn(t.contrib, ...args);

function aws(...args) {
  return execFileSync('aws', ['--endpoint-url', t.env.AWS_ENDPOINT_URL, '--output', 'json', ...args],
    { env: t.env }).toString();
}

// The fake's state of the test's repository (what GitHub holds after Prism let it through).
async function github() {
  return (await fetch(`${t.github.fake}/_fake/state?repo=${k_repository}`)).json();
}

function checkRuns(state, sha) {
  return Object.values(state.check_runs).filter((r) => r.head_sha === sha);
}

// GitHub's pull_request event for PR `number` at `head` (as much as slipway reads; GitHub's
// own examples carry the rest), signed with the webhook secret and delivered.
async function deliverPull(action, number, head, id) {
  const body = JSON.stringify({
    action, number,
    pull_request: {
      number, state: action === 'closed' ? 'closed' : 'open', draft: false, merged: false,
      title: 'inference: warm start', html_url: `https://github.com/${k_repository}/pull/${number}`,
      user: { login: 'octocat' },
      head: { sha: head, ref: `pr-${number}`, repo: { full_name: k_repository } },
      base: { ref: 'dev', repo: { full_name: k_repository } },
    },
    repository: { full_name: k_repository }, sender: { login: 'octocat' },
  });
  const r = await fetch(`${t.base}/hooks/github`, {
    method: 'POST', body,
    headers: {
      'Content-Type': 'application/json', 'X-GitHub-Event': 'pull_request', 'X-GitHub-Delivery': id,
      'X-Hub-Signature-256': `sha256=${createHmac('sha256', k_secret).update(body).digest('hex')}`,
    },
  });
  const answer = await r.json();
  assert.equal(r.status, 202, JSON.stringify(answer));
  return answer;
}

// A commit on branch pr-N of the contributor's clone (made from origin's dev when new)
// changing `file`, pushed to origin as the branch and as GitHub keeps a PR's head; its id.
function pushPull(number, file, line, message) {
  const branch = `pr-${number}`;
  let exists = true;
  try {
    contrib('rev-parse', '--verify', '-q', branch);
  } catch {
    exists = false;
  }
  contrib('fetch', '-q', 'origin');
  contrib('checkout', '-q', ...(exists ? [branch] : ['-b', branch, 'origin/dev']));
  const path = join(t.contrib, file);
  writeFileSync(path, readFileSync(path, 'utf8') + line + '\n');
  contrib('commit', '-qam', message);
  contrib('push', '-q', '-f', 'origin', `HEAD:refs/heads/${branch}`, `HEAD:refs/pull/${number}/head`);
  return contrib('rev-parse', 'HEAD');
}

// The texts of a table's body rows in the section of environment `env` on /pulls/N.
async function rows(env, caption) {
  const table = t.page.locator(`section[aria-labelledby=env-${env}] table`, { has: t.page.locator('caption', { hasText: caption }) });
  return table.locator('tbody tr').allInnerTexts();
}

// ---- the scenario ----

step('a pull request is planned, and its comment links the plan page', async () => {
  // The PR adds a resource to the template and changes the inference service.
  contrib('checkout', '-q', '-b', 'pr-5', 'origin/dev');
  const template = join(t.contrib, 'template.yml');
  writeFileSync(template, readFileSync(template, 'utf8').replace('\nOutputs:\n',
    '  WarmStartFlag:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: "on"}\n\nOutputs:\n'));
  contrib('commit', '-qam', 'template: a warm-start flag');
  t.head5 = pushPull(5, 'services/inference/app.py', '# warm the model at start', 'inference: warm start');
  t.firstHead = t.head5;
  const answer = await deliverPull('opened', 5, t.head5, 'pr-5-opened');
  assert.equal(answer.result, 'planning', JSON.stringify(answer));
  // The list, opened while the plan is queued or being made, refreshes itself until planned.
  await t.page.goto(`${t.base}/pulls`);
  const row = t.page.locator('table tbody tr', { hasText: '#5' });
  await row.waitFor();
  await waitFor('the list to show #5 planned', async () => /test planned/.test(await row.innerText()), 60000);
  await waitFor('every environment planned', async () => !/queued|planning/.test(await row.innerText()), 60000);
  const cells = await row.locator('td').allInnerTexts();
  assert.match(cells[0], /^#5 inference: warm start$/);
  assert.equal(cells[1], 'open');
  assert.equal(cells[2], t.head5.slice(0, 12));
  assert.equal(cells[3], 'dev');
  assert.match(cells[4], /test planned/);
  assert.match(cells[4], /prod planned/);  // prod sets plan_pull_requests
  await shot('pulls');
  // GitHub got the comment and the check run; both link the plan page.
  const state = await waitFor('the comment', async () => {
    const s = await github();
    return Object.keys(s.comments).length === 1 && checkRuns(s, t.head5).every((r) => r.status === 'completed') ? s : null;
  }, 30000);
  const comment = Object.values(state.comments)[0].body;
  const link = comment.match(/\((http:\/\/127\.0\.0\.1:\d+\/pulls\/5)\)/);
  assert.ok(link, comment);
  assert.deepEqual(checkRuns(state, t.head5).map((r) => [r.name, r.conclusion, r.details_url]).sort(),
    [['slipway plan (prod)', 'success', link[1]], ['slipway plan (test)', 'success', link[1]]]);
  t.planLink = link[1];
});

step('the plan page shows what would build, change and be replaced, per environment', async () => {
  const { page } = t;
  await page.goto(t.planLink);
  await page.waitForSelector('section[aria-labelledby=env-test]');
  assert.equal(await page.locator('h1').innerText(), 'Plan of pull request #5');
  const facts = await page.locator('main p').first().innerText();
  assert.match(facts, /inference: warm start by octocat · open · head [0-9a-f]{12} \(pr-5\) into dev · merge [0-9a-f]{12}/);
  assert.ok(facts.includes(t.head5.slice(0, 12)), facts);
  assert.equal(await page.locator('#env-test .badge').innerText(), 'planned');
  assert.equal(await page.locator('#env-prod .badge').innerText(), 'planned');
  // test: the components the merge affects, with their reasons.
  const affected = await rows('test', 'Affected components');
  assert.deepEqual(affected.map((r) => r.split('\t')[0]).sort(), ['inference-service', 'template']);
  assert.match(affected.find((r) => r.startsWith('inference-service')), /services\/inference\/app\.py/);
  // The build that would run: the next number of inference-service (test runs #1).
  const builds = await rows('test', 'Builds');
  assert.equal(builds.length, 1, builds.join('\n'));
  assert.match(builds[0], /^inference-service\t#2 \(new\)\t123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/ml-training:inference-service-2-[0-9a-f]{12}$/);
  // The parameter that would change, from what test runs now (as CloudFormation has it).
  const now = JSON.parse(aws('cloudformation', 'describe-stacks', '--stack-name', 'ml-training-test'))
    .Stacks[0].Parameters.find((p) => p.ParameterKey === 'InferenceImageUri').ParameterValue;
  const params = await rows('test', 'Parameters that would change');
  assert.equal(params.length, 1, params.join('\n'));
  assert.equal(params[0].split('\t').slice(0, 2).join('\t'), `InferenceImageUri\t${now}`);
  assert.equal(params[0].split('\t')[2], builds[0].split('\t')[2]);
  // The change set's rows as CloudFormation (moto) described them: the new flag added. (moto
  // lists the resources a template adds or removes, not those a parameter modifies.)
  const resources = await rows('test', 'Resource changes');
  assert.deepEqual(resources.map((r) => r.split('\t').slice(0, 3)), [['Add', 'WarmStartFlag', 'AWS::SSM::Parameter']]);
  // ... from a change set that was deleted, never executed: none is left, and test still runs #1.
  const sets = JSON.parse(aws('cloudformation', 'list-change-sets', '--stack-name', 'ml-training-test')).Summaries;
  assert.deepEqual(sets.filter((s) => s.ExecutionStatus !== 'EXECUTE_COMPLETE'), []);
  assert.match(now, /inference-service-1-/);
  // prod (never deployed) would be created in both its regions: each row names its stack and
  // place, as the two change sets said.
  const prodRows = await rows('prod', 'Resource changes');
  for (const place of ['ml-training-prod@us-east-1', 'ml-training-prod@eu-west-1'])
    assert.ok(prodRows.some((r) => r.startsWith(`${place}\tAdd\tWarmStartFlag`)), prodRows.join('\n'));
  assert.equal(new Set((await rows('prod', 'Parameters that would change')).map((r) => r.split('\t')[0])).size, 2);
  await shot('pull');
});

step('a newer push supersedes a plan waiting for its environment; the page says so', async () => {
  const { page } = t;
  // A run of test holds the environment: its build waits on the example's gate file.
  writeFileSync(t.repo.gate('batch-train'), '');
  t.repo.change('batch/train/train.py', '# held', 'batch-train: held');
  git('push', '-q', 'origin', 'dev');
  t.held = start(opt.slipway, ['run', '--env', 'test', '-q'], { cwd: t.repo.path, env: t.env, log: join(t.work, 'held-run.log') });
  await waitFor('the held build', () => /started build/.test(t.held.output()), 30000);
  // A second push to #5: its plan waits for test.
  const older = pushPull(5, 'libs/common/ml_common.py', '# shared cache', 'common: shared cache');
  await deliverPull('synchronize', 5, older, 'pr-5-sync-1');
  await waitFor('the older push to be planned (waiting)', async () => checkRuns(await github(), older)
    .some((r) => r.status === 'in_progress'), 30000);
  // A third push: the older one is superseded while it waits.
  t.head5 = pushPull(5, 'jobs/preprocess/job.py', '# faster', 'preprocess: faster');
  await deliverPull('synchronize', 5, t.head5, 'pr-5-sync-2');
  await page.goto(t.planLink);
  await page.waitForSelector('section[aria-labelledby=env-test]');
  const facts = await page.locator('main p').first().innerText();
  assert.ok(facts.includes(t.head5.slice(0, 12)), facts);
  assert.equal(await page.locator('#env-test .badge').innerText(), 'queued');
  // What is on show is the first head's plan, and the page says so.
  const note = page.locator('p.superseded');
  await note.waitFor();
  assert.match(await note.innerText(), new RegExp(`of ${t.firstHead.slice(0, 12)}.*superseded.*${t.head5.slice(0, 12)}`));
  await shot('pull-superseded');
  // GitHub: the superseded head's check runs end cancelled.
  await waitFor('the older head\'s check runs to be cancelled', async () => {
    const runs = checkRuns(await github(), older);
    return runs.length === 2 && runs.every((r) => r.status === 'completed' && r.conclusion === 'cancelled');
  }, 30000);
  // The gate opens: the run ends, the newest head is planned, the page follows by itself.
  rmSync(t.repo.gate('batch-train'));
  assert.equal(await t.held.exited, 0, t.held.output());
  await waitFor('the newest head planned', async () => await page.locator('#env-test .badge').innerText() === 'planned', 60000);
  assert.equal(await page.locator('p.superseded').count(), 0);
  const affected = await rows('test', 'Affected components');
  assert.ok(affected.some((r) => r.startsWith('preprocess-task')), affected.join('\n'));
  assert.ok(affected.some((r) => r.startsWith('training-lambda')), affected.join('\n'));  // via common
});

step('a closed pull request says so, also ones closed before they were planned', async () => {
  const { page } = t;
  // #6 is being planned and waits for test (held again); #7 waits behind it for the planner,
  // and a newer push to #7 replaces its waiting plan. Then all three are closed.
  writeFileSync(t.repo.gate('batch-train'), '');
  t.repo.change('batch/train/train.py', '# held again', 'batch-train: held again');
  git('push', '-q', 'origin', 'dev');
  const held = start(opt.slipway, ['run', '--env', 'test', '-q'], { cwd: t.repo.path, env: t.env, log: join(t.work, 'held-run-2.log') });
  await waitFor('the held build', () => /started build/.test(held.output()), 30000);
  const head6 = pushPull(6, 'functions/training/app.py', '# retries', 'training: retries');
  await deliverPull('opened', 6, head6, 'pr-6-opened');
  await waitFor('#6 to be planned (waiting)', async () => checkRuns(await github(), head6)
    .some((r) => r.status === 'in_progress'), 30000);
  const older7 = pushPull(7, 'jobs/preprocess/job.py', '# smaller batches', 'preprocess: smaller batches');
  await deliverPull('opened', 7, older7, 'pr-7-opened');
  const head7 = pushPull(7, 'jobs/preprocess/job.py', '# and fewer', 'preprocess: fewer');
  await deliverPull('synchronize', 7, head7, 'pr-7-sync');
  await deliverPull('closed', 6, head6, 'pr-6-closed');
  await deliverPull('closed', 7, head7, 'pr-7-closed');
  await deliverPull('closed', 5, t.head5, 'pr-5-closed');
  rmSync(t.repo.gate('batch-train'));
  assert.equal(await held.exited, 0, held.output());
  await page.goto(`${t.base}/pulls`);
  await page.waitForSelector('table tbody tr');
  await waitFor('every plan to settle', async () => !/queued|planning/.test(await page.locator('table tbody').innerText()), 30000);
  const list = await page.locator('table tbody tr').allInnerTexts();
  assert.equal(list.length, 3, list.join('\n'));
  assert.match(list[0], /^#7 .*\tclosed\t/);
  assert.match(list[1], /^#6 .*\tclosed\t/);
  assert.match(list[2], /^#5 .*\tclosed\t/);
  assert.match(list[0], /test cancelled/);
  assert.match(list[1], /test cancelled/);
  assert.match(list[2], /test planned/);  // #5's last plan stays on show
  await page.locator('table tbody tr', { hasText: '#6' }).getByRole('link', { name: '#6' }).click();
  await page.waitForSelector('section[aria-labelledby=env-test]');
  assert.match(await page.locator('main p').first().innerText(), /· closed ·/);
  assert.equal(await page.locator('#env-test .badge').innerText(), 'cancelled');
  assert.match(await page.locator('section[aria-labelledby=env-test]').innerText(), /closed before its plan was made/);
  await shot('pull-closed');
  // GitHub: no check run stays queued or in progress; each says why it ended.
  const runs = await waitFor('the check runs to end', async () => {
    const s = await github();
    const all = [head6, older7, head7].flatMap((h) => checkRuns(s, h));
    return all.length === 6 && all.every((r) => r.status === 'completed') ? s : null;
  }, 30000);
  const ended = (sha) => checkRuns(runs, sha).map((r) => [r.conclusion, r.output.title]);
  const closed = ['cancelled', 'the pull request was closed before its plan was made'];
  assert.deepEqual(ended(head6), [closed, closed]);
  assert.deepEqual(ended(head7), [closed, closed]);
  assert.deepEqual(ended(older7), [['cancelled', 'superseded by a newer push'], ['cancelled', 'superseded by a newer push']]);
});

// ---- set-up and the runner ----

async function setUp() {
  t.work = scratch('slipway-web-pulls-').dir;
  t.env = await startMoto(opt['moto-launcher'], t.work);
  t.repo = exampleRepo(opt.manifests, t.work);
  slipway(opt.slipway, t.repo.path, t.env, ['run', '--env', 'test', '-q']);  // everything #1
  // The origin serve fetches pull requests from, as GitHub holds the repository.
  const origin = join(t.work, 'origin.git');
  execFileSync('git', ['clone', '-q', '--bare', t.repo.path, origin]);
  git('remote', 'add', 'origin', origin);
  git('fetch', '-q', 'origin');
  t.contrib = join(t.work, 'contributor');
  execFileSync('git', ['clone', '-q', origin, t.contrib]);
  contrib('config', 'user.email', 'contributor@slipway.invalid');
  contrib('config', 'user.name', 'a contributor');
  t.github = JSON.parse(readFileSync(process.env.SLIPWAY_GITHUB_FIXTURE, 'utf8'));
  const reset = await fetch(`${t.github.fake}/_fake/reset`, { method: 'POST', body: JSON.stringify({ repo: k_repository }) });
  assert.equal(reset.status, 200);
  writeFileSync(join(t.work, 'webhook-secret'), `${k_secret}\n`);
  writeFileSync(join(t.work, 'github-token'), `${k_token}\n`);
  t.base = await startServe(opt.slipway, t.repo.path, t.env, t.work, [
    '--webhook-secret-file', join(t.work, 'webhook-secret'), '--reconcile-every', '0',
    '--github-api-url', t.github.proxy, '--github-token-file', join(t.work, 'github-token'),
    '--github-repository', k_repository]);
  const browser = await launch();
  t.context = browser.context;
  t.closeBrowser = browser.close;
  t.page = t.context.pages()[0] || await t.context.newPage();
  t.errors = [];
  t.page.on('pageerror', (e) => t.errors.push(e.message));
}

function prismWhyNot() {
  const file = process.env.SLIPWAY_GITHUB_FIXTURE;
  if (!file || !existsSync(file)) {
    return `Prism is not running (no ${file || 'SLIPWAY_GITHUB_FIXTURE'}; ctest starts it as the fixture github_prism, which needs scripts/setup.sh's npm ci in tests/github)`;
  }
  return null;
}

async function main() {
  for (const arg of ['slipway', 'manifests', 'moto-launcher', 'out']) {
    if (!opt[arg]) throw new Error(`--${arg} is required`);
  }
  const why = await whyNoBrowser() || prismWhyNot();
  if (why) skip(why);
  if (!motoAvailable()) skip('needs moto_server (pip install "moto[server]"; scripts/setup.sh does it)');
  mkdirSync(opt.out, { recursive: true });
  await runSteps(steps, t, { setUp, out: opt.out });
}

main().catch(async (e) => {
  console.log(`web pull-request tests: ${e.stack}`);
  await stopAll();
  process.exit(1);
});
