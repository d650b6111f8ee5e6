// Notifications while the page is open but not looked at. The node pushes only to devices
// that have not reported delivery, and an open page reports it at once, so without this a
// background tab would stay silent. Shown through the service worker, so a click is handled
// like a push's (sw.js), with the chat as tag: a burst replaces itself. The account's
// preview and do-not-disturb settings are honoured as the node honours them for pushes.
import { api } from './api.js';
import { summary } from './format.js';
import { isMuted, store } from './state.js';

let settings = null;

export async function loadNotificationSettings() {
  try {
    settings = await api.settings();
  } catch {
    settings = null;
  }
}

export function setNotificationSettings(s) {
  settings = s;
}

/** Whether the do-not-disturb window covers now, in its own time zone. */
function inDnd(dnd) {
  if (!dnd) return false;
  let now;
  try {
    now = new Date().toLocaleTimeString('en-GB', { timeZone: dnd.timeZone, hour: '2-digit', minute: '2-digit', hour12: false });
  } catch {
    return false;
  }
  return dnd.from < dnd.to ? now >= dnd.from && now < dnd.to : now >= dnd.from || now < dnd.to;
}

export async function notifyIncoming(m) {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  if (localStorage.getItem('parley.push') !== 'on') return; // the user turned them on here
  if (store.isMe(m.senderId) || m.kind === 'system') return;
  if (document.visibilityState === 'visible' && document.hasFocus() && store.openChatId === m.chatId) return;
  const chat = store.chats.get(m.chatId);
  if (!chat || isMuted(chat) || inDnd(settings?.dnd)) return;
  const previews = settings?.notificationPreviews !== false;
  const sender = store.nameOf(m.senderId) || 'Someone';
  const title = previews ? (chat.type === 'group' ? chat.title : sender) : 'Parley';
  const text = summary(m);
  const body = previews ? (chat.type === 'group' ? `${sender}: ${text}` : text) : 'New message';
  try {
    const reg = await navigator.serviceWorker?.getRegistration('/');
    const options = { body: body.length > 200 ? body.slice(0, 199) + '…' : body, tag: m.chatId, renotify: true, icon: '/icon.svg', data: { chatId: m.chatId, seq: String(m.seq), msgId: m.msgId } };
    if (reg) await reg.showNotification(title, options);
    else new Notification(title, options);
  } catch (e) {
    console.warn('notification not shown', e);
  }
}
