// Drives the demo in headless Chromium through a short conversation between three made-up
// users on two nodes, and saves what Ada sees to docs/demo.png. Run by scripts/demo-screenshots.sh.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = Object.fromEntries(
  readFileSync(join(root, '.stack', 'env'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line))
    .filter(Boolean)
    .map(([, k, v]) => [k, v.replace(/^(['"])(.*)\1$/, '$2')]),
);

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const id = randomBytes(3).toString('hex');
const mongo = new URL(env.MONGO_URL);
mongo.pathname = `/demo_screenshots_${Math.floor(Date.now() / 1000)}_${id}`;
const nodes = [];
async function startNode(n) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist', 'main.js')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      ...env,
      MONGO_URL: mongo.toString(),
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ID: `shots-${n}`,
      CLUSTER_PREFIX: `shots-${id}`,
      DEMO_ENABLED: 'true',
      LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  let errors = '';
  child.stderr.on('data', (d) => (errors += d));
  child.once('exit', (code) => code && process.stderr.write(`node ${n} exited ${code}: ${errors}`));
  nodes.push(child);
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`node ${n} exited (${child.exitCode})`);
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return url;
    await sleep(250);
  }
  throw new Error(`node ${n} did not become ready`);
}

let browser;
try {
  const node1 = await startNode(1); // one after the other: the first builds the indexes
  const node2 = await startNode(2);
  const launch = JSON.parse(readFileSync(join(root, 'scripts', 'chromium.json'), 'utf8'));
  browser = await chromium.launch({
    executablePath: process.env.PARLEY_CHROMIUM ?? launch.executablePath,
    headless: true,
    args: launch.args,
  });
  const person = async (name, url) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 680 } });
    const page = await context.newPage();
    await page.goto(`${url}/demo/`);
    await page.click(`[data-test="signin-${name}"]`);
    await page.waitForSelector('[data-test="status"].live');
    return page;
  };
  const step = (what) => process.stdout.write(`parley: ${what}\n`);
  const say = async (page, text) => {
    await page.fill('[data-test="composer"]', text);
    await page.click('[data-test="send"]');
    await page.waitForSelector(`[data-test="message"] >> text=${text}`);
  };
  const opened = (page, title) => page.waitForSelector(`#chat-header strong:text-is("${title}")`);
  const openChat = async (page, title) => {
    await page.click(`[data-test="conversation"] >> text=${title}`);
    await opened(page, title);
  };

  const ada = await person('Ada', node1);
  const grace = await person('Grace', node2);
  const alan = await person('Alan', node1);
  const cast = JSON.parse(
    `[${/const CAST = \[([\s\S]*?)\];/
      .exec(readFileSync(join(root, 'client/demo/demo.js'), 'utf8'))[1]
      .replace(/(\w+):/g, '"$1":')
      .replace(/'/g, '"')
      .replace(/,\s*$/, '')}]`,
  );
  const idOf = (name) => cast.find((p) => p.name === name).id;

  step('a group of three');
  await ada.check(`input[value="${idOf('Grace')}"]`);
  await ada.check(`input[value="${idOf('Alan')}"]`);
  await ada.fill('[data-test="group-name"]', 'Launch plan');
  await ada.click('[data-test="create"]');
  await opened(ada, 'Launch plan');
  await say(ada, 'Morning! The release candidate is on staging.');
  await openChat(grace, 'Launch plan');
  await say(grace, 'Smoke tests pass on my side.');
  await openChat(alan, 'Launch plan');
  await say(alan, 'Docs are merged too.');

  step('a private conversation, read by Grace, who is typing her answer');
  await ada.check(`input[value="${idOf('Grace')}"]`);
  await ada.click('[data-test="create"]');
  await opened(ada, 'Grace');
  await say(ada, 'Lunch after the demo?');
  await openChat(grace, 'Ada');
  await say(grace, 'Sure. 12:30 at the usual place?');
  await say(ada, 'Perfect, see you there.');
  await ada.waitForSelector('[data-test="receipt"] >> text=Read');
  await say(alan, 'Ship it when you are ready.'); // unread in the group for Ada
  await ada.waitForSelector('[data-test="unread"]');
  await grace.type('[data-test="composer"]', 'Bringing the');
  await ada.waitForSelector('[data-test="typing"] >> text=Grace is typing');

  await ada.screenshot({ path: join(root, 'docs', 'demo.png') });
  console.log('parley: wrote docs/demo.png');
} finally {
  await browser?.close();
  for (const child of nodes) child.kill('SIGTERM');
}
