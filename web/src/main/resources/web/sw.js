// Parley's service worker: shows Web Push notifications and opens the chat they are about.
// The push payload (decrypted by the browser) is
// {title, body, collapseKey, data: {chatId, seq, msgId, count}}; the tag replaces an earlier
// notification of the same chat, so a burst shows as one. No fetch handler: pages always
// come from the node, which revalidates them by ETag.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let n = {};
  try {
    n = event.data ? event.data.json() : {};
  } catch {
    n = { title: 'Parley', body: event.data ? event.data.text() : '' };
  }
  const data = n.data || {};
  const tag = n.collapseKey || data.chatId || 'parley';
  event.waitUntil(self.registration.showNotification(n.title || 'Parley', {
    body: n.body || 'New message',
    tag,
    renotify: true,
    icon: '/icon.svg',
    badge: '/icon.svg',
    timestamp: Date.now(),
    data,
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const chatId = event.notification.data && event.notification.data.chatId;
  const target = new URL(chatId ? `/#/chat/${encodeURIComponent(chatId)}` : '/', self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const existing = windows.find((w) => new URL(w.url).origin === self.location.origin);
    if (existing) {
      await existing.focus();
      if (chatId) existing.postMessage({ type: 'openChat', chatId });
      return;
    }
    await self.clients.openWindow(target);
  })());
});

// The browser renewed the subscription: let an open page register it again (it has the token).
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    for (const w of windows) w.postMessage({ type: 'pushSubscriptionChange' });
  })());
});
