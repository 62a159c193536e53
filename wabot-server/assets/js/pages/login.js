// Login page: the demo login (POST /auth/demo?as=…) in demo mode.

const boot = (() => { try { return JSON.parse(document.getElementById('boot').textContent); } catch (_) { return {}; } })();
const errorBox = document.getElementById('demo-error');

async function demoLogin(role, button) {
  errorBox.hidden = true;
  button.disabled = true;
  try {
    const res = await fetch('/auth/demo?as=' + encodeURIComponent(role), { method: 'POST', credentials: 'same-origin' });
    if (!res.ok) {
      let msg = `The demo login was refused (${res.status}).`;
      try { const body = await res.json(); if (body.message) msg = body.message; } catch (_) { /* not JSON */ }
      throw new Error(msg);
    }
    location.assign(boot.return_to || '/bots');
  } catch (e) {
    errorBox.textContent = e.message || 'The server cannot be reached.';
    errorBox.hidden = false;
    button.disabled = false;
  }
}

for (const b of document.querySelectorAll('[data-as]')) {
  b.addEventListener('click', () => demoLogin(b.dataset.as, b));
}
