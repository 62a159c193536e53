// Pairing: shows the bot's current QR code and replaces it whenever the bot shows a new one
// (`bot.qr` event), the pairing code (`bot.pairing_code`), and "connected as …" when ready.

import { boot, get, post, on, $, setPill, botStatusLabel, toast, busy, canManage } from '../app.js';

const id = boot.bot_id;
const img = $('#qr-img');
const placeholder = $('#qr-placeholder');
const message = $('#qr-message');
let bot = null;
let qrCount = 0;
let objectUrl = null;

function showWaiting(text, spin = true) {
  img.hidden = true;
  placeholder.hidden = false;
  placeholder.querySelector('.spinner').hidden = !spin;
  message.textContent = text;
}

async function loadQr(retry = true) {
  try {
    const qr = await get(`/bots/${id}/qr`);
    const url = URL.createObjectURL(new Blob([qr.svg], { type: 'image/svg+xml' }));
    img.onload = () => { if (objectUrl) URL.revokeObjectURL(objectUrl); objectUrl = url; };
    img.src = url;
    img.hidden = false;
    placeholder.hidden = true;
    qrCount += 1;
    $('#qr-rotated').textContent = qrCount > 1 ? `New code shown at ${new Date().toLocaleTimeString()} (codes rotate every few seconds).` : '';
  } catch (err) {
    if (retry && err.status === 404) setTimeout(() => loadQr(false), 400);
  }
}

function applyStatus(status, detail) {
  setPill($('#bot-status'), status, botStatusLabel(status));
  const ready = status === 'ready';
  $('#connected').hidden = !ready;
  $('#qr-box').hidden = ready;
  $('#pair-start').hidden = !(status === 'stopped' && canManage());
  if (ready) {
    $('#connected-as').textContent = detail ? `as ${detail.startsWith('+') ? detail : '+' + detail.replace(/@.*/, '')}` : '';
    return;
  }
  if (status === 'stopped') showWaiting('The bot is stopped. Start it to get a QR code.', false);
  else if (status === 'failed') showWaiting(detail ? `The bot failed: ${detail}` : 'The bot failed; it will retry shortly.', false);
  else if (status === 'authenticated') showWaiting('Scanned! Finishing the connection…');
  else if (status !== 'qr') showWaiting('Waiting for the bot to show a QR code…');
}

async function load() {
  bot = await get(`/bots/${id}`);
  $('#crumb-bot').textContent = bot.name;
  if (bot.transport.kind !== 'web' && bot.transport.kind !== 'native') {
    showWaiting(bot.transport.kind === 'sandbox'
      ? 'This is a sandbox bot: it needs no phone. Try it in the chat simulator instead.'
      : 'This bot uses the WhatsApp Cloud API, which is connected with credentials, not a QR code.', false);
    setPill($('#bot-status'), bot.status, botStatusLabel(bot.status));
    return;
  }
  if (bot.transport.pairing_phone) $('#pairing-hint').textContent = `A code for ${bot.transport.pairing_phone} appears here when the bot asks for one.`;
  const rt = await get(`/bots/${id}/status`);
  applyStatus(rt.status, null);
  if (rt.has_qr) loadQr();
}

$('#pair-start').addEventListener('click', (e) => busy(e.currentTarget, async () => {
  try { const rt = await post(`/bots/${id}/start`); applyStatus(rt.status, null); }
  catch (err) { toast('Could not start the bot', { body: err.message, kind: 'error' }); }
}));

on('bot.qr', (d) => { if (d.bot_id === id) loadQr(); });
on('bot.pairing_code', (d) => { if (d.bot_id === id) $('#pairing-code').textContent = d.code; });
on('bot.status', (d) => {
  if (d.bot_id !== id) return;
  applyStatus(d.status, d.detail);
  if (d.status === 'ready') toast('WhatsApp connected', { body: d.detail || '', kind: 'success' });
});
on('reconnected', () => load().catch(() => {}));

load().catch((err) => showWaiting(err.message, false));
