// The dashboard shell: boot data, navigation, sign-out, live connection and lead alerts.
// Every page module imports this first.

import { get } from './api.js';
import { on, startLive } from './ws.js';
import { $, toast, leadName } from './ui.js';

export * from './api.js';
export * from './ui.js';
export { on } from './ws.js';

/** What the server told the page about the viewer: user_id, name, email, role, workspace_id, bot_id, lead_id, demo, page. */
export const boot = (() => {
  try { return JSON.parse(document.getElementById('boot').textContent); } catch (_) { return {}; }
})();

export const canManage = () => ['owner', 'manager', 'admin'].includes(boot.role);
export const isOwner = () => ['owner', 'admin'].includes(boot.role);

let membersPromise = null;
/** The workspace's members (cached per page): [{user_id, name, email, role, …}]. */
export function members() {
  if (!membersPromise) {
    membersPromise = boot.workspace_id
      ? get(`/workspaces/${boot.workspace_id}/members`).then((r) => r.items).catch(() => [])
      : Promise.resolve([]);
  }
  return membersPromise;
}
export async function memberName(id) {
  if (!id) return '';
  if (id === boot.user_id) return 'You';
  const m = (await members()).find((x) => x.user_id === id);
  return m ? (m.name || m.email) : 'a colleague';
}

const PREFS = 'wabot.alerts';
function prefs() {
  try { return JSON.parse(localStorage.getItem(PREFS)) || {}; } catch (_) { return {}; }
}
function savePrefs(p) { try { localStorage.setItem(PREFS, JSON.stringify(p)); } catch (_) { /* private mode */ } }

let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.001, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.35);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.4);
  } catch (_) { /* no audio */ }
}

function alertLead(title, lead) {
  const name = leadName(lead);
  const href = `/leads/${lead.id}`;
  toast(title, { body: name, kind: 'success', href, linkText: 'Open conversation', timeout: 10000 });
  const p = prefs();
  if (p.sound) beep();
  if (p.browser && 'Notification' in window && Notification.permission === 'granted' && document.hidden) {
    try {
      const n = new Notification(title, { body: name, tag: `lead-${lead.id}` });
      n.onclick = () => { window.focus(); location.assign(href); };
    } catch (_) { /* unsupported */ }
  }
}

function initAlerts() {
  on('lead.qualified', (d) => alertLead('New qualified lead', d.lead));
  on('lead.assigned', (d) => {
    if (d.assignee && d.assignee === boot.user_id) alertLead('A lead was assigned to you', d.lead);
  });
  on('lead.attention', (d) => {
    if (d.agent === boot.user_id && !(boot.page === 'conversation' && boot.lead_id === d.lead_id)) {
      toast('A customer is waiting for you', { kind: 'info', href: `/leads/${d.lead_id}`, linkText: 'Reply' });
    }
  });
  const dlg = document.getElementById('notify-dialog');
  const btn = document.getElementById('notify-settings');
  if (!dlg || !btn) return;
  const sound = $('#notify-sound', dlg);
  const browser = $('#notify-browser', dlg);
  btn.addEventListener('click', () => {
    const p = prefs();
    sound.checked = !!p.sound;
    browser.checked = !!p.browser && 'Notification' in window && Notification.permission === 'granted';
    browser.disabled = !('Notification' in window) || Notification.permission === 'denied';
    dlg.showModal();
  });
  sound.addEventListener('change', () => { savePrefs({ ...prefs(), sound: sound.checked }); if (sound.checked) beep(); });
  browser.addEventListener('change', async () => {
    let ok = browser.checked;
    if (ok && Notification.permission !== 'granted') ok = (await Notification.requestPermission()) === 'granted';
    browser.checked = ok;
    savePrefs({ ...prefs(), browser: ok });
  });
}

function initShell() {
  const sidebar = document.getElementById('sidebar');
  const toggle = document.getElementById('menu-toggle');
  const backdrop = document.getElementById('sidebar-backdrop');
  const setOpen = (open) => {
    sidebar.classList.toggle('open', open);
    backdrop.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) sidebar.querySelector('a')?.focus();
  };
  toggle?.addEventListener('click', () => setOpen(!sidebar.classList.contains('open')));
  backdrop?.addEventListener('click', () => setOpen(false));
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && sidebar?.classList.contains('open')) { setOpen(false); toggle.focus(); } });
  document.getElementById('sign-out')?.addEventListener('click', async () => {
    try { await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' }); } catch (_) { /* offline */ }
    location.assign('/login?error=signed_out');
  });
}

if (document.getElementById('sidebar')) {
  initShell();
  initAlerts();
  startLive();
}
