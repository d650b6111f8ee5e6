// The message composer: text with Enter to send, replies, attachments with a preview and a
// caption, voice notes, typing/recording signals and a draft per chat that survives reloads.
import { h, icon, iconButton, setText } from '../dom.js';
import { colorIndex, duration, fileSize, summary } from '../format.js';
import { VoiceRecorder } from '../recorder.js';
import { store } from '../state.js';
import { toast, toastError } from '../toast.js';
import { openMenu } from './ui.js';

const TYPING_RENEW_MS = 3_000;
const TYPING_IDLE_MS = 4_000; // no keystroke for this long: "paused"
const MAX_TEXT_BYTES = 65_536;
const LIMITS = { image: 16 * 1024 * 1024, voice: 16 * 1024 * 1024, video: 100 * 1024 * 1024, file: 100 * 1024 * 1024 };
// Control characters the node refuses in text (all but tab, LF and CR).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

const kindOf = (type) => (/^image\//.test(type) ? 'image' : /^video\//.test(type) ? 'video' : /^audio\//.test(type) ? 'voice' : 'file');
const clean = (s) => s.replace(CONTROL, '').trim();

export class Composer {
  /** host: the element the attachment preview covers (the message area). */
  constructor(app, chatId, { host, onSent }) {
    this.app = app;
    this.chatId = chatId;
    this.host = host;
    this.onSent = onSent;
    this.replyTo = null;
    this.typingSentAt = 0;
    this.build();
    this.textarea.value = app.getDraft(chatId);
    this.autosize();
    this.updateButtons();
    this.updatePermission();
    this.offChat = store.on('chat', (id) => id === chatId && this.updatePermission());
  }

  build() {
    this.replyWho = h('span', { class: 'quote-who' });
    this.replyText = h('span', { class: 'quote-text', dir: 'auto' });
    this.replyBar = h('div', { class: 'reply-bar', hidden: true },
      h('div', { class: 'quote' }, this.replyWho, this.replyText),
      iconButton('close', 'Cancel reply', { onclick: () => this.clearReply() }));

    this.recTime = h('span', { class: 'rec-time', 'aria-live': 'off' }, '0:00');
    this.recBar = h('div', { class: 'recording-bar', hidden: true, role: 'group', 'aria-label': 'Recording a voice message' },
      iconButton('trash', 'Cancel recording', { onclick: () => this.cancelRecording() }),
      h('span', { class: 'rec-dot', 'aria-hidden': 'true' }), h('span', { class: 'rec-label' }, 'Recording'), this.recTime,
      h('button', { type: 'button', class: 'icon-btn send-btn', 'aria-label': 'Send voice message', title: 'Send voice message', onclick: () => this.finishRecording() }, icon('send')));

    // #attach takes any file (photos and videos as media, the rest as files); #attach-file
    // sends anything as a document.
    this.fileInput = h('input', { id: 'attach', type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
    this.docInput = h('input', { id: 'attach-file', type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
    this.fileInput.addEventListener('change', () => this.picked(this.fileInput, false));
    this.docInput.addEventListener('change', () => this.picked(this.docInput, true));
    const attachBtn = iconButton('attach', 'Attach', { id: 'attach-btn', 'aria-haspopup': 'menu' });
    attachBtn.addEventListener('click', () => openMenu(attachBtn, [
      { label: 'Photos & videos', icon: 'image', action: () => { this.fileInput.accept = 'image/*,video/*'; this.fileInput.click(); } },
      { label: 'Document', icon: 'file', action: () => this.docInput.click() },
      { label: 'Audio', icon: 'mic', action: () => { this.fileInput.accept = 'audio/*'; this.fileInput.click(); } },
    ], { label: 'Attach' }));

    this.textarea = h('textarea', { id: 'composer', rows: 1, placeholder: 'Type a message', 'aria-label': 'Message', autocomplete: 'off', spellcheck: 'true', dir: 'auto' });
    this.textarea.addEventListener('input', () => this.onInput());
    this.textarea.addEventListener('keydown', (e) => this.onKey(e));
    this.textarea.addEventListener('paste', (e) => {
      const file = [...(e.clipboardData?.files || [])][0];
      if (file) {
        e.preventDefault();
        this.openPreview(file, false);
      }
    });
    this.recordBtn = iconButton('mic', 'Record a voice message', { id: 'record', onclick: () => this.startRecording() });
    this.sendBtn = h('button', { id: 'send', type: 'button', class: 'icon-btn send-btn', 'aria-label': 'Send', title: 'Send', onclick: () => this.send() }, icon('send'));
    this.row = h('div', { class: 'composer-row' }, attachBtn, this.fileInput, this.docInput, this.textarea, this.recordBtn, this.sendBtn);
    this.notice = h('p', { class: 'composer-notice', hidden: true }, 'Only admins can send messages to this group.');
    this.el = h('footer', { class: 'composer' }, this.replyBar, this.recBar, this.row, this.notice);

    // The attachment preview covers the message area, WhatsApp-style.
    this.previewStage = h('div', { class: 'preview-stage' });
    this.previewName = h('span', { class: 'preview-name' });
    this.caption = h('input', { id: 'media-caption', type: 'text', placeholder: 'Add a caption', 'aria-label': 'Caption', autocomplete: 'off', dir: 'auto' });
    this.caption.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        this.sendAttachment();
      }
    });
    this.previewEl = h('section', { id: 'media-preview', class: 'media-preview', hidden: true, 'aria-label': 'Attachment preview' },
      h('header', { class: 'preview-head' }, iconButton('close', 'Cancel attachment', { onclick: () => this.closePreview() }), this.previewName),
      this.previewStage,
      h('div', { class: 'preview-foot' }, this.caption,
        h('button', { id: 'media-send', type: 'button', class: 'icon-btn send-btn', 'aria-label': 'Send attachment', title: 'Send', onclick: () => this.sendAttachment() }, icon('send'))));
    this.previewEl.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !e.defaultPrevented) {
        e.preventDefault();
        this.closePreview();
      }
    });
    this.host.append(this.previewEl);

    // Files dropped on the conversation are attached too.
    this.onDragOver = (e) => {
      if ([...(e.dataTransfer?.types || [])].includes('Files')) e.preventDefault();
    };
    this.onDrop = (e) => {
      const file = e.dataTransfer?.files?.[0];
      if (file) {
        e.preventDefault();
        this.openPreview(file, false);
      }
    };
    this.host.addEventListener('dragover', this.onDragOver);
    this.host.addEventListener('drop', this.onDrop);
  }

  destroy() {
    this.stopTyping(true);
    this.offChat();
    if (this.recorder) this.cancelRecording();
    clearInterval(this.recTimer);
    this.closePreview();
    this.previewEl.remove();
    this.host.removeEventListener('dragover', this.onDragOver);
    this.host.removeEventListener('drop', this.onDrop);
  }

  focus() {
    if (!this.row.hidden) this.textarea.focus();
  }

  /** Groups where only admins may send hide the input for everyone else. */
  updatePermission() {
    const chat = store.chats.get(this.chatId);
    const blocked = chat?.type === 'group' && chat.onlyAdminsSend && chat.role === 'member';
    this.row.hidden = blocked || !!this.recorder;
    this.notice.hidden = !blocked;
  }

  // ---- text ----

  onKey(e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      this.send();
    } else if (e.key === 'Escape' && this.replyTo) {
      e.preventDefault();
      this.clearReply();
    }
  }

  onInput() {
    this.autosize();
    this.updateButtons();
    this.app.setDraft(this.chatId, this.textarea.value);
    if (this.textarea.value.trim()) {
      const now = Date.now();
      if (now - this.typingSentAt > TYPING_RENEW_MS) {
        this.app.typing(this.chatId, 'typing');
        this.typingSentAt = now;
      }
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.stopTyping(true), TYPING_IDLE_MS);
    } else {
      this.stopTyping(true);
    }
  }

  /** Ends our typing state; a send ends it on the node by itself, so no "paused" then. */
  stopTyping(sayPaused) {
    clearTimeout(this.idleTimer);
    if (this.typingSentAt && sayPaused) this.app.typing(this.chatId, 'paused');
    this.typingSentAt = 0;
  }

  autosize() {
    const t = this.textarea;
    t.style.height = 'auto'; // CSSOM (allowed by the CSP), not a style attribute in markup
    t.style.height = `${Math.min(t.scrollHeight, 160)}px`;
  }

  updateButtons() {
    const empty = !this.textarea.value.trim();
    this.recordBtn.hidden = !empty || !VoiceRecorder.supported();
    this.sendBtn.classList.toggle('idle', empty);
  }

  send() {
    if (this.attachment) {
      this.sendAttachment();
      return;
    }
    const text = clean(this.textarea.value);
    if (!text) {
      this.textarea.focus();
      return;
    }
    if (new TextEncoder().encode(text).length > MAX_TEXT_BYTES) {
      toast('This message is too long to send (at most 64 KiB). Split it into several.', { kind: 'error' });
      return;
    }
    this.app.sendText(this.chatId, text, this.replyTo?.msgId);
    this.stopTyping(false);
    this.textarea.value = '';
    this.app.setDraft(this.chatId, '');
    this.clearReply();
    this.autosize();
    this.updateButtons();
    this.textarea.focus();
    this.onSent?.();
  }

  // ---- replies ----

  setReply(m) {
    this.replyTo = m;
    setText(this.replyWho, store.isMe(m.senderId) ? 'You' : store.nameOf(m.senderId) || '');
    this.replyWho.className = `quote-who c${colorIndex(m.senderId)}`;
    setText(this.replyText, summary(m));
    this.replyBar.hidden = false;
    if (this.attachment) this.caption.focus();
    else this.textarea.focus();
  }

  clearReply() {
    this.replyTo = null;
    this.replyBar.hidden = true;
  }

  // ---- attachments ----

  picked(input, asFile) {
    const file = input.files?.[0];
    input.value = ''; // picking the same file again fires change again
    input.removeAttribute('accept');
    if (file) this.openPreview(file, asFile);
  }

  openPreview(file, asFile) {
    const kind = asFile ? 'file' : kindOf(file.type || '');
    if (file.size === 0) {
      toast('This file is empty.', { kind: 'error' });
      return;
    }
    if (file.size > LIMITS[kind]) {
      toast(`This ${kind === 'voice' ? 'audio file' : kind} is too large: ${fileSize(file.size)}, at most ${fileSize(LIMITS[kind])}.`, { kind: 'error' });
      return;
    }
    this.closePreview();
    this.attachment = { file, asFile, url: kind === 'file' ? null : URL.createObjectURL(file) };
    const url = this.attachment.url;
    let content;
    if (kind === 'image') content = h('img', { class: 'preview-media', src: url, alt: 'Preview of the photo' });
    else if (kind === 'video') content = h('video', { class: 'preview-media', src: url, controls: true, muted: true });
    else if (kind === 'voice') content = h('audio', { src: url, controls: true });
    else content = h('div', { class: 'preview-file' }, icon('file'), h('span', { class: 'file-name' }, file.name || 'File'), h('span', { class: 'file-size' }, fileSize(file.size)));
    this.previewStage.replaceChildren(content);
    setText(this.previewName, `${file.name || 'Attachment'} · ${fileSize(file.size)}`);
    // What was typed becomes the caption.
    if (this.textarea.value.trim() && !this.caption.value) {
      this.caption.value = this.textarea.value.trim();
      this.textarea.value = '';
      this.app.setDraft(this.chatId, '');
      this.autosize();
      this.updateButtons();
    }
    this.previewEl.hidden = false;
    this.caption.focus();
  }

  closePreview() {
    if (!this.attachment) return;
    if (this.attachment.url) URL.revokeObjectURL(this.attachment.url);
    this.attachment = null;
    this.previewStage.replaceChildren();
    this.caption.value = '';
    this.previewEl.hidden = true;
    this.textarea.focus();
  }

  sendAttachment() {
    if (!this.attachment) return;
    const caption = clean(this.caption.value);
    if (new TextEncoder().encode(caption).length > MAX_TEXT_BYTES) {
      toast('This caption is too long.', { kind: 'error' });
      return;
    }
    const { file, asFile } = this.attachment;
    this.app.sendFile(this.chatId, file, { asFile, caption: caption || undefined, replyTo: this.replyTo?.msgId });
    this.clearReply();
    this.closePreview();
    this.onSent?.();
  }

  // ---- voice notes ----

  async startRecording() {
    if (this.recorder) return;
    const rec = new VoiceRecorder();
    try {
      await rec.start();
    } catch (e) {
      toast(`The microphone is not available: ${e.message}`, { kind: 'error' });
      return;
    }
    this.recorder = rec;
    this.row.hidden = true;
    this.recBar.hidden = false;
    this.recBar.querySelector('.send-btn').focus();
    this.app.typing(this.chatId, 'recording');
    let renewed = Date.now();
    this.recTimer = setInterval(() => {
      setText(this.recTime, duration(rec.elapsedMs));
      if (Date.now() - renewed > TYPING_RENEW_MS) {
        this.app.typing(this.chatId, 'recording');
        renewed = Date.now();
      }
    }, 250);
    this.onRecKey = (e) => e.key === 'Escape' && this.cancelRecording();
    document.addEventListener('keydown', this.onRecKey);
  }

  endRecordingUi() {
    clearInterval(this.recTimer);
    document.removeEventListener('keydown', this.onRecKey);
    this.recorder = null;
    this.recBar.hidden = true;
    setText(this.recTime, '0:00');
    this.app.typing(this.chatId, 'paused');
    this.updatePermission();
    this.textarea.focus();
  }

  cancelRecording() {
    this.recorder?.cancel();
    this.endRecordingUi();
  }

  async finishRecording() {
    const rec = this.recorder;
    if (!rec || rec.finishing) return; // a second click while the first one stops it
    rec.finishing = true;
    const elapsed = rec.elapsedMs;
    let blob;
    try {
      blob = await rec.stop();
    } catch (e) {
      toastError(e, 'The recording failed');
      return;
    } finally {
      if (this.recorder === rec) this.endRecordingUi();
    }
    if (elapsed < 700 || blob.size === 0) {
      toast('Too short to send: hold on a little longer.');
      return;
    }
    const ext = blob.type.includes('ogg') ? 'ogg' : blob.type.includes('mp4') ? 'm4a' : 'webm';
    const file = new File([blob], `Voice message.${ext}`, { type: blob.type || 'audio/webm' });
    this.app.sendFile(this.chatId, file, { replyTo: this.replyTo?.msgId });
    this.clearReply();
    this.onSent?.();
  }
}
