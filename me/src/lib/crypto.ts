// The member channel's cryptography, byte for byte as crates/channel has it: HPKE (RFC 9180) base
// mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM through @hpke/core, each message
// sealed on its own with its place (pair, direction, number) as associated data and its plaintext
// padded to one of four sizes. The browser's private key is a non-extractable WebCrypto key: it
// never exists as bytes this page could read or send.
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** The HPKE `info` of every message: the channel and its version. */
export const INFO = encoder.encode('taiwa member channel v1');
/** The plaintext sizes a message is padded to; a longer one is refused. */
export const SIZES = [256, 1024, 4096, 16384] as const;
/** Bytes AES-128-GCM adds to a padded plaintext. */
export const TAG_BYTES = 16;
const SAFETY_LABEL = encoder.encode('taiwa safety code v1');

/** Which way a message travels. */
export type Direction = 'to_member' | 'to_manager';

/** Where a message belongs: its pair's employee ids, its direction, its number from 0. */
export interface Binding {
  manager: string;
  member: string;
  direction: Direction;
  seq: number;
}

/** A message as it travels: the encapsulated key and the ciphertext, both base64url. */
export interface SealedText {
  enc: string;
  ciphertext: string;
}

export type ChannelFailure = 'too_long' | 'tampered' | 'bad_key';

/** What can go wrong on the channel; `kind` is what the page acts on. */
export class ChannelError extends Error {
  constructor(readonly kind: ChannelFailure) {
    super(`channel: ${kind}`);
    this.name = 'ChannelError';
  }
}

let suiteInstance: CipherSuite | undefined;
/** The one suite, made when first used. */
export function suite(): CipherSuite {
  suiteInstance ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  return suiteInstance;
}

/** The associated data: a label, each id with its UTF-8 length (u32 BE), the direction, the number (u64 BE). */
export function aad(binding: Binding): Uint8Array {
  if (!Number.isSafeInteger(binding.seq) || binding.seq < 0) throw new RangeError('seq must be a non-negative integer');
  const label = encoder.encode('taiwa/v1');
  const manager = encoder.encode(binding.manager);
  const member = encoder.encode(binding.member);
  const out = new Uint8Array(label.length + 4 + manager.length + 4 + member.length + 1 + 8);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(label, at);
  at += label.length;
  for (const id of [manager, member]) {
    view.setUint32(at, id.length, false);
    at += 4;
    out.set(id, at);
    at += id.length;
  }
  out[at] = binding.direction === 'to_member' ? 1 : 2;
  at += 1;
  view.setBigUint64(at, BigInt(binding.seq), false);
  return out;
}

/** Pads to the smallest size that holds the plaintext and its end mark: plaintext, 0x80, zeros. */
export function pad(plaintext: Uint8Array): Uint8Array {
  const size = SIZES.find((s) => plaintext.length < s);
  if (size === undefined) throw new ChannelError('too_long');
  const out = new Uint8Array(size);
  out.set(plaintext);
  out[plaintext.length] = 0x80;
  return out;
}

/** The plaintext of a padded message; anything not as `pad` writes it is `tampered`. */
export function unpad(padded: Uint8Array): Uint8Array {
  if (!(SIZES as readonly number[]).includes(padded.length)) throw new ChannelError('tampered');
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end -= 1;
  if (end < 0 || padded[end] !== 0x80) throw new ChannelError('tampered');
  return padded.slice(0, end);
}

/** The longest plaintext (in UTF-8 bytes) that can be sent. */
export const MAX_PLAINTEXT_BYTES = SIZES[3] - 1;

// --- base64url without padding ---------------------------------------------------------------

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64_INDEX = new Map([...B64].map((c, i) => [c, i]));

export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] ?? 0;
    const b = bytes[i + 1] ?? 0;
    const c = bytes[i + 2] ?? 0;
    const n = (a << 16) | (b << 8) | c;
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let k = 0; k < chars; k += 1) out += B64[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

/** Decodes base64url without padding; `null` for anything else (other letters, `=`, a bad length). */
export function fromBase64Url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let at = 0;
  for (const ch of text) {
    const v = B64_INDEX.get(ch);
    if (v === undefined) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, so each byte string has exactly one spelling.
  if ((acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

// --- keys ------------------------------------------------------------------------------------

/** The browser's key pair: the private half cannot be exported, by this page or anyone. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey({ name: 'X25519' }, false, ['deriveBits'])) as CryptoKeyPair;
}

/** A public key as the server and the other side see it: raw 32 bytes, base64url. */
export async function exportPublicKey(key: CryptoKey): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.exportKey('raw', key)));
}

function publicKeyBytes(text: string): Uint8Array {
  const raw = fromBase64Url(text);
  if (!raw || raw.length !== 32) throw new ChannelError('bad_key');
  return raw;
}

/** Whether `text` reads as a public key (32 bytes, base64url). */
export function isPublicKey(text: string): boolean {
  const raw = fromBase64Url(text);
  return raw !== null && raw.length === 32;
}

// --- sealing ---------------------------------------------------------------------------------

/** Seals `plaintext` to the public key `to` (base64url) for its place `binding`. */
export async function seal(to: string, binding: Binding, plaintext: Uint8Array): Promise<SealedText> {
  const padded = pad(plaintext);
  let recipientPublicKey: CryptoKey;
  try {
    recipientPublicKey = await suite().kem.deserializePublicKey(publicKeyBytes(to));
  } catch {
    throw new ChannelError('bad_key');
  }
  const { enc, ct } = await suite().seal({ recipientPublicKey, info: INFO }, padded, aad(binding));
  return { enc: toBase64Url(new Uint8Array(enc)), ciphertext: toBase64Url(new Uint8Array(ct)) };
}

/** Opens a message sealed to `keys` for `binding`; anything changed, or of another place, is `tampered`. */
export async function open(keys: CryptoKeyPair, binding: Binding, sealed: SealedText): Promise<Uint8Array> {
  const enc = fromBase64Url(sealed.enc);
  const ct = fromBase64Url(sealed.ciphertext);
  if (!enc || enc.length !== 32 || !ct || !SIZES.some((s) => s + TAG_BYTES === ct.length)) {
    throw new ChannelError('tampered');
  }
  let padded: ArrayBuffer;
  try {
    padded = await suite().open({ recipientKey: keys, enc, info: INFO }, ct, aad(binding));
  } catch {
    throw new ChannelError('tampered');
  }
  return unpad(new Uint8Array(padded));
}

/** Seals a value as UTF-8 JSON. */
export async function sealJson(to: string, binding: Binding, value: unknown): Promise<SealedText> {
  return seal(to, binding, encoder.encode(JSON.stringify(value)));
}

/** Opens a message and reads its UTF-8 JSON; text that is not JSON is `tampered` too. */
export async function openJson(keys: CryptoKeyPair, binding: Binding, sealed: SealedText): Promise<unknown> {
  const bytes = await open(keys, binding, sealed);
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch {
    throw new ChannelError('tampered');
  }
}

/** UTF-8 length, for the size limit. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

// --- safety code -----------------------------------------------------------------------------

/**
 * The code both screens show at pairing: SHA-256 over a label and both public keys (manager's
 * first), the first 8 bytes as a number mod 10^16, in four groups of four digits.
 */
export async function safetyCode(managerKey: string, memberKey: string): Promise<string> {
  const manager = publicKeyBytes(managerKey);
  const member = publicKeyBytes(memberKey);
  const input = new Uint8Array(SAFETY_LABEL.length + 64);
  input.set(SAFETY_LABEL, 0);
  input.set(manager, SAFETY_LABEL.length);
  input.set(member, SAFETY_LABEL.length + 32);
  const digest = new DataView(await crypto.subtle.digest('SHA-256', input));
  return safetyDigits(digest.getBigUint64(0, false));
}

/** A u64 mod 10^16, zero-padded to 16 digits, in four groups of four. */
export function safetyDigits(first8: bigint): string {
  const digits = (first8 % 10n ** 16n).toString().padStart(16, '0');
  return (digits.match(/\d{4}/g) ?? []).join(' ');
}

/** 32 random bytes, base64url: a rating's token. */
export function randomToken(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}
