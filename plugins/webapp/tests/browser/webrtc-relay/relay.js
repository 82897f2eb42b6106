// Two RTCPeerConnections in one page, iceTransportPolicy 'relay' and only the
// TURN server from the query string: collects every candidate's type, opens a
// data channel and echoes messages over it. The outcome is window.relayResult
// (set once: {ok, candidateTypes, echoed, error}).
'use strict';

const MESSAGES = ['one', 'two', 'three'];

function log(line) {
  document.getElementById('log').textContent += line + '\n';
}

async function run() {
  const q = new URLSearchParams(location.search);
  const config = {
    iceTransportPolicy: 'relay',
    iceServers: [{ urls: q.get('turn'), username: q.get('user'), credential: q.get('pass') }],
  };
  const a = new RTCPeerConnection(config);
  const b = new RTCPeerConnection(config);
  const types = [];
  const wire = (from, to) => from.addEventListener('icecandidate', (e) => {
    if (e.candidate && e.candidate.candidate) {
      types.push(e.candidate.type);
      log('candidate ' + e.candidate.type + ' ' + e.candidate.address + ':' + e.candidate.port);
      to.addIceCandidate(e.candidate);
    }
  });
  wire(a, b);
  wire(b, a);

  b.addEventListener('datachannel', (e) => {
    e.channel.addEventListener('message', (m) => e.channel.send('echo:' + m.data));
  });
  const channel = a.createDataChannel('check');
  const echoed = [];
  const done = new Promise((resolve) => {
    channel.addEventListener('message', (m) => {
      echoed.push(m.data);
      if (echoed.length === MESSAGES.length) {
        resolve();
      }
    });
  });
  channel.addEventListener('open', () => {
    log('data channel open');
    MESSAGES.forEach((m) => channel.send(m));
  });

  // Gathering that ends without a candidate means the TURN server refused us.
  const noRelay = new Promise((resolve, reject) => a.addEventListener('icegatheringstatechange', () => {
    if (a.iceGatheringState === 'complete' && types.length === 0) {
      reject(new Error('no relay candidate: TURN allocation failed'));
    }
  }));

  await a.setLocalDescription(await a.createOffer());
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription(await b.createAnswer());
  await a.setRemoteDescription(b.localDescription);
  await Promise.race([done, noRelay]);
  const pair = (await a.getStats()).values();
  let relayed = false;
  for (const s of pair) {
    if (s.type === 'local-candidate' && s.candidateType === 'relay') {
      relayed = true;
    }
  }
  log('echoed ' + echoed.join(','));
  a.close();
  b.close();
  return { ok: relayed, candidateTypes: types, echoed };
}

run().then((r) => {
  window.relayResult = r;
}, (e) => {
  window.relayResult = { ok: false, error: String(e) };
});
