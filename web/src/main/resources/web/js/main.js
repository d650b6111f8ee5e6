// Entry point: theme, service worker, then either the sign-in page or the app.
//
// How the modules fit (plain ES modules, no build step; docs/PROTOCOL.md is the contract):
//   api.js      REST calls with the device token, uploads with progress, signed media URLs
//   socket.js   the one WebSocket: sync from persisted cursors, reconnect, outbox, receipts out
//   state.js    what the page knows (chats, messages, members, presence, typing, ticks) + events
//   app.js      the signed-in controller: socket frames -> state, and the actions views call
//   push.js     Web Push subscription; sw.js shows pushes; notify.js shows in-page notifications
//   views/      DOM only, built with dom.js (text always as textContent): sign-in, main layout,
//               chat list, conversation (+ message, media, composer), dialogs, info, settings
import { App } from './app.js';
import { registerServiceWorker } from './push.js';
import { loadSession, saveSession } from './session.js';
import { store } from './state.js';
import { applyTheme } from './theme.js';
import { MainView } from './views/main-view.js';
import { renderSignIn } from './views/signin.js';

const root = document.getElementById('app');
let view = null;

function showSignIn(notice) {
  view?.destroy();
  view = null;
  if (location.hash) history.replaceState(null, '', location.pathname); // a chat of the previous user
  document.title = 'Parley — sign in';
  renderSignIn(root, {
    notice,
    onSignedIn: (session) => {
      saveSession(session);
      start(session);
    },
  });
}

function start(session) {
  document.title = 'Parley';
  store.reset(session);
  const app = new App(session, { onSignedOut: (reason) => showSignIn(reason) });
  view = new MainView(app, root);
  app.start(view).catch((e) => console.error('start failed', e));
}

applyTheme();
registerServiceWorker();
const session = loadSession();
if (session) start(session);
else showSignIn();
