// The REST API of the node (docs/PROTOCOL.md), with the device token as a Bearer header.
// Errors come back as ApiError carrying the node's stable code and its human message.
let token = null;
let onUnauthenticated = () => {};

export class ApiError extends Error {
  constructor(status, code, message, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.requestId = requestId;
  }
}

export function setToken(t) {
  token = t;
}

/** Called once a request is refused with 401 UNAUTHENTICATED (the device was signed out). */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

const NETWORK_MESSAGE = 'Cannot reach the server. Check your connection and try again.';

function errorFrom(status, data, headers) {
  const err = data && data.error;
  const e = new ApiError(status, err?.code || `HTTP_${status}`, err?.message || `The server answered ${status}.`, err?.requestId);
  const retry = headers && Number(headers.get?.('Retry-After'));
  if (retry) e.retryAfter = retry;
  return e;
}

export async function request(method, path, body, { auth = true, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (auth && token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK', NETWORK_MESSAGE);
  }
  if (res.status === 204) return null;
  const text = await res.text().catch(() => '');
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = errorFrom(res.status, data, res.headers);
    if (e.code === 'UNAUTHENTICATED' && auth && token) onUnauthenticated(e);
    throw e;
  }
  return data;
}

const enc = encodeURIComponent;
const query = (params) => {
  const q = Object.entries(params).filter(([, v]) => v != null).map(([k, v]) => `${k}=${enc(v)}`).join('&');
  return q ? '?' + q : '';
};

export const api = {
  requestCode: (phone) => request('POST', '/v1/auth/code', { phone }, { auth: false }),
  signIn: (phone, code, deviceName) => request('POST', '/v1/auth/token', { phone, code, deviceName }, { auth: false }),

  me: () => request('GET', '/v1/me'),
  updateMe: (patch) => request('PATCH', '/v1/me', patch),
  devices: () => request('GET', '/v1/me/devices'),
  renameDevice: (id, name) => request('PATCH', `/v1/me/devices/${enc(id)}`, { name }),
  signOutDevice: (id) => request('DELETE', `/v1/me/devices/${enc(id)}`),
  settings: () => request('GET', '/v1/me/settings'),
  putSettings: (s) => request('PUT', '/v1/me/settings', s),

  findUser: (phone) => request('GET', `/v1/users${query({ phone })}`),
  user: (id) => request('GET', `/v1/users/${enc(id)}`),
  presence: (id) => request('GET', `/v1/users/${enc(id)}/presence`),

  chats: () => request('GET', '/v1/chats'),
  chat: (id) => request('GET', `/v1/chats/${enc(id)}`),
  openDirect: (userId) => request('POST', '/v1/chats', { type: 'direct', userId }),
  createGroup: (title, members, description) => request('POST', '/v1/chats', { type: 'group', title, members, description }),
  updateGroup: (id, patch) => request('PATCH', `/v1/chats/${enc(id)}`, patch),
  members: (id) => request('GET', `/v1/chats/${enc(id)}/members`),
  addMembers: (id, userIds) => request('POST', `/v1/chats/${enc(id)}/members`, { userIds }),
  setRole: (id, userId, role) => request('PATCH', `/v1/chats/${enc(id)}/members/${enc(userId)}`, { role }),
  removeMember: (id, userId) => request('DELETE', `/v1/chats/${enc(id)}/members/${enc(userId)}`),
  createInvite: (id) => request('POST', `/v1/chats/${enc(id)}/invite`),
  revokeInvite: (id) => request('DELETE', `/v1/chats/${enc(id)}/invite`),
  join: (id, inviteCode) => request('POST', `/v1/chats/${enc(id)}/join`, { inviteCode }),
  leave: (id) => request('POST', `/v1/chats/${enc(id)}/leave`),
  mute: (id, until) => request('PUT', `/v1/chats/${enc(id)}/mute`, { until }),
  unmute: (id) => request('DELETE', `/v1/chats/${enc(id)}/mute`),

  messages: (id, { before, after, limit } = {}) => request('GET', `/v1/chats/${enc(id)}/messages${query({ before, after, limit })}`),
  read: (id, upToSeq) => request('POST', `/v1/chats/${enc(id)}/read`, { upToSeq }),
  receipts: (chatId, msgId) => request('GET', `/v1/chats/${enc(chatId)}/messages/${enc(msgId)}/receipts`),

  vapid: () => request('GET', '/v1/push/vapid', undefined, { auth: false }),
  registerPush: (body) => request('PUT', '/v1/devices/current/push', body),
  unregisterPush: () => request('DELETE', '/v1/devices/current/push'),
};

/**
 * Uploads a file's bytes (POST /v1/media) with XMLHttpRequest, which, unlike fetch, reports
 * upload progress. Resolves with the Media object; `abort()` cancels.
 */
export function upload(blob, { contentType, name, onProgress }) {
  const xhr = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    xhr.open('POST', '/v1/media' + query({ name: name || null }));
    xhr.setRequestHeader('Authorization', 'Bearer ' + token);
    xhr.setRequestHeader('Content-Type', contentType || 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300 && data) resolve(data);
      else {
        const e = errorFrom(xhr.status, data, { get: (h) => xhr.getResponseHeader(h) });
        if (e.code === 'UNAUTHENTICATED') onUnauthenticated(e);
        reject(e);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'The upload failed: the connection to the server was lost.'));
    xhr.onabort = () => reject(new ApiError(0, 'ABORTED', 'Upload cancelled.'));
    xhr.send(blob);
  });
  return { promise, abort: () => xhr.abort() };
}

// Signed media URLs live media.urlTtlSeconds (300 s); reuse one for 4 minutes.
const URL_REUSE_MS = 240_000;
const mediaUrls = new Map();
let sweptAt = 0;

/** Forgets expired URLs now and then, so a long session does not keep every one it used. */
function sweepMediaUrls(now) {
  if (now - sweptAt < 60_000) return;
  sweptAt = now;
  for (const [key, e] of mediaUrls) if (e.expires != null && e.expires <= now) mediaUrls.delete(key);
}

/**
 * A short-lived signed URL for a media (or its thumbnail), usable as an <img>/<video> src
 * without a token. Asks with Accept: application/json for a 200 {url}; a node that still
 * answers 302 is followed by fetch, and the URL it landed on is the signed one.
 */
export function mediaUrl(mediaId, variant) {
  const key = `${mediaId}|${variant || ''}`;
  sweepMediaUrls(Date.now());
  const hit = mediaUrls.get(key);
  if (hit && (hit.expires == null || hit.expires > Date.now())) return hit.promise;
  const entry = { expires: null };
  entry.promise = (async () => {
    let res;
    try {
      res = await fetch(`/v1/media/${enc(mediaId)}${variant ? '?variant=' + enc(variant) : ''}`, {
        headers: { Authorization: 'Bearer ' + token, Accept: 'application/json' },
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'NETWORK', NETWORK_MESSAGE);
    }
    const type = res.headers.get('Content-Type') || '';
    if (res.ok && type.includes('application/json') && !res.redirected) {
      const data = await res.json();
      return new URL(data.url, location.origin).href;
    }
    if (res.ok && res.redirected) {
      res.body?.cancel().catch(() => {});
      return res.url;
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    throw errorFrom(res.status, data, res.headers);
  })();
  entry.promise.then(
    () => (entry.expires = Date.now() + URL_REUSE_MS),
    () => mediaUrls.get(key) === entry && mediaUrls.delete(key),
  );
  mediaUrls.set(key, entry);
  return entry.promise;
}

/** Drops a cached URL (it expired while a video was playing, say). */
export function forgetMediaUrl(mediaId, variant) {
  mediaUrls.delete(`${mediaId}|${variant || ''}`);
}
