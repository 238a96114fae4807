// Light, dark, or the system's choice (followed live while the app is open).
import type { Theme } from './bindings';

const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
let chosen: Theme = 'system';

function paint(): void {
  const dark = chosen === 'dark' || (chosen === 'system' && (query?.matches ?? false));
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

query?.addEventListener('change', paint);

export function applyTheme(theme: Theme): void {
  chosen = theme;
  paint();
}
