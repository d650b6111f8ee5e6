// Photos, videos, voice notes and files inside message bubbles, and the photo lightbox.
// Bytes come from short-lived signed URLs (api.mediaUrl); a photo shows its inline blurred
// preview at once, then its thumbnail, and the full picture when opened.
import { forgetMediaUrl, mediaUrl } from '../api.js';
import { h, icon, iconButton } from '../dom.js';
import { duration, fileSize } from '../format.js';
import { toastError } from '../toast.js';

const MAX_W = 330;
const MAX_H = 330;

/** Display size for a picture of w×h within the bubble's limits. */
function fit(w, h) {
  if (!w || !h) return null;
  const s = Math.min(1, MAX_W / w, MAX_H / h);
  return { width: Math.max(80, Math.round(w * s)), height: Math.max(60, Math.round(h * s)) };
}

/**
 * The media part of a message. `m.media` is the node's Media; a message we are sending has
 * `m.localMedia` and `m.localUrl` (an object URL of the file) until then.
 * `lazy(el, load)` defers loading until the bubble scrolls near the viewport.
 */
export function renderMedia(m, { lazy, openLightbox }) {
  const media = m.media || m.localMedia || {};
  switch (m.kind) {
    case 'image':
      return photo(m, media, lazy, openLightbox);
    case 'video':
      return video(m, media, lazy);
    case 'voice':
      return voice(m, media);
    default:
      return file(m, media);
  }
}

function photo(m, media, lazy, openLightbox) {
  const size = fit(media.width || media.thumbnail?.width, media.height || media.thumbnail?.height);
  const img = h('img', { 'data-testid': 'media-image', alt: m.text ? `Photo: ${m.text}` : 'Photo', decoding: 'async', ...(size || {}) });
  const box = h('button', { type: 'button', class: 'media media-photo' + (size ? '' : ' unsized'), 'aria-label': 'Open photo' }, img);
  if (m.localUrl) {
    img.src = m.localUrl;
  } else if (media.mediaId) {
    if (media.preview) {
      img.src = media.preview;
      img.classList.add('blur');
    }
    lazy(box, async () => {
      try {
        const url = await mediaUrl(media.mediaId, media.thumbnail ? 'thumbnail' : undefined);
        await preload(url);
        img.src = url;
        img.classList.remove('blur');
      } catch (e) {
        box.classList.add('media-missing');
        img.alt = e.code === 'MEDIA_NOT_FOUND' ? 'Photo no longer available' : 'Photo could not be loaded';
        if (!media.preview) img.removeAttribute('src');
      }
    });
  }
  box.addEventListener('click', () => openLightbox(m, img.currentSrc || img.src));
  return box;
}

function preload(url) {
  return new Promise((resolve, reject) => {
    const i = new Image();
    i.onload = () => resolve();
    i.onerror = () => reject(new Error('image failed to load'));
    i.src = url;
  });
}

function video(m, media, lazy) {
  const size = fit(media.width, media.height) || { width: 280, height: 158 };
  const poster = h('img', { alt: '', class: 'poster', ...size });
  const badge = h('span', { class: 'media-badge' }, icon('video'), media.durationMs ? duration(media.durationMs) : '');
  const play = h('span', { class: 'play-overlay' }, icon('play'));
  const box = h('button', { type: 'button', class: 'media media-video', 'aria-label': 'Play video' }, poster, play, badge);
  if (m.localUrl) {
    poster.hidden = true;
    box.prepend(h('video', { src: m.localUrl, muted: true, preload: 'metadata', class: 'poster', ...size }));
  } else if (media.preview || media.thumbnail) {
    if (media.preview) {
      poster.src = media.preview;
      poster.classList.add('blur');
    }
    if (media.thumbnail && media.mediaId) {
      lazy(box, async () => {
        try {
          const url = await mediaUrl(media.mediaId, 'thumbnail');
          await preload(url);
          poster.src = url;
          poster.classList.remove('blur');
        } catch {
          // the preview stays
        }
      });
    }
  }
  // The video itself loads only when played; seeking uses Range requests on the signed URL.
  box.addEventListener('click', async () => {
    let src = m.localUrl;
    try {
      if (!src) src = await mediaUrl(media.mediaId);
    } catch (e) {
      toastError(e, 'The video cannot be played');
      return;
    }
    const player = h('video', { controls: true, autoplay: true, playsinline: true, preload: 'auto', class: 'player', ...size, src });
    if (poster.src) player.poster = poster.src;
    if (!m.localUrl) refreshOnExpiry(player, media.mediaId);
    box.replaceWith(h('div', { class: 'media media-video playing' }, player));
    player.focus();
  });
  return box;
}

/** A signed URL lasts 5 minutes: when a later range request fails, get a new one and go on. */
function refreshOnExpiry(player, mediaId) {
  let retried = 0;
  // Each expiry gets its own retries: once the new URL plays, the count starts over.
  const reset = () => {
    retried = 0;
  };
  player.addEventListener('loadeddata', reset);
  player.addEventListener('playing', reset);
  player.addEventListener('error', async () => {
    if (retried++ > 2) return;
    const at = player.currentTime;
    const wasPlaying = !player.paused;
    forgetMediaUrl(mediaId);
    try {
      player.src = await mediaUrl(mediaId);
      player.currentTime = at;
      if (wasPlaying) player.play().catch(() => {});
    } catch (e) {
      toastError(e, 'The media cannot be played');
    }
  });
}

function voice(m, media) {
  const label = `Voice message${media.durationMs ? ', ' + duration(media.durationMs) : ''}`;
  const start = h('button', { type: 'button', class: 'voice-play', 'aria-label': `Play ${label}` }, icon('play'));
  const box = h('div', { class: 'media media-voice' }, start, h('span', { class: 'voice-wave', 'aria-hidden': 'true' }),
    h('span', { class: 'voice-len' }, media.durationMs ? duration(media.durationMs) : ''));
  start.addEventListener('click', async () => {
    let src = m.localUrl;
    try {
      if (!src) src = await mediaUrl(media.mediaId);
    } catch (e) {
      toastError(e, 'The voice message cannot be played');
      return;
    }
    const audio = h('audio', { controls: true, autoplay: true, preload: 'auto', src, 'aria-label': label });
    if (!m.localUrl) refreshOnExpiry(audio, media.mediaId);
    box.replaceChildren(audio);
    audio.focus();
  });
  return box;
}

function file(m, media) {
  const name = media.fileName || 'File';
  const link = h('button', { type: 'button', class: 'media media-file', 'aria-label': `Download ${name}` },
    h('span', { class: 'file-icon' }, icon('file')),
    h('span', { class: 'file-info' }, h('span', { class: 'file-name' }, name),
      h('span', { class: 'file-size' }, [fileSize(media.size), fileType(name, media.contentType)].filter(Boolean).join(' · '))),
    h('span', { class: 'file-dl' }, icon('download')));
  link.addEventListener('click', () => download(media));
  return link;
}

/** "PDF", "ZIP": the name's extension, else the type's subtype. */
function fileType(name, contentType) {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name || '');
  if (ext) return ext[1].toUpperCase();
  const sub = (contentType || '').split('/')[1] || '';
  return sub.length <= 8 ? sub.toUpperCase() : '';
}

/** Downloads through a signed URL (the node answers with Content-Disposition: attachment for files). */
export async function download(media) {
  if (!media?.mediaId) return;
  try {
    const url = await mediaUrl(media.mediaId);
    const a = h('a', { href: url, download: media.fileName || '', rel: 'noopener' });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (e) {
    toastError(e, 'The download failed');
  }
}

/** Full-size photo over the page; Escape or the close button closes it. */
export function openLightbox(m, placeholder) {
  const media = m.media || m.localMedia || {};
  const img = h('img', { class: 'lightbox-img', alt: m.text ? `Photo: ${m.text}` : 'Photo' });
  if (placeholder) img.src = placeholder;
  const caption = m.text ? h('p', { class: 'lightbox-caption', dir: 'auto' }, m.text) : null;
  const dlg = h('dialog', { id: 'lightbox', class: 'lightbox', 'aria-label': 'Photo' },
    h('div', { class: 'lightbox-bar' },
      media.mediaId ? iconButton('download', 'Download', { class: 'icon-btn', onclick: () => download(media) }) : null,
      iconButton('close', 'Close', { class: 'icon-btn', onclick: () => dlg.close() })),
    h('div', { class: 'lightbox-stage' }, img), caption);
  const opener = document.activeElement;
  dlg.addEventListener('close', () => {
    dlg.remove();
    opener?.focus?.();
  });
  dlg.addEventListener('click', (e) => {
    if (e.target === dlg || e.target.classList.contains('lightbox-stage')) dlg.close();
  });
  document.body.append(dlg);
  dlg.showModal();
  if (m.localUrl) img.src = m.localUrl;
  else if (media.mediaId) {
    mediaUrl(media.mediaId).then((url) => preload(url).then(() => (img.src = url))).catch((e) => toastError(e, 'The photo cannot be shown'));
  }
}
