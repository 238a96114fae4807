import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { initialLanguage, setLanguage } from './lib/i18n/index.svelte';
import { codeFromFragment } from './lib/state';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');

// The manager's QR code opens /me/#code=…: take the code, then clear it from the address (and
// from history), so it is not left in the address bar, a bookmark or a shared link.
const code = codeFromFragment(location.hash);
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

setLanguage(initialLanguage());
export default mount(App, { target, props: { initialCode: code ?? '' } });
