// What this browser keeps, in one IndexedDB database ("taiwa-me"): the key pair (a CryptoKeyPair,
// stored as WebCrypto's structured clone, so the private key stays non-extractable), the pairing
// (bearer token, the server's state, the manager's key as confirmed at pairing), the model (topics,
// latest summary, inbox position) and each month's rating token. Nothing here leaves the browser
// except through the API, and "forget this browser" deletes all of it.
import type { MemberState } from './wire';
import type { LocalRating, Model } from './state';

const DB = 'taiwa-me';
const VERSION = 1;
const KEYS = 'keys';
const PAIRING = 'pairing';
const MODEL = 'model';
const RATINGS = 'ratings';
const ONE = 'current';

export interface Pairing {
  token: string;
  state: MemberState;
  /** The manager's public key as it was when the safety code was shown: what messages are sealed to. */
  managerKey: string;
  /** This browser's public key (base64url). */
  memberKey: string;
}

export interface Stored {
  keys: CryptoKeyPair | null;
  pairing: Pairing | null;
  model: Model | null;
  ratings: LocalRating[];
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error ?? new Error('indexeddb request failed'));
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('indexeddb transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('indexeddb transaction failed'));
  });
}

let opened: Promise<IDBDatabase> | null = null;

function db(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const r = indexedDB.open(DB, VERSION);
    r.onupgradeneeded = () => {
      const d = r.result;
      for (const name of [KEYS, PAIRING, MODEL]) if (!d.objectStoreNames.contains(name)) d.createObjectStore(name);
      if (!d.objectStoreNames.contains(RATINGS)) d.createObjectStore(RATINGS, { keyPath: 'month' });
    };
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => {
      opened = null;
      reject(r.error ?? new Error('indexeddb open failed'));
    };
  });
  return opened;
}

export async function load(): Promise<Stored> {
  const d = await db();
  const tx = d.transaction([KEYS, PAIRING, MODEL, RATINGS], 'readonly');
  const [keys, pairing, model, ratings] = await Promise.all([
    request(tx.objectStore(KEYS).get(ONE) as IDBRequest<CryptoKeyPair | undefined>),
    request(tx.objectStore(PAIRING).get(ONE) as IDBRequest<Pairing | undefined>),
    request(tx.objectStore(MODEL).get(ONE) as IDBRequest<Model | undefined>),
    request(tx.objectStore(RATINGS).getAll() as IDBRequest<LocalRating[]>),
  ]);
  return { keys: keys ?? null, pairing: pairing ?? null, model: model ?? null, ratings };
}

/** A new pairing: its keys, token and state, and an empty model, replacing whatever was there. */
export async function savePaired(keys: CryptoKeyPair, pairing: Pairing, model: Model): Promise<void> {
  const d = await db();
  const tx = d.transaction([KEYS, PAIRING, MODEL, RATINGS], 'readwrite');
  tx.objectStore(RATINGS).clear();
  tx.objectStore(KEYS).put(keys, ONE);
  tx.objectStore(PAIRING).put(plain(pairing), ONE);
  tx.objectStore(MODEL).put(plain(model), ONE);
  await done(tx);
}

export async function savePairing(pairing: Pairing): Promise<void> {
  const d = await db();
  const tx = d.transaction(PAIRING, 'readwrite');
  tx.objectStore(PAIRING).put(plain(pairing), ONE);
  await done(tx);
}

/** Resolves once the model is on disk: only then is a message acknowledged. */
export async function saveModel(model: Model): Promise<void> {
  const d = await db();
  const tx = d.transaction(MODEL, 'readwrite');
  tx.objectStore(MODEL).put(plain(model), ONE);
  await done(tx);
}

export async function saveRating(rating: LocalRating): Promise<void> {
  const d = await db();
  const tx = d.transaction(RATINGS, 'readwrite');
  tx.objectStore(RATINGS).put(plain(rating));
  await done(tx);
}

/** Drops a month's token the server did not take (the month was rated from another browser). */
export async function dropRating(month: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(RATINGS, 'readwrite');
  tx.objectStore(RATINGS).delete(month);
  await done(tx);
}

/** Forgets everything: keys, token, topics, summary, rating tokens. */
export async function forget(): Promise<void> {
  const d = await db();
  const tx = d.transaction([KEYS, PAIRING, MODEL, RATINGS], 'readwrite');
  for (const name of [KEYS, PAIRING, MODEL, RATINGS]) tx.objectStore(name).clear();
  await done(tx);
}

/** Svelte's reactive proxies do not survive structured cloning: store plain copies. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
