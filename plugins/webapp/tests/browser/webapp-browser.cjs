// Drives the default Web App and the example branding in headless Chromium,
// the pages served over HTTPS by posternd's webapp plugin, the client API
// (/api/) forwarded by posternd's https-proxy plugin to demo Conferencing
// Nodes: PIN flows, participants, live events, token refresh and release
// (button and beacon), keyboard use, branding, and an axe-core WCAG 2.1 AA
// audit of every view. The test talks to the nodes directly only to check
// what they hold (who is in the meeting, which tokens are valid) and to add a
// second participant. Screenshots go to the artefacts dir.
// usage: node webapp-browser.cjs POSTERN_URL NODES ACCESS_LOG ARTIFACTS_DIR
//   NODES: the demo nodes' ADDR:PORT, separated by ';'; ACCESS_LOG: the
//   https-proxy plugin's access log
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const { chromiumArgs } = require('./chromium-args.cjs');

const [base, nodeList, accessLog, artifacts] = process.argv.slice(2);
const nodes = nodeList.split(';');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let failures = 0;

function check(cond, what) {
  console.log((cond ? 'ok - ' : 'not ok - ') + what);
  if (!cond) {
    failures++;
  }
}

// One client API call straight to a demo node (self-signed, loopback):
// resolves to {status, body}.
function nodeCall(node, method, alias, op, headers, body) {
  const [host, port] = [node.slice(0, node.lastIndexOf(':')), node.slice(node.lastIndexOf(':') + 1)];
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host, port, method, rejectUnauthorized: false,
      path: '/api/client/v2/conferences/' + encodeURIComponent(alias) + '/' + op,
      headers: Object.assign(data === undefined ? {} : { 'Content-Type': 'application/json' }, headers),
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json = null;
        try {
          json = JSON.parse(text);
        } catch (e) {
          json = null;
        }
        resolve({ status: res.statusCode, body: json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

// Polls @probe (up to a generous minute, never asserting speed) until true.
async function eventually(probe) {
  for (let i = 0; i < 600; i++) {
    if (await probe()) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

// The display names a node lists for a meeting, seen with @token.
async function namesOnNode(node, alias, token) {
  const r = await nodeCall(node, 'GET', alias, 'participants', { token });
  return r.status === 200 && Array.isArray(r.body.result) ? r.body.result.map((p) => p.display_name).sort() : null;
}

async function audit(page, what) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(() => axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] }));
  const found = r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(' | '));
  check(found.length === 0, what + ' passes axe-core WCAG 2.1 AA ' + JSON.stringify(found));
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const profile = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'webapp-browser-'));
  // chromium-args.cjs keeps Chromium on loopback (see REFERENCE.md).
  // bypassCSP only lets the test inject axe-core into pages whose CSP forbids
  // inline scripts; ignoreHTTPSErrors accepts posternd's self-signed cert.
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    bypassCSP: true,
    ignoreHTTPSErrors: true,
    args: chromiumArgs,
  });
  const errors = [];
  const watch = (p) => {
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('console', (m) => {
      // Refused joins (403/404) are logged by Chromium itself; they are expected.
      if (m.type() === 'error' && !/^Failed to load resource: .* (403|404)/.test(m.text())) {
        errors.push(m.text());
      }
    });
  };

  const page = await ctx.newPage();
  watch(page);
  const served = await page.goto(base + '/webapp/');
  const tls = await served.securityDetails();
  check(served.status() === 200 && /^TLS/.test(tls && tls.protocol), 'default page over HTTPS from posternd ' +
    JSON.stringify(tls && tls.protocol));
  check(served.headers()['cache-control'] === 'no-cache' && !!served.headers()['etag'],
    'served by the webapp plugin (ETag, no-cache for HTML)');
  check(await page.title() === 'Video meeting', 'default title from manifest.json');
  check(await page.evaluate(() => document.activeElement.id) === 'alias', 'meeting name field focused');
  await audit(page, 'default join form');
  await page.screenshot({ path: path.join(artifacts, 'webapp-default.png'), fullPage: true });

  // Keyboard only, wrong PIN: the node's "Invalid PIN" through the proxy.
  const isApi = (op) => (r) => new URL(r.url()).pathname.endsWith('/' + op);
  let answered = page.waitForResponse(isApi('request_token'));
  await page.keyboard.type('meet');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Tester');
  await page.keyboard.press('Tab');
  await page.keyboard.type('9999');
  await page.keyboard.press('Enter');
  let answer = await answered;
  check(answer.status() === 403 && nodes.includes(answer.headers()['x-postern-demo-node']) &&
    (await answer.json()).result === 'Invalid PIN', 'wrong PIN: a demo node answered "Invalid PIN" through the proxy');
  await page.waitForSelector('#join-error:not([hidden])');
  check(await page.textContent('#join-error') === 'That PIN is not correct. Check it and try again.',
    'wrong PIN: clear message');
  check(await page.evaluate(() => document.activeElement.id) === 'pin', 'wrong PIN: focus on the PIN field');
  await audit(page, 'join form with an error');

  await page.fill('#pin', '');
  await page.click('#join-button');
  await page.waitForFunction(() => /needs a PIN/.test(document.querySelector('#join-error').textContent));
  check(true, 'no PIN for a PIN-protected meeting: asks for it');

  await page.fill('#alias', 'nosuch');
  await page.click('#join-button');
  await page.waitForFunction(() => /no meeting called/.test(document.querySelector('#join-error').textContent));
  check(await page.textContent('#join-error') === 'There is no meeting called “nosuch”. Check the name.',
    'unknown meeting: says so');

  answered = page.waitForResponse(isApi('request_token'));
  await page.fill('#alias', 'meet');
  await page.fill('#pin', '1234');
  await page.click('#join-button');
  answer = await answered;
  const node = answer.headers()['x-postern-demo-node'];
  const me = (await answer.json()).result;
  check(answer.status() === 200 && nodes.includes(node) && me.display_name === 'Tester' && me.role === 'HOST',
    'right PIN: token from demo node ' + node + ' through the proxy, as host "Tester"');
  await page.waitForSelector('#meeting-view:not([hidden])');
  check(await page.textContent('#meeting-heading') === 'Meeting meet — joined as Tester', 'meeting view heading');
  const listed = () => page.$$eval('#participants li', (l) => l.map((x) => x.textContent));
  const shows = (want) => eventually(async () => JSON.stringify(await listed()) === JSON.stringify(want));
  check(await shows(['Tester (host, you)']), 'participant list from the node ' + JSON.stringify(await listed()));

  // A second participant joins on the same node: the page hears it live.
  const alice = (await nodeCall(node, 'POST', 'meet', 'request_token', { pin: '5678' },
    { display_name: 'Alice <b>x</b>' })).body.result;
  check(await shows(['Alice <b>x</b> (guest)', 'Tester (host, you)']),
    'a participant who joins appears live, event data shown as text ' + JSON.stringify(await listed()));
  check(await page.$('#participants b') === null, 'no markup injected from event data');
  check(JSON.stringify(await namesOnNode(node, 'meet', alice.token)) === JSON.stringify(['Alice <b>x</b>', 'Tester']),
    'the page lists exactly who the node has in the meeting');
  check(await eventually(async () => /participant_create: Alice <b>x<\/b>/.test(await page.textContent('#events'))) &&
    await eventually(async () => /stage/.test(await page.textContent('#events'))),
    'live events (participant_create, stage) arrive through the proxy');
  await audit(page, 'meeting view');
  await page.screenshot({ path: path.join(artifacts, 'webapp-joined.png'), fullPage: true });

  // Tokens live 30 s on the nodes: the app refreshes after 10 s, at the same node.
  answer = await page.waitForResponse(isApi('refresh_token'), { timeout: 60000 });
  const refreshed = (await answer.json()).result.token;
  check(answer.status() === 200 && answer.headers()['x-postern-demo-node'] === node && refreshed !== me.token,
    'token refreshed through the proxy at the node that issued it');

  await nodeCall(node, 'POST', 'meet', 'release_token', { token: alice.token });
  check(await shows(['Tester (host, you)']), 'a participant who leaves disappears live');

  answered = page.waitForResponse(isApi('release_token'));
  await page.click('#leave-button');
  answer = await answered;
  await page.waitForSelector('#join-view:not([hidden])');
  check(answer.status() === 200 && answer.headers()['x-postern-demo-node'] === node &&
    (await nodeCall(node, 'GET', 'meet', 'participants', { token: refreshed })).status === 403,
    'Leave releases the token at its node');

  // Guest of a meeting where only hosts need a PIN: joins with "pin: none".
  answered = page.waitForResponse((r) => isApi('request_token')(r) && r.request().headers()['pin'] === 'none');
  await page.fill('#alias', 'hostonly');
  await page.fill('#pin', '');
  await page.click('#join-button');
  answer = await answered;
  const guest = (await answer.json()).result;
  const guestNode = answer.headers()['x-postern-demo-node'];
  await page.waitForSelector('#meeting-view:not([hidden])');
  check(answer.status() === 200 && guest.role === 'GUEST' && await page.textContent('#meeting-status') !== '',
    'guest joins a host-PIN-only meeting');
  // The page's pagehide handler sends the release beacon (token in the query)
  // to posternd. It is fired while the page still lives: a beacon from a page
  // already navigated away was not always sent.
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })));
  const beacon = /"POST \/api\/client\/v2\/conferences\/hostonly\/release_token\?token=REDACTED HTTP\/1\.1" 200 /;
  check(await eventually(() => beacon.test(fs.readFileSync(accessLog, 'utf8'))) &&
    (await nodeCall(guestNode, 'GET', 'hostonly', 'participants', { token: guest.token })).status === 403,
    'closing the page releases the token with a beacon through the proxy (its access log, the node)');
  await page.goto('about:blank');

  const brand = await ctx.newPage();
  watch(brand);
  await brand.goto(base + '/acme/?conference=meet&name=Ann');
  await brand.waitForFunction(() => document.title === 'Acme Meetings');
  check(await brand.textContent('#app-name') === 'Acme Meetings', 'branding: name from its manifest.json');
  const accent = await brand.evaluate(() =>
    getComputedStyle(document.documentElement).getPropertyValue('--brand-accent').trim());
  check(accent === '#6d28d9', 'branding: its colours apply');
  check(await brand.evaluate(() => document.activeElement.id) === 'pin', 'link prefills the form, PIN focused');
  await audit(brand, 'branded join form');
  await brand.screenshot({ path: path.join(artifacts, 'webapp-branded.png'), fullPage: true });

  check(errors.length === 0, 'no script errors ' + JSON.stringify(errors));
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

main().then(() => {
  process.exitCode = failures ? 1 : 0;
}, (e) => {
  console.log('not ok - ' + e);
  // The browser still runs: exit now rather than wait for it.
  process.exit(1);
});
