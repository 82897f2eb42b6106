// Opens the WebRTC relay page (served by posternd's webapp plugin) in headless
// Chromium: only relay candidates may appear, and a data channel between the
// page's two peer connections must carry messages through the TURN server.
// usage: node webrtc-relay.cjs PAGE_URL TURN_URL USER PASS ARTIFACTS_DIR
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const path = require('node:path');
const { chromiumArgs } = require('./chromium-args.cjs');

const [page, turn, user, pass, artifacts] = process.argv.slice(2);
let failures = 0;

function check(cond, what) {
  console.log((cond ? 'ok - ' : 'not ok - ') + what);
  if (!cond) {
    failures++;
  }
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const profile = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'webrtc-relay-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    args: chromiumArgs,
  });
  const p = await ctx.newPage();
  const q = new URLSearchParams({ turn, user, pass });
  await p.goto(page + '?' + q.toString());
  await p.waitForFunction(() => window.relayResult !== undefined, null, { timeout: 60000 });
  const r = await p.evaluate(() => window.relayResult);
  console.log('# ' + JSON.stringify(r));
  check(!r.error, 'no error ' + (r.error || ''));
  check(r.candidateTypes && r.candidateTypes.length > 0 && r.candidateTypes.every((t) => t === 'relay'),
    'only relay candidates ' + JSON.stringify(r.candidateTypes));
  check(r.ok, 'the connection uses a relay candidate');
  check(JSON.stringify(r.echoed) === JSON.stringify(['echo:one', 'echo:two', 'echo:three']),
    'data channel carries messages both ways');
  await p.screenshot({ path: path.join(artifacts, 'webrtc-relay.png'), fullPage: true });
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

main().then(() => {
  process.exitCode = failures ? 1 : 0;
}, (e) => {
  console.log('not ok - ' + e);
  process.exitCode = 1;
});
