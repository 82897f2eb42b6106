// The PIN flow, refresh, participants, the event stream and release, as the
// Web App's own API package does them, through the proxy at process.argv[2].
// NODE_EXTRA_CA_CERTS trusts the proxy's certificate; POSTERN_NODE_MODULES
// is tests/node/node_modules. Prints one line per step; exits 1 on a fault.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';

register('./infinity-hooks.mjs', import.meta.url);
const api = await import(pathToFileURL(`${process.env.POSTERN_NODE_MODULES}/@pexip/infinity-api/dist/index.js`));
const host = process.argv[2];
const params = { conferenceAlias: 'meet' };
const body = { display_name: 'node client' };

const noPin = await api.requestToken({ fetcher: fetch, params, body, host });
assert.equal(noPin.status, 403);
assert.equal(noPin.data.result.pin, 'required');
console.log('requestToken without PIN: 403 PIN required');

const wrong = await api.requestToken({ fetcher: api.withPin(fetch, '0000'), params, body, host });
assert.equal(wrong.status, 403);
assert.equal(wrong.data.result, 'Invalid PIN');
console.log('requestToken wrong PIN: 403 Invalid PIN');

const guest = await api.requestToken({ fetcher: api.withPin(fetch, '5678'), params, body, host });
assert.equal(guest.status, 200);
assert.equal(guest.data.result.role, 'GUEST');
console.log('requestToken guest PIN: 200 GUEST');

const host_ = await api.requestToken({ fetcher: api.withPin(fetch, '1234'), params, body, host });
assert.equal(host_.status, 200);
assert.equal(host_.data.result.role, 'HOST');
console.log('requestToken host PIN: 200 HOST');

const refreshed = await api.refreshToken({ fetcher: api.withToken(fetch, host_.data.result.token), params, host });
assert.equal(refreshed.status, 200);
const token = refreshed.data.result.token;
assert.ok(token);
console.log('refreshToken: 200');

const people = await api.participants({ fetcher: api.withToken(fetch, token), params, host });
assert.equal(people.status, 200);
assert.ok(Array.isArray(people.data.result));
console.log(`participants: 200, ${people.data.result.length} participants`);

await new Promise((resolve, reject) => {
  const source = new EventSource(`${host}/api/client/v2/conferences/meet/events?token=${encodeURIComponent(token)}`);
  const seen = new Set();
  source.onerror = () => { source.close(); reject(new Error('event stream failed')); };
  for (const name of ['participant_sync_begin', 'participant_create', 'participant_sync_end']) {
    source.addEventListener(name, () => {
      seen.add(name);
      if (seen.size === 3) {
        source.close();
        resolve();
      }
    });
  }
});
console.log('EventSource: participant_sync_begin, participant_create, participant_sync_end');

const released = await api.releaseToken({ fetcher: api.withToken(fetch, token), params, body: {}, host });
assert.equal(released.status, 200);
console.log('releaseToken: 200');
console.log('all ok');
