// The real parts the browser tests and the page benchmark run against: moto_server on a free
// loopback port (through tests/support/moto_launcher.py), the example project of manifests/
// deployed on it by real `slipway run` and `promote` commands, and `slipway serve` over its
// store. Every process started here is stopped by stopAll(), also when a test fails.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const g_children = new Set();

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check()` is truthy (polled every 100 ms) or throws after `ms`. */
export async function waitFor(what, check, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Starts `command` in the background, its output into `log`; stopAll() ends it. */
export function start(command, args, { env, cwd, log }) {
  const out = log ? ['ignore', 'pipe', 'pipe'] : 'ignore';
  const child = spawn(command, args, { env, cwd, stdio: out });
  if (log) {
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    child.output = () => Buffer.concat(chunks).toString();
    child.on('exit', () => writeFileSync(log, Buffer.concat(chunks)));
  }
  child.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  g_children.add(child);
  child.on('exit', () => g_children.delete(child));
  return child;
}

/** Stops every process start() began (SIGTERM, then SIGKILL after 5 s). */
export async function stopAll() {
  await Promise.all([...g_children].map(async (child) => {
    child.kill('SIGTERM');
    const done = await Promise.race([child.exited.then(() => true), sleep(5000).then(() => false)]);
    if (!done) child.kill('SIGKILL');
  }));
}

/**
 * Runs a browser test's `steps` ({name, fn}) in order after `setUp`, on the shared state `t`
 * (t.page, t.errors: the page's script errors, t.work, t.closeBrowser or t.browser): each
 * step must leave no script error; the first failure stops the rest (they build on each
 * other) and leaves a screenshot in `out` and the logs in t.work. Stops every process, then
 * exits 0 or 1.
 */
export async function runSteps(steps, t, { setUp, out }) {
  let passed = 0;
  let failed = 0;
  try {
    await setUp();
    for (const s of steps) {
      const began = Date.now();
      try {
        await s.fn();
        assert.deepEqual(t.errors, [], 'no script errors on the page');
        passed += 1;
        console.log(`ok: ${s.name} (${Date.now() - began} ms)`);
      } catch (e) {
        failed += 1;
        console.log(`FAILED: ${s.name}\n${e.stack}`);
        if (t.page) await t.page.screenshot({ path: join(out, `failed-${passed + failed}.png`), fullPage: true }).catch(() => {});
        break;
      }
    }
  } finally {
    if (t.closeBrowser) await t.closeBrowser();
    else if (t.browser) await t.browser.close();
    await stopAll();
    if (t.work && failed === 0) rmSync(t.work, { recursive: true, force: true });
    else if (t.work) console.log(`logs kept in ${t.work}`);
  }
  const notRun = steps.length - passed - failed;
  console.log(`screenshots in ${out}${notRun ? `; ${notRun} steps not run after the failure` : ''}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

/** Whether moto_server can be started here (the AWS tests' requirement). */
export function motoAvailable() {
  try {
    execFileSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** moto_server on a free port; resolves to the environment that points slipway at it. */
export async function startMoto(launcher, work) {
  const port = await freePort();
  start('python3', [launcher, String(port)], { log: join(work, 'moto.log') });
  await waitFor('moto_server', () => canConnect(port), 60000);
  return {
    ...process.env,
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'web-test',
    AWS_SECRET_ACCESS_KEY: 'web-test-secret', AWS_DEFAULT_REGION: 'us-east-1', CI: 'true',
  };
}

// Lets a test hold a build of the example project: while .slipway/gate-<component> exists the
// build says so and waits, so its log is seen growing while the build runs. With
// SLIPWAY_TEST_GATES (an absolute folder) the gate is there: the service's builds run in
// checkouts of their own.
const k_gate = `gate="\${SLIPWAY_TEST_GATES:-.slipway}/gate-\${SLIPWAY_COMPONENT:-x}"
if [ -e "$gate" ]; then
  echo "\${SLIPWAY_COMPONENT}: waiting for the test to open the gate"
  while [ -e "$gate" ]; do sleep 0.1; done
  echo "\${SLIPWAY_COMPONENT}: gate open, packaging"
fi
`;

/** The example project as the demo makes it (branch test, dev ahead), under `work`. */
export function exampleRepo(manifests, work) {
  const repo = join(work, 'ml-training');
  cpSync(manifests, repo, { recursive: true });
  const script = join(repo, 'scripts/build-image.sh');
  writeFileSync(script, readFileSync(script, 'utf8').replace('set -eu\n', `set -eu\n${k_gate}`));
  const git = (...args) => execFileSync('git', ['-C', repo, ...args], { stdio: 'pipe' });
  git('init', '-q', '-b', 'test');
  git('config', 'user.email', 'web-test@slipway.invalid');
  git('config', 'user.name', 'slipway web test');
  git('add', '-A');
  git('commit', '-qm', 'ml-training: first version');
  git('checkout', '-qb', 'dev');
  return {
    path: repo,
    /** Appends `line` to `file` and commits it on dev. */
    change(file, line, message) {
      writeFileSync(join(repo, file), readFileSync(join(repo, file), 'utf8') + line + '\n');
      git('commit', '-qam', message);
    },
    gate: (component) => join(repo, '.slipway', `gate-${component}`),
  };
}

/** Runs `slipway args` in the repository; throws with its output when it fails. */
export function slipway(binary, repo, env, args) {
  try {
    return execFileSync(binary, args, { cwd: repo, env, stdio: 'pipe' }).toString();
  } catch (e) {
    throw new Error(`slipway ${args.join(' ')} failed (${e.status}):\n${e.stdout}${e.stderr}`);
  }
}

/** `slipway serve` on a free port over the repository's store; resolves to its base URL. */
export async function startServe(binary, repo, env, work, extra = []) {
  const port = await freePort();
  const child = start(binary, ['serve', '--listen', `127.0.0.1:${port}`, '--repo', repo, ...extra],
    { env, cwd: repo, log: join(work, `serve-${port}.log`) });
  const base = `http://127.0.0.1:${port}`;
  await waitFor('slipway serve', async () => {
    if (child.exitCode !== null) throw new Error(`slipway serve exited ${child.exitCode}:\n${child.output()}`);
    try {
      return (await fetch(`${base}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 30000);
  return base;
}

/** A scratch folder removed by the returned function. */
export function scratch(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
