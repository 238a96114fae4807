import { mount } from 'svelte';
// The recovery key's font, bundled: its 0 is dotted, so it never reads as O.
import '@fontsource/jetbrains-mono/latin-500.css';
import './app.css';
import App from './App.svelte';
import { installFieldChecks } from './lib/fields/checks';

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
installFieldChecks();
export default mount(App, { target });
