// The live event stream (/ws): reconnects with backoff, shows its state in the top bar and
// dispatches `{type:"event", event, data}` frames to subscribers by event name ('*' for all).

const handlers = new Map();
let socket = null;
let attempt = 0;
let everOpen = false;

function setState(state, text) {
  const el = document.getElementById('live-status');
  if (!el) return;
  el.dataset.state = state;
  const t = el.querySelector('.live-text');
  if (t) t.textContent = text;
  el.title = text;
}

function dispatch(name, data) {
  for (const key of [name, '*']) {
    for (const fn of handlers.get(key) || []) {
      try { fn(data, name); } catch (e) { console.warn('live handler failed', e); }
    }
  }
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  try {
    socket = new WebSocket(`${proto}//${location.host}/ws`);
  } catch (_) {
    retry();
    return;
  }
  socket.addEventListener('open', () => {
    setState('open', 'Live');
    if (everOpen) dispatch('reconnected', null);
    everOpen = true;
    attempt = 0;
  });
  socket.addEventListener('message', (ev) => {
    let frame;
    try { frame = JSON.parse(ev.data); } catch (_) { return; }
    if (frame && frame.type === 'event' && frame.event) dispatch(frame.event, frame.data || {});
  });
  socket.addEventListener('close', () => {
    setState('closed', 'Reconnecting…');
    retry();
  });
  socket.addEventListener('error', () => { /* close follows */ });
}

function retry() {
  socket = null;
  attempt += 1;
  const delay = Math.min(15000, 500 * 2 ** Math.min(attempt, 5)) * (0.75 + Math.random() * 0.5);
  setTimeout(connect, delay);
}

/** Subscribes to an event name (`lead.qualified`, `message.received`, …, '*', 'reconnected'). */
export function on(name, fn) {
  if (!handlers.has(name)) handlers.set(name, new Set());
  handlers.get(name).add(fn);
  return () => handlers.get(name).delete(fn);
}

/** Opens the stream once per page. */
export function startLive() {
  if (socket || everOpen) return;
  setState('connecting', 'Connecting…');
  connect();
}
