// Browser test of an environment of several stacks in several regions (ctest label `web`):
// headless Chromium against a real `slipway serve` over a store filled by real runs on
// moto_server. prod has a network stack and a services stack (reading the network's output)
// in us-east-1 then eu-west-1 (two waves). It is deployed whole, then a change to api is
// deployed to eu-west-1 alone (--region): the services stack in us-east-1 is behind. The home
// page's card for prod says "partially deployed", lists each stack in each region with its
// deployment, commit and wave, and marks the one that is behind; the matrix says api is not
// the same in every region of prod (the older image shown). Screenshots go to --out. Exit 77
// (skipped) only without Chromium, playwright-core, moto or `slipway serve`; under CI=true a
// missing one is a failure.
//   node stacks_test.mjs --slipway BIN --moto-launcher PY --out DIR
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { launch, whyNoBrowser } from './chromium.mjs';
import { motoAvailable, scratch, slipway, startMoto, startServe, stopAll } from './fixture.mjs';

const { values: opt } = parseArgs({
  options: { slipway: { type: 'string' }, 'moto-launcher': { type: 'string' }, out: { type: 'string' } },
});

function skip(why) {
  if (process.env.CI === 'true') {
    console.log(`web stacks tests FAILED: under CI=true they cannot skip: ${why}`);
    process.exit(1);
  }
  console.log(`web stacks tests skipped: ${why}`);
  process.exit(77);
}

const k_net = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Marker: {Type: String, Default: net-1}
Resources:
  Net:
    Type: AWS::SSM::Parameter
    Properties: {Name: /shop/net, Type: String, Value: !Ref Marker}
Outputs:
  VpcId:
    Value: !Sub "vpc-\${Marker}-\${AWS::Region}"
`;

const k_svc = `AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Vpc: {Type: String}
  ApiImage: {Type: String}
  WorkerImage: {Type: String}
Resources:
  Svc:
    Type: AWS::SSM::Parameter
    Properties: {Name: /shop/svc, Type: String, Value: !Ref ApiImage}
`;

const k_manifest = `version: 1
project: shop
image: {repository: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop}
components:
  api: {paths: [api/], parameter: ApiImage, build: "true"}
  worker: {paths: [worker/], parameter: WorkerImage, build: "true"}
environments:
  prod:
    base: main
    stacks:
      - name: shop-net
        template: infra/net.yml
      - name: shop-svc
        template: svc.yml
        components: [api, worker]
        parameters:
          Vpc: {stack: shop-net, output: VpcId}
    regions: [us-east-1, eu-west-1]
    waves: [[us-east-1], [eu-west-1]]
`;

// The project in `work`: committed on main.
function shopRepo(work) {
  const repo = join(work, 'shop');
  const files = {
    'slipway.yml': k_manifest, 'infra/net.yml': k_net, 'svc.yml': k_svc,
    'api/main.py': 'v1\n', 'worker/main.py': 'v1\n',
  };
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), text);
  }
  const git = (...args) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' }).toString().trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'web-test@slipway.invalid');
  git('config', 'user.name', 'slipway web test');
  git('add', '-A');
  git('commit', '-qm', 'shop: first version');
  return { path: repo, git };
}

function serveBuilt() {
  try {
    execFileSync(opt.slipway, ['serve', '--help'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  for (const arg of ['slipway', 'moto-launcher', 'out']) {
    if (!opt[arg]) throw new Error(`--${arg} is required`);
  }
  const why = await whyNoBrowser();
  if (why) skip(why);
  if (!motoAvailable()) skip('needs moto_server (scripts/setup.sh installs it)');
  if (!serveBuilt()) skip(`${opt.slipway} has no serve command`);
  mkdirSync(opt.out, { recursive: true });
  const work = scratch('slipway-web-stacks-');
  let browser = null;
  let ok = false;
  try {
    const env = await startMoto(opt['moto-launcher'], work.dir);
    const repo = shopRepo(work.dir);
    const run = (...args) => slipway(opt.slipway, repo.path, env, args);
    run('run', '--env', 'prod', '-q');  // deployments #1-#4: every stack in both regions
    writeFileSync(join(repo.path, 'api/main.py'), 'v2\n');
    repo.git('commit', '-qam', 'api v2');
    const head = repo.git('rev-parse', 'HEAD');
    run('run', '--env', 'prod', '--region', 'eu-west-1', '-q');  // #5: shop-svc@eu-west-1
    const base = await startServe(opt.slipway, repo.path, env, work.dir);
    browser = await launch();
    const page = browser.context.pages()[0] || await browser.context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${base}/`);
    const card = page.locator('li.env-card[data-env=prod]');
    await card.waitFor();
    // The card: partially deployed, two stacks in two regions.
    assert.match(await card.locator('h3').innerText(), /^prod\s+partially deployed$/);
    assert.match(await card.innerText(), /2 stacks · us-east-1, eu-west-1/);
    const stacks = card.locator('ul.env-stacks li');
    assert.deepEqual(await stacks.evaluateAll((li) => li.map((x) => x.dataset.stack)),
      ['shop-net@us-east-1', 'shop-svc@us-east-1', 'shop-net@eu-west-1', 'shop-svc@eu-west-1']);
    const row = (label) => card.locator(`ul.env-stacks li[data-stack="${label}"]`);
    const text = async (label) => (await row(label).innerText()).replace(/\s+/g, ' ');
    // Each stack in each region: its deployment, its commit, its wave; the one behind says so.
    assert.match(await text('shop-net@us-east-1'), /^shop-net@us-east-1 #1 [0-9a-f]{7,} · wave 1$/);
    assert.match(await text('shop-svc@us-east-1'),
      /^shop-svc@us-east-1 #2 [0-9a-f]{7,} · wave 1 behind the latest deployment did not reach it$/);
    assert.equal(await row('shop-svc@us-east-1').getAttribute('data-state'), 'behind');
    assert.equal(await row('shop-svc@us-east-1').locator('.badge').innerText(), 'behind');
    assert.match(await text('shop-net@eu-west-1'), /^shop-net@eu-west-1 #3 [0-9a-f]{7,} · wave 2$/);
    assert.match(await text('shop-svc@eu-west-1'), /^shop-svc@eu-west-1 #5 [0-9a-f]{7,} · wave 2$/);
    assert.ok((await text('shop-svc@eu-west-1')).includes(head.slice(0, 7)), 'eu-west-1 runs the head');
    for (const label of ['shop-net@us-east-1', 'shop-net@eu-west-1', 'shop-svc@eu-west-1'])
      assert.equal(await row(label).getAttribute('data-state'), 'current', label);
    // The matrix: api differs between prod's regions (the older build shown); worker does not.
    const cellOf = (c) => page.locator('table.matrix tbody tr', { hasText: c }).locator('td[data-env=prod]');
    await page.waitForSelector('table.matrix tbody tr');
    assert.match(await cellOf('api').innerText(), /#1[\s\S]*not the same in every region of prod \(the oldest shown\)/);
    assert.equal(await cellOf('worker').locator('[data-differs]').count(), 0);
    await page.screenshot({ path: join(opt.out, 'stacks-home.png'), fullPage: true });
    assert.deepEqual(errors, [], 'no script errors on the page');
    console.log('ok: a partially deployed environment of several stacks and regions shows each stack\'s state');
    ok = true;
  } finally {
    if (browser) await browser.close();
    await stopAll();
    if (ok) work.remove();
    else console.log(`logs kept in ${work.dir}`);
  }
  console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
  process.exit(ok ? 0 : 1);
}

main().catch(async (e) => {
  console.log(`web stacks tests: FAILED: ${e.stack}`);
  await stopAll();
  process.exit(1);
});
