// Formatting of times, names and message summaries, in the viewer's own time zone.
const pad = (n) => String(n).padStart(2, '0');

export const hhmm = (ts) => {
  const d = new Date(ts);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

const midnight = (ts) => {
  const d = new Date(ts);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
};

/** Whole calendar days between ts and now (0 = today); rounding absorbs DST shifts. */
export function daysAgo(ts, now = Date.now()) {
  return Math.round((midnight(now) - midnight(ts)) / 86_400_000);
}

const weekday = (ts) => new Date(ts).toLocaleDateString(undefined, { weekday: 'long' });
const shortDate = (ts) => new Date(ts).toLocaleDateString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit' });

/** Chat list: HH:mm today, "Yesterday", the weekday this week, else the date. */
export function listTime(ts) {
  const n = daysAgo(ts);
  if (n <= 0) return hhmm(ts);
  if (n === 1) return 'Yesterday';
  if (n < 7) return weekday(ts);
  return shortDate(ts);
}

/** Day separators in a conversation. */
export function dayLabel(ts) {
  const n = daysAgo(ts);
  if (n <= 0) return 'Today';
  if (n === 1) return 'Yesterday';
  if (n < 7) return weekday(ts);
  return new Date(ts).toLocaleDateString(undefined, { day: 'numeric', month: 'long', year: 'numeric' });
}

export function dayKey(ts) {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function lastSeenText(ts) {
  const n = daysAgo(ts);
  if (n <= 0) return `last seen today at ${hhmm(ts)}`;
  if (n === 1) return `last seen yesterday at ${hhmm(ts)}`;
  if (n < 7) return `last seen ${weekday(ts)} at ${hhmm(ts)}`;
  return `last seen ${shortDate(ts)} at ${hhmm(ts)}`;
}

export function dateTime(ts) {
  const n = daysAgo(ts);
  if (n <= 0) return `Today at ${hhmm(ts)}`;
  if (n === 1) return `Yesterday at ${hhmm(ts)}`;
  return `${shortDate(ts)} at ${hhmm(ts)}`;
}

/** Up to two letters for an avatar; the last two digits for a name that is a phone number. */
export function initials(name) {
  const s = (name || '').trim();
  if (!s) return '?';
  if (/^\+?[\d\s-]+$/.test(s)) return s.replace(/\D/g, '').slice(-2) || '#';
  const words = s.split(/\s+/).filter((w) => /\p{L}|\p{N}/u.test(w));
  const first = (w) => [...w.replace(/^[^\p{L}\p{N}]+/u, '')][0] || '';
  const letters = words.length > 1 ? first(words[0]) + first(words[words.length - 1]) : [...(words[0] || s)].slice(0, 1).join('');
  return letters.toUpperCase() || '?';
}

/** A stable colour slot (0..11) for a user or chat id. */
export function colorIndex(id) {
  let h = 0;
  for (let i = 0; i < (id || '').length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return Math.abs(h) % 12;
}

export function fileSize(n) {
  if (n == null) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} kB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}

export function duration(ms) {
  if (ms == null || !isFinite(ms)) return '';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** The words a media message is summed up with, as the node's notifications say them. */
export function mediaLabel(kind, media) {
  switch (kind) {
    case 'image': return '📷 Photo';
    case 'video': return '🎥 Video';
    case 'voice': return '🎤 Voice message' + (media?.durationMs ? ` (${duration(media.durationMs)})` : '');
    case 'file': return '📄 ' + (media?.fileName || 'File');
    default: return '';
  }
}

/** One line summing up a message for the chat list and reply quotes. */
export function summary(m) {
  if (!m) return '';
  if (m.kind === 'text' || m.kind === 'system') return m.text || '';
  const label = mediaLabel(m.kind, m.media || m.localMedia);
  if (!m.text) return label;
  return m.kind === 'file' ? `${label} · ${m.text}` : `${label.split(' ')[0]} ${m.text}`;
}

export const PHONE_RE = /^\+[1-9]\d{7,14}$/;

/** "+1 (415) 555-0100" and "0044 20…" into E.164; the caller still checks PHONE_RE. */
export function normalizePhone(input) {
  let s = (input || '').trim().replace(/[\s().-]/g, '');
  if (s.startsWith('00')) s = '+' + s.slice(2);
  if (s && !s.startsWith('+')) s = '+' + s;
  return s;
}

/** A readable name for this device in the devices list ("Chrome on Linux"). */
export function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua) ? 'Edge' : /OPR\//.test(ua) ? 'Opera' : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'Browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad|iPod/.test(ua) ? 'iOS' : /Mac OS X/.test(ua) ? 'macOS'
    : /Windows/.test(ua) ? 'Windows' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
  return `${browser}${os ? ' on ' + os : ''} (web)`;
}

export function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}
