// Asks a STUN server for our reflexive address with the npm `stun` package.
// Usage: node stun-request.mjs HOST PORT   (HOST an IPv4 or IPv6 literal)
// Prints one JSON line: {"local": "ip:port", "mapped": "ip:port"}
// IPv4 goes through stun.request(); its URL parser cannot take an IPv6
// literal, so IPv6 uses the package's own encode/decode on a udp6 socket.
import dgram from 'node:dgram';
import net from 'node:net';
import stun from 'stun';

const [host, port] = process.argv.slice(2);
const v6 = net.isIPv6(host);
const socket = dgram.createSocket({ type: v6 ? 'udp6' : 'udp4' });

function done(res) {
  const xor = res.getXorAddress();
  const local = socket.address();
  console.log(JSON.stringify({ local: `${local.address}:${local.port}`, mapped: `${xor.address}:${xor.port}` }));
  process.exit(0);
}

function fail(err) {
  console.error(String(err));
  process.exit(1);
}

function requestV6() {
  const req = stun.createMessage(stun.constants.STUN_BINDING_REQUEST);
  const wire = stun.encode(req);
  const timer = setInterval(() => socket.send(wire, Number(port), host), 200);
  setTimeout(() => fail('no response'), 5000);
  socket.on('message', (msg) => {
    const res = stun.decode(msg);
    if (res.transactionId.equals(req.transactionId)) {
      clearInterval(timer);
      done(res);
    }
  });
  socket.send(wire, Number(port), host);
}

socket.bind(0, v6 ? '::1' : '127.0.0.1', () => {
  if (v6)
    requestV6();
  else
    stun.request(`${host}:${port}`, { socket, timeout: 200, retries: 5 }).then(done, fail);
});
