// Joins conference `meet` with @pexip/infinity-api, the Web App's own client
// package, through the proxy, from a chosen local address so that one test
// can be several sources on loopback.
//
//   node pinban-client.mjs URL CONNECT FROM STEP...
//
// URL is the proxy (https://localhost:PORT: the name the certificate has),
// CONNECT the address dialled for it, FROM the local address bound (127.0.0.2
// and up are loopback too). Each step uses a new connection and prints one
// line:
//   join:PIN  requestToken with a pin header -> "join PIN: 200 HOST",
//             "join PIN: 403 Invalid PIN"
//   join      requestToken without one       -> "join -: 403 PIN required"
//   connect   a TLS handshake and nothing else -> "connect: tls ok"
// A connection the server closes before sending one byte, the front refusing
// a banned source at accept, prints "STEP: refused before TLS".
// NODE_EXTRA_CA_CERTS trusts the proxy's certificate; POSTERN_NODE_MODULES
// is tests/node/node_modules. Exits 1 on anything else.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import net from 'node:net';
import tls from 'node:tls';
import https from 'node:https';

register('../../https-proxy/tests/infinity-hooks.mjs', import.meta.url);
const api = await import(pathToFileURL(`${process.env.POSTERN_NODE_MODULES}/@pexip/infinity-api/dist/index.js`));
const [host, connect, from, ...steps] = process.argv.slice(2);
const url = new URL(host);
const TIMEOUT_MS = 60000; // a bound on a hang, not a performance check

// A TLS connection from FROM, with what the server sent before TLS was up.
function dial() {
  const raw = net.connect({ host: connect, port: Number(url.port), localAddress: from });
  const socket = tls.connect({ socket: raw, servername: url.hostname });
  const state = { raw, socket, secure: false };
  raw.setTimeout(TIMEOUT_MS, () => raw.destroy(new Error('timed out')));
  socket.once('secureConnect', () => { state.secure = true; });
  return state;
}

// The error's code goes to stderr: the line on stdout is the same whatever
// the kernel made of the close (a reset or an end of stream).
function refusal(state, error) {
  if (state.secure || state.raw.bytesRead !== 0)
    return null;
  console.error(`refused: ${error.code ?? error.message}`);
  return 'refused before TLS';
}

class Refused extends Error {}

// fetch() for infinity-api over a fresh connection from FROM.
function fetcher(input, init = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(input);
    const state = dial();
    const request = https.request({
      createConnection: () => state.socket,
      host: target.hostname,
      port: target.port,
      path: target.pathname + target.search,
      method: init.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init.headers)),
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve(new Response(Buffer.concat(chunks),
        { status: response.statusCode, headers: response.headers })));
      response.on('error', reject);
    });
    request.on('error', (error) => {
      const refused = refusal(state, error);
      reject(refused ? new Refused(refused) : error);
    });
    request.end(init.body);
  });
}

function describe(answer) {
  const result = answer.data.result;
  if (answer.status === 200)
    return `200 ${result.role}`;
  if (typeof result === 'string')
    return `${answer.status} ${result}`;
  if (result.pin === 'required' || result.guest_pin === 'required')
    return `${answer.status} PIN required`;
  return `${answer.status} ${JSON.stringify(result)}`;
}

async function join(pin) {
  const params = { conferenceAlias: 'meet' };
  const body = { display_name: 'pinban test' };
  const fetch = pin === undefined ? fetcher : api.withPin(fetcher, pin);
  try {
    return describe(await api.requestToken({ fetcher: fetch, params, body, host }));
  } catch (error) {
    if (error instanceof Refused)
      return error.message;
    throw error;
  }
}

function handshake() {
  return new Promise((resolve, reject) => {
    const state = dial();
    state.socket.once('secureConnect', () => {
      state.socket.end();
      resolve('tls ok');
    });
    state.socket.once('error', (error) => {
      const refused = refusal(state, error);
      if (refused)
        resolve(refused);
      else
        reject(error);
    });
  });
}

try {
  for (const step of steps) {
    if (step === 'connect')
      console.log(`connect: ${await handshake()}`);
    else if (step === 'join')
      console.log(`join -: ${await join()}`);
    else if (step.startsWith('join:'))
      console.log(`${step.replace(':', ' ')}: ${await join(step.slice(5))}`);
    else
      throw new Error(`unknown step ${step}`);
  }
} catch (error) {
  console.error(error);
  process.exit(1);
}
