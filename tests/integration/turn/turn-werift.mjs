// Two werift peer connections, relay-only through Postern's TURN on
// 127.0.0.1, open a data channel and exchange messages. Prints "ok N".
import { createRequire } from 'node:module';

const require = createRequire(`${process.env.TURN_NODE_DIR}/package.json`);
const { RTCPeerConnection } = require('werift');

const [port, username, credential] = process.argv.slice(2);
// our own iceServers: werift's defaults point at public STUN servers
const config = {
  iceServers: [{ urls: `turn:127.0.0.1:${port}`, username, credential }],
  iceTransportPolicy: 'relay',
};
const a = new RTCPeerConnection(config);
const b = new RTCPeerConnection(config);
const relayOnly = (c) => c && / typ relay/.test(c.candidate);
a.onicecandidate = ({ candidate }) => { if (relayOnly(candidate)) b.addIceCandidate(candidate); };
b.onicecandidate = ({ candidate }) => { if (relayOnly(candidate)) a.addIceCandidate(candidate); };

const count = 20;
const done = new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('timed out')), 60000);
  b.ondatachannel = ({ channel }) => {
    channel.onmessage = ({ data }) => channel.send(`echo ${data}`);
  };
  const dc = a.createDataChannel('postern');
  let got = 0;
  dc.onopen = () => { for (let i = 0; i < count; i++) dc.send(`msg ${i}`); };
  dc.onmessage = ({ data }) => {
    if (data.toString() !== `echo msg ${got}`) reject(new Error(`unexpected ${data}`));
    if (++got === count) { clearTimeout(timer); resolve(got); }
  };
});

await a.setLocalDescription(await a.createOffer());
await b.setRemoteDescription(a.localDescription);
await b.setLocalDescription(await b.createAnswer());
await a.setRemoteDescription(b.localDescription);
try {
  console.log(`ok ${await done}`);
  await a.close();
  await b.close();
  process.exit(0);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
