// The screens of the unlocked app, loaded as their own chunk once the first screen is drawn: the
// unlock screen does not wait for the whole app's code to be parsed (docs/BENCHMARKS.md).
export { default as Home } from './home/Home.svelte';
export { default as People } from './people/People.svelte';
export { default as PersonPage } from './people/PersonPage.svelte';
export { default as SessionPage } from './session/SessionPage.svelte';
export { default as Search } from './search/Search.svelte';
export { default as SettingsPage } from './settings/Settings.svelte';
export { default as SyncPage } from './sync/Sync.svelte';
export { default as ExportPage } from './export/Export.svelte';
export { default as Help } from './Help.svelte';
