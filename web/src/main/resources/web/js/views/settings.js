// Profile and settings, in a panel over the chat list: name and about, last-seen privacy,
// notifications (Web Push, previews, do-not-disturb hours), theme, devices, sign out.
import { api } from '../api.js';
import { h, icon, iconButton } from '../dom.js';
import { dateTime } from '../format.js';
import { setNotificationSettings } from '../notify.js';
import { disablePush, enablePush, permission } from '../push.js';
import { store } from '../state.js';
import { applyTheme, theme } from '../theme.js';
import { toast, toastError } from '../toast.js';
import { avatar, busy, confirmDialog, field } from './ui.js';

export class SettingsPanel {
  constructor(app, { onClose }) {
    this.app = app;
    this.onClose = onClose;
    this.settings = null;
    this.el = h('section', { id: 'settings-panel', class: 'drawer', 'aria-labelledby': 'settings-heading', tabindex: '-1' });
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        this.close();
      }
    });
    this.build();
    this.load();
  }

  close() {
    this.el.remove();
    this.onClose?.();
  }

  build() {
    const me = store.me;
    this.closeBtn = iconButton('back', 'Close settings', { id: 'settings-close', onclick: () => this.close() });
    const head = h('header', { class: 'bar drawer-head' }, this.closeBtn, h('h2', { id: 'settings-heading' }, 'Settings'));

    // Profile.
    const name = h('input', { id: 'profile-name', type: 'text', maxlength: 64, value: me.displayName || '', autocomplete: 'name', dir: 'auto' });
    const about = h('input', { id: 'profile-about', type: 'text', maxlength: 140, value: me.about || '', dir: 'auto' });
    const profileError = h('p', { class: 'form-error', role: 'alert' });
    const save = h('button', { id: 'profile-save', type: 'submit', class: 'btn primary' }, 'Save');
    const profile = h('form', { class: 'form settings-section', 'aria-label': 'Profile' },
      h('div', { class: 'info-head' }, avatar(me.userId, me.displayName, 'big'), h('p', { class: 'info-sub' }, me.phone || '')),
      field('Your name', name, 'Shown to the people you chat with.'), field('About', about), profileError, h('div', { class: 'actions' }, save));
    profile.addEventListener('submit', (e) => {
      e.preventDefault();
      const patch = {};
      if (name.value.trim() !== me.displayName) patch.displayName = name.value.trim();
      if (about.value !== me.about) patch.about = about.value.trim();
      if (!Object.keys(patch).length) return;
      if (patch.displayName === '') {
        profileError.textContent = 'Your name cannot be empty.';
        return;
      }
      busy(save, profileError, async () => {
        store.setMe(await api.updateMe(patch));
        toast('Profile saved.');
      });
    });

    // Privacy.
    this.lastSeen = h('select', { id: 'privacy-last-seen' },
      h('option', { value: 'everyone' }, 'Everyone'), h('option', { value: 'contacts' }, 'My contacts'), h('option', { value: 'nobody' }, 'Nobody'));
    this.lastSeen.addEventListener('change', () => this.saveSettings());
    const privacy = h('div', { class: 'settings-section' }, h('h3', {}, icon('lock'), ' Privacy'),
      field('Who can see my last seen and online', this.lastSeen, 'If you don\'t share yours, you won\'t see other people\'s either.'));

    // Notifications.
    this.pushStatus = h('p', { class: 'hint', id: 'push-status' });
    this.pushBtn = h('button', { type: 'button', id: 'enable-notifications', class: 'btn primary' }, icon('bell'), ' Enable notifications');
    this.pushBtn.addEventListener('click', () => this.togglePush());
    this.previews = h('input', { type: 'checkbox', id: 'notification-previews' });
    this.previews.addEventListener('change', () => this.saveSettings());
    this.dndOn = h('input', { type: 'checkbox', id: 'dnd-enabled' });
    this.dndFrom = h('input', { type: 'time', id: 'dnd-from', value: '22:00', required: true });
    this.dndTo = h('input', { type: 'time', id: 'dnd-to', value: '07:00', required: true });
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    this.dndZone = h('input', { type: 'text', id: 'dnd-zone', list: 'time-zones', value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', autocomplete: 'off' });
    const zoneList = h('datalist', { id: 'time-zones' }, zones.map((z) => h('option', { value: z })));
    for (const el of [this.dndOn, this.dndFrom, this.dndTo, this.dndZone]) el.addEventListener('change', () => this.saveSettings());
    this.dndFields = h('div', { class: 'dnd-fields' }, field('From', this.dndFrom), field('To', this.dndTo), field('Time zone', this.dndZone), zoneList);
    this.settingsError = h('p', { class: 'form-error', role: 'alert' });
    const notifications = h('div', { class: 'settings-section' }, h('h3', {}, icon('bell'), ' Notifications'),
      this.pushStatus, h('div', { class: 'actions left' }, this.pushBtn),
      h('label', { class: 'check' }, this.previews, h('span', {}, 'Show message previews (sender and text) in notifications')),
      h('label', { class: 'check' }, this.dndOn, h('span', {}, 'Do not disturb every day')), this.dndFields, this.settingsError);

    // Appearance.
    const themeSel = h('select', { id: 'theme' }, h('option', { value: 'system' }, 'System default'), h('option', { value: 'light' }, 'Light'), h('option', { value: 'dark' }, 'Dark'));
    themeSel.value = theme();
    themeSel.addEventListener('change', () => applyTheme(themeSel.value));
    const appearance = h('div', { class: 'settings-section' }, h('h3', {}, icon('theme'), ' Appearance'), field('Theme', themeSel));

    // Devices.
    this.devices = h('ul', { id: 'devices', class: 'member-list', 'aria-label': 'Signed-in devices' }, h('li', { class: 'hint' }, 'Loading…'));
    const devices = h('div', { class: 'settings-section' }, h('h3', {}, icon('devices'), ' Devices'), this.devices);

    const signOut = h('button', { type: 'button', id: 'sign-out', class: 'btn danger wide' }, icon('logout'), ' Sign out of this device');
    signOut.addEventListener('click', async () => {
      if (!(await confirmDialog({ title: 'Sign out?', message: 'Messages not yet sent from this browser will be lost.', confirmLabel: 'Sign out', danger: true }))) return;
      signOut.disabled = true;
      await this.app.signOut();
    });

    this.el.append(head, h('div', { class: 'drawer-body' }, profile, privacy, notifications, appearance, devices,
      h('div', { class: 'settings-section' }, signOut)));
    this.updatePush();
  }

  focus() {
    this.closeBtn.focus();
  }

  async load() {
    try {
      this.settings = await api.settings();
      this.showSettings();
    } catch (e) {
      this.settingsError.textContent = `Settings could not be loaded: ${e.message}`;
    }
    this.loadDevices();
  }

  showSettings() {
    const s = this.settings;
    this.lastSeen.value = s.lastSeen;
    this.previews.checked = s.notificationPreviews;
    this.dndOn.checked = !!s.dnd;
    if (s.dnd) {
      this.dndFrom.value = s.dnd.from;
      this.dndTo.value = s.dnd.to;
      this.dndZone.value = s.dnd.timeZone;
    }
    this.dndFields.hidden = !s.dnd && !this.dndOn.checked;
  }

  /** PUT replaces the whole object: always send every field as shown. */
  async saveSettings() {
    this.dndFields.hidden = !this.dndOn.checked;
    if (!this.settings) return;
    const body = { lastSeen: this.lastSeen.value, notificationPreviews: this.previews.checked };
    if (this.dndOn.checked) {
      if (!this.dndFrom.value || !this.dndTo.value || this.dndFrom.value === this.dndTo.value) {
        this.settingsError.textContent = 'Choose a start and an end time that differ.';
        return;
      }
      body.dnd = { from: this.dndFrom.value.slice(0, 5), to: this.dndTo.value.slice(0, 5), timeZone: this.dndZone.value.trim() || 'UTC' };
    }
    this.settingsError.textContent = '';
    try {
      this.settings = await api.putSettings(body);
      setNotificationSettings(this.settings);
      this.showSettings();
      // Our own setting limits what we see of others: ask for presence afresh.
      this.app.socket.resubscribePresence();
      toast('Settings saved.');
    } catch (e) {
      this.settingsError.textContent = e.message;
      this.showSettings();
    }
  }

  async loadDevices() {
    try {
      const { devices } = await api.devices();
      this.devices.replaceChildren(...devices.map((d) => {
        const remove = d.current ? h('span', { class: 'role' }, 'This device')
          : h('button', {
            type: 'button',
            class: 'btn danger small',
            'aria-label': `Sign out ${d.name}`,
            onclick: async (e) => {
              if (!(await confirmDialog({ title: 'Sign out device?', message: `Sign out “${d.name}”? It will need a new code to sign in again.`, confirmLabel: 'Sign out', danger: true }))) return;
              try {
                await api.signOutDevice(d.deviceId);
                e.target.closest('li')?.remove();
                toast(`“${d.name}” was signed out.`);
              } catch (err) {
                toastError(err, 'Could not sign the device out');
              }
            },
          }, 'Sign out');
        return h('li', { class: 'member device' }, h('span', { class: 'device-icon' }, icon('devices')),
          h('span', { class: 'grow' }, h('span', { class: 'member-name', dir: 'auto' }, d.name),
            h('span', { class: 'member-sub' }, d.lastSeenAt ? `Active ${dateTime(d.lastSeenAt)}` : `Signed in ${dateTime(d.createdAt)}`)), remove);
      }));
    } catch (e) {
      this.devices.replaceChildren(h('li', { class: 'form-error' }, `Devices could not be loaded: ${e.message}`));
    }
  }

  updatePush() {
    const p = permission();
    const enabled = p === 'granted' && localStorage.getItem('parley.push') === 'on';
    this.pushBtn.hidden = p === 'unsupported' || p === 'denied';
    this.pushBtn.replaceChildren(icon(enabled ? 'bellOff' : 'bell'), enabled ? ' Turn off notifications' : ' Enable notifications');
    this.pushStatus.textContent = {
      unsupported: 'This browser cannot show notifications from this page (Web Push needs HTTPS or localhost).',
      denied: 'Notifications are blocked for this site; allow them in your browser\'s site settings.',
      default: 'Get a notification when a message arrives while Parley is closed.',
      granted: enabled ? 'Notifications are on for this browser.' : 'Notifications are allowed but not set up for this account yet.',
    }[p];
  }

  async togglePush() {
    const on = permission() === 'granted' && localStorage.getItem('parley.push') === 'on';
    await busy(this.pushBtn, null, async () => {
      try {
        if (on) {
          await disablePush();
          localStorage.removeItem('parley.push');
          toast('Notifications are off for this browser.');
        } else {
          await enablePush();
          localStorage.setItem('parley.push', 'on');
          toast('Notifications are on.');
        }
      } catch (e) {
        toastError(e);
      }
    });
    this.updatePush();
  }
}
