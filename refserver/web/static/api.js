// api.js: the pages' calls to the server's v1 API.
//
// A signed-in page's requests carry the session's cookie (the browser
// sends it; no script can read it). A mutating request also carries the
// session's CSRF token, which only this site's pages know, and a fresh
// Idempotency-Key. Errors come back as an Error with the server's message.

/** The sessionStorage key of the session's CSRF token. */
const csrfKey = 'iog.csrf';

/** The headers of the server's protocol (iogsdk/api). */
export const CSRFHeader = 'X-IOG-CSRF';
export const IdempotencyHeader = 'Idempotency-Key';

// sessionStorage is absent outside a browser (node's tests).
const storage = () => globalThis.sessionStorage;

/** csrfToken returns the signed-in session's CSRF token, or null. */
export function csrfToken() {
  return storage()?.getItem(csrfKey) ?? null;
}

/**
 * setCSRFToken keeps a session's CSRF token for this tab (null forgets
 * it). It is no secret from the page, only from other sites.
 */
export function setCSRFToken(token) {
  if (token == null) {
    storage()?.removeItem(csrfKey);
  } else {
    storage()?.setItem(csrfKey, token);
  }
}

/** randomKey returns 18 random bytes in URL-safe base64. */
function randomKey() {
  const b = globalThis.crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...b)).replaceAll('+', '-').replaceAll('/', '_');
}

/**
 * APIError is an error answer: message is the server's, kind its kind
 * ("unauthorized", "forbidden", "not_found", ...), status the HTTP status.
 */
export class APIError extends Error {
  constructor(message, kind, status) {
    super(message);
    this.name = 'APIError';
    this.kind = kind;
    this.status = status;
  }
}

/**
 * apiFetch calls the API: path such as "/v1/devices", method (GET by
 * default) and body (encoded as JSON when given). It resolves to the
 * decoded answer, or rejects with an APIError.
 */
export async function apiFetch(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = csrfToken();
    if (csrf) {
      headers[CSRFHeader] = csrf;
    }
    headers[IdempotencyHeader] = randomKey();
  }
  const resp = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await resp.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON (a proxy's page): the status says what happened.
  }
  if (!resp.ok) {
    const e = data?.error;
    throw new APIError(e?.message || `${method} ${path}: HTTP ${resp.status}`, e?.kind || '', resp.status);
  }
  return data;
}
