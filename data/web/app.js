// SPDX-License-Identifier: LGPL-2.1-or-later
// Holler's web client: registers an id on the rendezvous server this page
// came from (ws(s)://<same host>/ws) and makes or takes one audio call at a
// time with RTCPeerConnection. The messages are holler's own wire protocol
// (docs/signaling.md): offer/answer {sdp}, candidate {candidate, sdpMid,
// sdpMLineIndex}, end-of-candidates, ringing and bye {reason}, each sent
// with "to" and received with "from".
'use strict';

const $ = (id) => document.getElementById(id);

let ws = null;              // the signaling WebSocket
let myId = null;
let keepConnected = false;  // reconnect when the socket drops
let everRegistered = false;
let call = null;            // the one call: see newCall()
let audioContext = null;
let analyser = null;
let statsTimer = null;
let endedAt = null;         // Date.now() when the last call ended

// --- page state -----------------------------------------------------------

function showError(text) {
  $('error').textContent = text || '';
  $('error').hidden = !text;
}

function setState(state, detail) {
  const el = $('state');
  if (state === 'ended') endedAt = Date.now();
  el.dataset.state = state;
  el.textContent = detail ? `${state}: ${detail}` : state;
  const inCall = call !== null && call.pc !== null;
  $('hangup').disabled = call === null;
  $('mute').disabled = !inCall;
  $('call').disabled = call !== null || !everRegistered;
  $('incoming').hidden = !(call && state === 'incoming');
  $('peer').textContent = call ? call.peer : '–';
}

function send(msg) {
  console.debug('→', JSON.stringify(msg));
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
}

// --- signaling ------------------------------------------------------------

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  ws = new WebSocket(`${scheme}://${location.host}/ws`);
  ws.onopen = () => send({ type: 'register', id: myId, token: $('my-token').value });
  ws.onmessage = (event) => {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch (e) {
      console.warn('ignoring a message that is not JSON', event.data);
      return;
    }
    console.debug('←', event.data);
    onMessage(msg);
  };
  ws.onclose = (event) => {
    ws = null;
    if (!keepConnected) return;
    if (!everRegistered) {
      keepConnected = false;
      showError(`Cannot reach the server (WebSocket closed, code ${event.code}).`);
      $('connect').disabled = false;
      return;
    }
    // An active call's media is peer to peer: it goes on meanwhile.
    $('signed-in').textContent = `Connection to the server lost; reconnecting as ${myId}…`;
    setTimeout(() => { if (keepConnected && ws === null) connect(); }, 2000);
  };
}

function onMessage(msg) {
  switch (msg.type) {
    case 'registered':
      everRegistered = true;
      showError('');
      $('signed-in').textContent = `Signed in as ${msg.id}. Others can call you by this id.`;
      $('signed-in').hidden = false;
      $('call-panel').hidden = false;
      if (!call) setState('idle');
      return;
    case 'error':
      return onServerError(msg);
    case 'offer':
      return onOffer(msg);
  }
  if (!call || msg.from !== call.peer) return;   // not about our call
  switch (msg.type) {
    case 'answer':
      if (call.outgoing && call.pc) {
        showPeerKey(msg.sdp);
        call.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp })
          .then(flushCandidates)
          .catch((e) => endCall('bad-sdp', true, `Cannot use the answer: ${e.message}`));
        setState('connecting');
      }
      break;
    case 'candidate':
    case 'end-of-candidates':
      addCandidate(msg);
      break;
    case 'ringing':
      if (call.outgoing) setState('ringing', `at ${call.peer}`);
      break;
    case 'bye':
      endCall(msg.reason || 'hangup', false);
      break;
  }
}

function onServerError(msg) {
  const text = `${msg.message || msg.code} (${msg.code})`;
  if (call && msg.to === call.peer) {
    endCall(msg.code, false, text);
  } else if (['unauthorized', 'replaced', 'bad-id'].includes(msg.code)) {
    keepConnected = false;
    everRegistered = false;
    $('connect').disabled = false;
    $('call-panel').hidden = true;
    $('signed-in').hidden = true;
    showError(text);
  } else {
    showError(text);
  }
}

// --- our key ----------------------------------------------------------------
// One DTLS certificate kept in IndexedDB, not a new one per page load: a
// holler peer pins the key it saw for our id (known peers,
// docs/security.md) and would warn of a changed key on every call.

const KEY_LIFETIME_MS = 365 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;
let certificate = null;
let certificateLoading = null;   // one load at a time: a page load and a call share it

// The first 16 hex digits of a sha-256 fingerprint in groups of four, as
// `holler identity` shows its own: "1A2B 3C4D 5E6F 7A8B"
function shortKey(fingerprint) {
  const hex = (fingerprint || '').replace(/[^0-9a-f]/gi, '').toUpperCase().slice(0, 16);
  return hex ? hex.match(/.{1,4}/g).join(' ') : '–';
}

function keyStore(mode, use) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('holler', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('identity');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const req = use(db.transaction('identity', mode).objectStore('identity'));
      req.onsuccess = () => { db.close(); resolve(req.result); };
      req.onerror = () => { db.close(); reject(req.error); };
    };
  });
}

// Our certificate: the stored one while it has a day left, else a new one
// (stored); null when the browser cannot store it (a new key per call then)
function ourCertificate() {
  if (!certificateLoading || (certificate && certificate.expires <= Date.now() + DAY_MS)) {
    certificateLoading = loadCertificate();
  }
  return certificateLoading;
}

async function loadCertificate() {
  try {
    const stored = await keyStore('readonly', (s) => s.get('certificate'));
    if (stored && stored.expires > Date.now() + DAY_MS) {
      certificate = stored;
    } else {
      certificate = await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256',
                                                                  expires: KEY_LIFETIME_MS });
      await keyStore('readwrite', (s) => s.put(certificate, 'certificate'));
    }
  } catch (e) {
    console.warn('cannot keep a key in IndexedDB: a new one for each call', e);
    certificate = null;
  }
  const fingerprint = certificate?.getFingerprints().find((f) => f.algorithm === 'sha-256');
  $('my-key').textContent = fingerprint ? shortKey(fingerprint.value) : 'new for each call';
  return certificate;
}

// The peer's key as its SDP names it (the DTLS handshake then checks it)
function showPeerKey(sdp) {
  const m = /^a=fingerprint:sha-256 (\S+)/mi.exec(sdp || '');
  $('peer-key').textContent = m ? shortKey(m[1]) : '–';
}

// --- the call ---------------------------------------------------------------

function newCall(peer, outgoing) {
  return { peer, outgoing, pc: null, stream: null, offer: null, pending: [], muted: false };
}

async function startMedia() {
  if (!navigator.mediaDevices) {
    throw new Error('The microphone needs a secure page: open it as https:// (holler serve --tls-cert) or on localhost.');
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  if (!call) {   // hung up while the browser asked for the microphone
    stream.getTracks().forEach((t) => t.stop());
    throw new Error('call ended');
  }
  call.stream = stream;
  const cert = await ourCertificate();
  if (!call) {   // hung up meanwhile
    stream.getTracks().forEach((t) => t.stop());
    throw new Error('call ended');
  }
  const pc = new RTCPeerConnection(cert ? { iceServers: [], certificates: [cert] } : { iceServers: [] });
  call.pc = pc;
  pc.onicecandidate = (event) => {
    // null: gathering is over. holler takes an empty candidate as
    // end-of-candidates too, but the explicit message is clearer.
    if (event.candidate && event.candidate.candidate) {
      const c = event.candidate;
      send({ type: 'candidate', to: call.peer, candidate: c.candidate, sdpMid: c.sdpMid,
             sdpMLineIndex: c.sdpMLineIndex });
    } else if (!event.candidate) {
      send({ type: 'end-of-candidates', to: call.peer, sdpMid: pc.getTransceivers()[0]?.mid ?? '0' });
    }
  };
  pc.ontrack = (event) => playRemote(event.streams[0] || new MediaStream([event.track]));
  pc.onconnectionstatechange = () => {
    $('ice').textContent = pc.connectionState;
    if (pc.connectionState === 'connected') setState('active');
    else if (pc.connectionState === 'failed') endCall('ice-failed', true, 'The connection failed.');
  };
  stream.getAudioTracks().forEach((track) => pc.addTrack(track, stream));
  return pc;
}

async function placeCall(peer) {
  call = newCall(peer, true);
  setState('calling', peer);
  try {
    const pc = await startMedia();
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: 'offer', to: peer, sdp: pc.localDescription.sdp });
    startStats();
  } catch (e) {
    endCall('media-failed', true, e.message);
  }
}

function onOffer(msg) {
  if (call) {
    if (msg.from !== call.peer) send({ type: 'bye', to: msg.from, reason: 'busy' });
    else console.warn('ignoring a second offer (renegotiation is not supported)');
    return;
  }
  call = newCall(msg.from, false);
  call.offer = msg.sdp;
  send({ type: 'ringing', to: msg.from });
  $('incoming-text').textContent = `Incoming call from ${msg.from}`;
  setState('incoming', `from ${msg.from}`);
}

async function answerCall() {
  if (!call || call.outgoing || call.pc) return;
  setState('connecting');
  try {
    const pc = await startMedia();
    showPeerKey(call.offer);
    await pc.setRemoteDescription({ type: 'offer', sdp: call.offer });
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: 'answer', to: call.peer, sdp: pc.localDescription.sdp });
    await flushCandidates();
    startStats();
  } catch (e) {
    endCall('media-failed', true, e.message);
  }
}

async function addCandidate(msg) {
  // an empty candidate is how the browser API spells end-of-candidates
  const init = { candidate: msg.candidate || '', sdpMid: msg.sdpMid ?? null,
                 sdpMLineIndex: msg.sdpMLineIndex ?? null };
  if (init.sdpMid === null && init.sdpMLineIndex === null) init.sdpMLineIndex = 0;
  if (!call.pc || !call.pc.remoteDescription) {
    call.pending.push(init);
    return;
  }
  try {
    await call.pc.addIceCandidate(init);
  } catch (e) {
    console.warn('ignoring a candidate the browser refused', init, e.message);
  }
}

async function flushCandidates() {
  const pending = call ? call.pending.splice(0) : [];
  for (const init of pending) await addCandidate(init);
}

// reason goes to the peer (when tell is set) and on the page
function endCall(reason, tell, message) {
  if (!call) return;
  if (tell) send({ type: 'bye', to: call.peer, reason });
  if (call.pc) call.pc.close();
  if (call.stream) call.stream.getTracks().forEach((t) => t.stop());
  call = null;
  clearInterval(statsTimer);
  $('remote-audio').srcObject = null;
  analyser = null;
  $('mute').textContent = 'Mute';
  $('mute').setAttribute('aria-pressed', 'false');
  $('ice').textContent = '–';
  $('pair').textContent = '–';
  $('level').value = -90;
  $('level-text').textContent = '–';
  const failed = reason !== 'hangup';
  setState('ended', reason);
  showError(failed && message ? message : '');
}

function toggleMute() {
  if (!call || !call.stream) return;
  call.muted = !call.muted;
  // a disabled track sends silence, so the peer keeps its timing
  call.stream.getAudioTracks().forEach((t) => { t.enabled = !call.muted; });
  $('mute').textContent = call.muted ? 'Unmute' : 'Mute';
  $('mute').setAttribute('aria-pressed', String(call.muted));
}

// --- received audio: play it, and measure it for the page (and tests) ------

function playRemote(stream) {
  // Chromium decodes a remote track only while something plays it.
  $('remote-audio').srcObject = stream;
  audioContext = audioContext || new AudioContext();
  audioContext.resume();
  analyser = audioContext.createAnalyser();
  analyser.fftSize = 8192;
  analyser.smoothingTimeConstant = 0;
  audioContext.createMediaStreamSource(stream).connect(analyser);
}

// {hz, db}: the dominant frequency (50 Hz – 8 kHz, parabolic interpolation
// between FFT bins) and the RMS level in dBFS of the last ~170 ms received.
function receivedAudio() {
  if (!analyser) return { hz: 0, db: -Infinity };
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  const rms = Math.sqrt(samples.reduce((sum, x) => sum + x * x, 0) / samples.length);
  const spectrum = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(spectrum);
  const binHz = audioContext.sampleRate / analyser.fftSize;
  let best = Math.ceil(50 / binHz);
  for (let i = best; i < Math.min(spectrum.length - 1, 8000 / binHz); i++) {
    if (spectrum[i] > spectrum[best]) best = i;
  }
  const [a, b, c] = [spectrum[best - 1], spectrum[best], spectrum[best + 1]];
  const offset = (a - 2 * b + c) !== 0 ? 0.5 * (a - c) / (a - 2 * b + c) : 0;
  return { hz: rms > 1e-4 ? (best + offset) * binHz : 0, db: 20 * Math.log10(rms || 1e-12) };
}

function startStats() {
  clearInterval(statsTimer);
  statsTimer = setInterval(async () => {
    const level = receivedAudio();
    $('level').value = Math.max(-90, level.db);
    $('level-text').textContent = level.hz ? `${level.db.toFixed(0)} dBFS, ${level.hz.toFixed(0)} Hz`
                                          : 'silence';
    if (call && call.pc) $('pair').textContent = await selectedPair(call.pc);
  }, 500);
}

async function selectedPair(pc) {
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
  });
  if (!pair) return '–';
  const end = (id) => {
    const c = stats.get(id);
    return c ? `${c.candidateType} ${c.address ?? c.ip}:${c.port}` : '?';
  };
  return `${end(pair.localCandidateId)} ↔ ${end(pair.remoteCandidateId)} (${pair.state})`;
}

// --- controls -------------------------------------------------------------

$('register-form').addEventListener('submit', (event) => {
  event.preventDefault();
  myId = $('my-id').value.trim();
  keepConnected = true;
  everRegistered = false;
  $('connect').disabled = true;
  showError('');
  if (ws) ws.close();
  connect();
});

$('call-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const peer = $('peer-id').value.trim();
  if (!call && peer) placeCall(peer);
});

$('answer').addEventListener('click', answerCall);
$('reject').addEventListener('click', () => endCall('rejected', true));
$('hangup').addEventListener('click', () => endCall('hangup', true));
$('mute').addEventListener('click', toggleMute);
window.addEventListener('pagehide', () => endCall('hangup', true));
ourCertificate();

// For people debugging and for tests/browser: read-only views of the call.
window.holler = {
  receivedAudio,
  state: () => $('state').dataset.state || 'not connected',
  endedAt: () => endedAt,
};
