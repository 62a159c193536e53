// REST client for /api/v1 with the session cookie. Browsers send Origin on POST/PATCH/PUT/DELETE,
// which is what the server's CSRF check looks at.

/** An API error with the server's `{code, message, details}` body. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `request failed (${status})`);
    this.status = status;
    this.code = (body && body.code) || 'error';
    this.details = (body && body.details) || null;
    this.field = this.details && this.details.field ? String(this.details.field) : null;
  }
}

function loginRedirect() {
  const here = location.pathname + location.search;
  location.assign('/login?error=session_expired&return_to=' + encodeURIComponent(here));
}

/** Calls the API; returns the parsed JSON (or null for 204), throws ApiError. */
export async function api(method, path, body, { raw = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch (e) {
    throw new ApiError(0, { code: 'network', message: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (res.status === 401) {
    loginRedirect();
    throw new ApiError(401, { code: 'unauthorized', message: 'Your session has ended.' });
  }
  if (res.status === 204) return null;
  if (raw && res.ok) return res;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  if (!res.ok) throw new ApiError(res.status, json || { message: text.slice(0, 200) });
  return json;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

/** Builds a query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? '?' + s : '';
}
