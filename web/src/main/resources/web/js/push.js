// Web Push: the service worker at /sw.js shows the node's notifications; this module asks for
// permission (only from a click), subscribes with the node's VAPID key and registers the
// subscription as this device's push address (PUT /v1/devices/current/push).
import { api, ApiError } from './api.js';

export function pushSupported() {
  return window.isSecureContext && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** unsupported | denied | default (not asked yet) | granted */
export function permission() {
  return pushSupported() ? Notification.permission : 'unsupported';
}

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return null;
  try {
    return await navigator.serviceWorker.register('/sw.js', { scope: '/' });
  } catch (e) {
    console.warn('service worker not registered', e);
    return null;
  }
}

function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (b64url.length % 4)) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
}

async function subscription(create) {
  const reg = (await navigator.serviceWorker.getRegistration('/')) || (await registerServiceWorker());
  if (!reg) throw new Error('The notification service worker could not be installed.');
  await navigator.serviceWorker.ready;
  const { publicKey } = await api.vapid();
  const key = keyBytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  // A subscription is bound to the key it was made with; the node's key changed: start over.
  if (sub && !sameKey(sub.options?.applicationServerKey, key)) {
    await sub.unsubscribe().catch(() => {});
    sub = null;
  }
  if (!sub && create) sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  return sub;
}

async function register(sub) {
  const { endpoint, keys } = sub.toJSON();
  try {
    await api.registerPush({ type: 'webPush', endpoint, p256dh: keys.p256dh, auth: keys.auth });
  } catch (e) {
    if (e instanceof ApiError && e.code === 'PUSH_ENDPOINT_REJECTED') {
      let host = '';
      try {
        host = new URL(endpoint).host;
      } catch {
        host = 'its push service';
      }
      const err = new ApiError(e.status, e.code,
        `This server does not allow notifications through your browser's push service (${host}). ` +
        'Ask its operator to add it to push.webPush.allowedHosts, or use another browser.', e.requestId);
      throw err;
    }
    throw e;
  }
}

/** From the "Enable notifications" button: the permission prompt needs this user gesture. */
export async function enablePush() {
  if (!pushSupported()) throw new Error('This browser cannot receive notifications here (Web Push needs HTTPS or localhost).');
  const result = await Notification.requestPermission();
  if (result !== 'granted') {
    throw new Error(result === 'denied'
      ? 'Notifications are blocked for this site. Allow them in the browser\'s site settings.'
      : 'Notifications were not allowed.');
  }
  const sub = await subscription(true);
  await register(sub);
}

export async function disablePush() {
  if (pushSupported()) {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = await reg?.pushManager.getSubscription();
    await sub?.unsubscribe().catch(() => {});
  }
  await api.unregisterPush();
}

/** At every start, as the protocol asks: registers the current subscription again. */
export async function refreshPush() {
  // Only when notifications were turned on here (Settings): a subscription left by someone else,
  // or turned off, must not be registered for this account.
  if (permission() !== 'granted' || localStorage.getItem('parley.push') !== 'on') return false;
  try {
    const sub = await subscription(false);
    if (!sub) return false;
    await register(sub);
    return true;
  } catch (e) {
    console.warn('push registration not renewed', e);
    return false;
  }
}

/** Forgets the subscription locally (signing out: the node drops the address itself). */
export async function unsubscribeLocally() {
  if (!pushSupported()) return;
  try {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const sub = await reg?.pushManager.getSubscription();
    await sub?.unsubscribe();
  } catch {
    // nothing to undo
  }
}
