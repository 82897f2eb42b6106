// The default Postern Web App: join a conference through the proxy's client
// REST API, list participants, follow live events, keep the token fresh and
// release it on leave. Plain script, no build step, same origin only.
'use strict';

const API_ROOT = '/api/client/v2/conferences/';
const MAX_EVENTS = 200;
const RECONNECT_DELAY_MS = 3000;
const RETRY_REFRESH_MS = 5000;

const $ = (id) => document.getElementById(id);

const ui = {
  appName: $('app-name'),
  joinView: $('join-view'),
  joinForm: $('join-form'),
  joinButton: $('join-button'),
  joinError: $('join-error'),
  alias: $('alias'),
  displayName: $('display-name'),
  pin: $('pin'),
  meetingView: $('meeting-view'),
  meetingHeading: $('meeting-heading'),
  meetingStatus: $('meeting-status'),
  leaveButton: $('leave-button'),
  participants: $('participants'),
  participantCount: $('participant-count'),
  events: $('events'),
};

// Everything about the current session; null when not joined.
let session = null;

function apiUrl(alias, op) {
  return API_ROOT + encodeURIComponent(alias) + '/' + op;
}

// POST or GET against the API; resolves to {status, body} (body may be null).
async function call(method, alias, op, headers, body) {
  const response = await fetch(apiUrl(alias, op), {
    method,
    headers: Object.assign({ Accept: 'application/json' },
      body === undefined ? {} : { 'Content-Type': 'application/json' }, headers),
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  let json = null;
  try {
    json = await response.json();
  } catch (e) {
    json = null;
  }
  return { status: response.status, body: json };
}

// --- Join -------------------------------------------------------------------

function showJoinError(message, field) {
  ui.joinError.textContent = message;
  ui.joinError.hidden = false;
  for (const input of [ui.alias, ui.displayName, ui.pin]) {
    input.removeAttribute('aria-invalid');
  }
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

function clearJoinError() {
  ui.joinError.hidden = true;
  ui.joinError.textContent = '';
  for (const input of [ui.alias, ui.displayName, ui.pin]) {
    input.removeAttribute('aria-invalid');
  }
}

// What a 403 from request_token means, given whether a PIN was sent.
function pinProblem(result, sentPin) {
  if (result === 'Invalid PIN') {
    return 'wrong';
  }
  if (result && typeof result === 'object' && (result.pin === 'required' || result.guest_pin === 'required')) {
    // Some nodes answer "PIN required" to a wrong PIN instead of "Invalid PIN".
    if (sentPin && sentPin !== 'none') {
      return 'wrong';
    }
    // Hosts need a PIN but guests do not: join as a guest with "pin: none".
    if (result.guest_pin === 'none' && sentPin === null) {
      return 'guest';
    }
    return 'required';
  }
  return 'other';
}

async function requestToken(alias, displayName, pin) {
  const headers = pin === null ? {} : { pin };
  return call('POST', alias, 'request_token', headers, { display_name: displayName });
}

async function join(event) {
  event.preventDefault();
  clearJoinError();
  const alias = ui.alias.value.trim();
  const displayName = ui.displayName.value.trim();
  const pinValue = ui.pin.value.trim();

  if (!alias) {
    showJoinError('Enter the meeting name.', ui.alias);
    return;
  }
  if (!displayName) {
    showJoinError('Enter your name.', ui.displayName);
    return;
  }

  ui.joinButton.disabled = true;
  ui.joinButton.textContent = 'Joining…';
  try {
    let pin = pinValue === '' ? null : pinValue;
    let answer = await requestToken(alias, displayName, pin);
    if (answer.status === 403 && pinProblem(answer.body && answer.body.result, pin) === 'guest') {
      pin = 'none';
      answer = await requestToken(alias, displayName, pin);
    }
    handleJoinAnswer(alias, answer, pin);
  } catch (e) {
    showJoinError('Could not reach the server. Check your connection and try again.');
  } finally {
    ui.joinButton.disabled = false;
    ui.joinButton.textContent = 'Join';
  }
}

function handleJoinAnswer(alias, answer, pin) {
  const result = answer.body && answer.body.result;

  if (answer.status === 200 && result && typeof result.token === 'string') {
    startSession(alias, result);
    return;
  }
  if (answer.status === 403) {
    switch (pinProblem(result, pin)) {
      case 'wrong':
        ui.pin.value = '';
        showJoinError('That PIN is not correct. Check it and try again.', ui.pin);
        return;
      case 'required':
      case 'guest':
        showJoinError('This meeting needs a PIN. Enter it and join again.', ui.pin);
        return;
      default:
        break;
    }
  }
  if (answer.status === 404) {
    showJoinError('There is no meeting called “' + alias + '”. Check the name.', ui.alias);
    return;
  }
  const reason = typeof result === 'string' ? ' (' + result + ')' : '';
  showJoinError('The meeting could not be joined: error ' + answer.status + reason + '. Try again later.');
}

// --- Session ----------------------------------------------------------------

function startSession(alias, result) {
  session = {
    alias,
    token: result.token,
    expires: parseInt(result.expires, 10) || 120,
    self: result.participant_uuid,
    participants: new Map(),
    synced: false,
    events: null,
    refreshTimer: 0,
    reconnectTimer: 0,
  };
  ui.joinView.hidden = true;
  ui.meetingView.hidden = false;
  ui.meetingHeading.textContent = result.display_name
    ? 'Meeting ' + alias + ' — joined as ' + result.display_name
    : 'Meeting ' + alias;
  ui.meetingHeading.focus();
  ui.participants.replaceChildren();
  ui.events.replaceChildren();
  setStatus('Joined' + (result.role ? ' as ' + result.role.toLowerCase() : '') + '.');
  scheduleRefresh();
  loadParticipants();
  openEvents();
}

function setStatus(text) {
  ui.meetingStatus.textContent = text;
}

function scheduleRefresh(delayMs) {
  clearTimeout(session.refreshTimer);
  const ms = delayMs === undefined ? Math.max(1, session.expires / 3) * 1000 : delayMs;
  session.refreshTimer = setTimeout(refreshToken, ms);
}

async function refreshToken() {
  const current = session;
  if (!current) {
    return;
  }
  try {
    const answer = await call('POST', current.alias, 'refresh_token', { token: current.token });
    if (session !== current) {
      return;
    }
    const result = answer.body && answer.body.result;
    if (answer.status === 200 && result && typeof result.token === 'string') {
      current.token = result.token;
      current.expires = parseInt(result.expires, 10) || current.expires;
      scheduleRefresh();
    } else if (answer.status === 403) {
      endSession('Your session has expired. Join again to continue.');
    } else {
      scheduleRefresh(RETRY_REFRESH_MS);
    }
  } catch (e) {
    if (session === current) {
      setStatus('Connection problem; retrying…');
      scheduleRefresh(RETRY_REFRESH_MS);
    }
  }
}

async function loadParticipants() {
  const current = session;
  try {
    const answer = await call('GET', current.alias, 'participants', { token: current.token });
    // Once the event stream has sent its own (newer) list, this one is stale.
    if (session !== current || current.synced) {
      return;
    }
    if (answer.status === 200 && Array.isArray(answer.body && answer.body.result)) {
      current.participants.clear();
      for (const p of answer.body.result) {
        if (p && typeof p.uuid === 'string') {
          current.participants.set(p.uuid, p);
        }
      }
      renderParticipants();
    } else {
      setStatus('Could not load the participant list (error ' + answer.status + ').');
    }
  } catch (e) {
    if (session === current) {
      setStatus('Could not load the participant list.');
    }
  }
}

function renderParticipants() {
  const items = [...session.participants.values()]
    .sort((a, b) => participantName(a).localeCompare(participantName(b)))
    .map((p) => {
      const li = document.createElement('li');
      li.textContent = participantName(p);
      const role = document.createElement('span');
      role.className = 'role';
      const details = [];
      if (p.role === 'chair') {
        details.push('host');
      } else if (p.role === 'guest') {
        details.push('guest');
      }
      if (p.uuid === session.self) {
        details.push('you');
      }
      if (p.is_presenting === 'YES') {
        details.push('presenting');
      }
      if (details.length) {
        role.textContent = '(' + details.join(', ') + ')';
        li.append(' ', role);
      }
      return li;
    });
  ui.participants.replaceChildren(...items);
  ui.participantCount.textContent = '(' + items.length + ')';
}

function participantName(p) {
  return p.display_name || p.overlay_text || p.uri || 'Unnamed participant';
}

// --- Live events --------------------------------------------------------------

const PARTICIPANT_EVENTS = ['participant_create', 'participant_update', 'participant_delete',
  'participant_sync_begin', 'participant_sync_end'];
const OTHER_EVENTS = ['conference_update', 'message_received', 'presentation_start', 'presentation_stop',
  'stage', 'layout', 'refresh_token', 'disconnect', 'call_disconnected'];

function openEvents() {
  const current = session;
  const url = apiUrl(current.alias, 'events') + '?token=' + encodeURIComponent(current.token);
  const source = new EventSource(url);
  current.events = source;

  for (const name of PARTICIPANT_EVENTS.concat(OTHER_EVENTS)) {
    source.addEventListener(name, (e) => onEvent(current, name, e.data));
  }
  source.addEventListener('open', () => {
    if (session === current) {
      setStatus('Connected; live events are shown below.');
    }
  });
  // EventSource would reconnect with the token in its URL, which expires:
  // reconnect ourselves with the current one.
  source.addEventListener('error', () => {
    source.close();
    if (session !== current) {
      return;
    }
    setStatus('Live events interrupted; reconnecting…');
    clearTimeout(current.reconnectTimer);
    current.reconnectTimer = setTimeout(() => {
      if (session === current) {
        openEvents();
      }
    }, RECONNECT_DELAY_MS);
  });
}

function parse(data) {
  try {
    return JSON.parse(data);
  } catch (e) {
    return null;
  }
}

function onEvent(current, name, data) {
  if (session !== current) {
    return;
  }
  const payload = parse(data);
  logEvent(name, payload);

  switch (name) {
    case 'participant_sync_begin':
      current.synced = true;
      current.participants.clear();
      break;
    case 'participant_create':
    case 'participant_update':
      if (payload && typeof payload.uuid === 'string') {
        current.participants.set(payload.uuid, payload);
      }
      break;
    case 'participant_delete':
      if (payload && typeof payload.uuid === 'string') {
        current.participants.delete(payload.uuid);
      }
      break;
    case 'disconnect':
    case 'call_disconnected':
      endSession('You were disconnected' + (payload && payload.reason ? ': ' + payload.reason : '') + '.');
      return;
    default:
      return;
  }
  if (name !== 'participant_sync_begin') {
    renderParticipants();
  }
}

function describe(name, payload) {
  if (!payload || typeof payload !== 'object') {
    return name;
  }
  if (name.startsWith('participant_') && payload.display_name) {
    return name + ': ' + payload.display_name;
  }
  if (name === 'message_received' && payload.payload) {
    return 'message from ' + (payload.origin || 'someone') + ': ' + payload.payload;
  }
  return name;
}

function logEvent(name, payload) {
  const li = document.createElement('li');
  const time = document.createElement('time');
  const now = new Date();
  time.dateTime = now.toISOString();
  time.textContent = now.toLocaleTimeString();
  li.append(time, document.createTextNode(describe(name, payload)));
  ui.events.prepend(li);
  while (ui.events.childElementCount > MAX_EVENTS) {
    ui.events.lastElementChild.remove();
  }
}

// --- Leave --------------------------------------------------------------------

function stopSession() {
  const current = session;
  session = null;
  if (current) {
    clearTimeout(current.refreshTimer);
    clearTimeout(current.reconnectTimer);
    if (current.events) {
      current.events.close();
    }
  }
  return current;
}

function endSession(message) {
  stopSession();
  ui.meetingView.hidden = true;
  ui.joinView.hidden = false;
  if (message) {
    showJoinError(message);
  }
  ui.joinButton.focus();
}

async function leave() {
  const current = stopSession();
  if (current) {
    try {
      await call('POST', current.alias, 'release_token', { token: current.token });
    } catch (e) {
      // The token expires on its own; nothing else to do.
    }
  }
  endSession(null);
}

// A closing page cannot wait for fetch: the beacon carries the token in the query.
function releaseOnClose() {
  const current = stopSession();
  if (current) {
    navigator.sendBeacon(apiUrl(current.alias, 'release_token') + '?token=' + encodeURIComponent(current.token));
  }
}

// --- Branding -------------------------------------------------------------------

async function applyManifest() {
  try {
    const response = await fetch('manifest.json', { cache: 'no-cache' });
    const manifest = await response.json();
    if (typeof manifest.name === 'string' && manifest.name) {
      ui.appName.textContent = manifest.name;
      document.title = manifest.name;
    }
    if (typeof manifest.theme_color === 'string') {
      document.querySelector('meta[name="theme-color"]').content = manifest.theme_color;
    }
  } catch (e) {
    // The built-in title stays.
  }
}

// Links like https://proxy/webapp/?conference=meet&name=Alice prefill the form.
function prefill() {
  const params = new URLSearchParams(location.search);
  ui.alias.value = params.get('conference') || '';
  ui.displayName.value = params.get('name') || '';
  (ui.alias.value ? (ui.displayName.value ? ui.pin : ui.displayName) : ui.alias).focus();
}

ui.joinForm.addEventListener('submit', join);
ui.leaveButton.addEventListener('click', leave);
window.addEventListener('pagehide', releaseOnClose);
applyManifest();
prefill();
