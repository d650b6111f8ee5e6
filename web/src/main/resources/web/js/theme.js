// Light, dark, or the system's choice (prefers-color-scheme), kept per browser. The page
// always carries the theme in effect as data-theme, so app.css states the dark palette once.
const KEY = 'parley.theme';
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

export function theme() {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(t = theme()) {
  if (t === 'light' || t === 'dark') localStorage.setItem(KEY, t);
  else localStorage.removeItem(KEY);
  document.documentElement.dataset.theme = t === 'system' ? (systemDark.matches ? 'dark' : 'light') : t;
}

// Following the system: switch when it does.
systemDark.addEventListener('change', () => {
  if (theme() === 'system') applyTheme('system');
});
