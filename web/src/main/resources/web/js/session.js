// What the browser keeps between visits, in localStorage: the session (token, user, device)
// and, per user, the sync cursors, the outbox of unsent messages and the drafts.
const SESSION = 'parley.session';

export function loadJson(key, fallback) {
  try {
    const raw = localStorage.getItem(key);
    return raw == null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function saveJson(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch (e) {
    // Quota or private mode: the app keeps working from memory.
    console.warn('cannot save', key, e);
    return false;
  }
}

export function userKey(userId, name) {
  return `parley.${name}.${userId}`;
}

export function loadSession() {
  const s = loadJson(SESSION, null);
  return s && typeof s.token === 'string' && typeof s.userId === 'string' ? s : null;
}

export function saveSession(session) {
  saveJson(SESSION, session);
}

/** Forgets the session and everything kept for its user on this browser. */
export function clearSession(userId) {
  localStorage.removeItem(SESSION);
  localStorage.removeItem('parley.push'); // the push subscription is dropped with the device
  if (userId) for (const name of ['cursors', 'outbox', 'drafts']) localStorage.removeItem(userKey(userId, name));
}

/** A client message id: 128 random bits in base64url (works outside secure contexts too). */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
