// Light, dark, or the system's choice (prefers-color-scheme), kept per browser.
const KEY = 'parley.theme';

export function theme() {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(t = theme()) {
  if (t === 'light' || t === 'dark') {
    document.documentElement.dataset.theme = t;
    localStorage.setItem(KEY, t);
  } else {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem(KEY);
  }
}
