import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ToManager, ToMember } from './wire';
import {
  aad,
  ChannelError,
  exportPublicKey,
  fromBase64Url,
  generateKeyPair,
  INFO,
  open,
  openJson,
  pad,
  safetyCode,
  safetyDigits,
  seal,
  sealJson,
  SIZES,
  suite,
  TAG_BYTES,
  toBase64Url,
  unpad,
  type Binding,
} from './crypto';

const hex = (s: string): Uint8Array => new Uint8Array((s.match(/../g) ?? []).map((b) => parseInt(b, 16)));
const toHex = (b: ArrayBuffer | Uint8Array): string =>
  [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');

/** A key pair whose private half can be read: tests only (the page's is never extractable). */
async function extractablePair(): Promise<{ keys: CryptoKeyPair; secret: string; public: string }> {
  const keys = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', keys.privateKey);
  return { keys, secret: jwk.d ?? '', public: await exportPublicKey(keys.publicKey) };
}

/** A key pair from a raw secret key (RFC 7748 scalar) and its public key, both base64url: tests only. */
async function importPair(secret: string, pub: string): Promise<CryptoKeyPair> {
  const prefix = hex('302e020100300506032b656e04220420');
  const raw = fromBase64Url(secret);
  if (!raw) throw new Error('bad secret');
  const pkcs8 = new Uint8Array(prefix.length + raw.length);
  pkcs8.set(prefix);
  pkcs8.set(raw, prefix.length);
  const publicRaw = fromBase64Url(pub);
  if (!publicRaw) throw new Error('bad public key');
  const privateKey = await crypto.subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits']);
  const publicKey = await crypto.subtle.importKey('raw', new Uint8Array(publicRaw), { name: 'X25519' }, true, []);
  return { privateKey, publicKey };
}

const place = (over: Partial<Binding> = {}): Binding => ({
  manager: 'E02',
  member: 'E04',
  direction: 'to_manager',
  seq: 3,
  ...over,
});

describe('RFC 9180 Appendix A.1.1 through @hpke/core', () => {
  const ikmR = hex('6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037');
  const ikmE = hex('7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234');
  const enc = '37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431';
  const info = hex('4f6465206f6e2061204772656369616e2055726e');
  const aad0 = hex('436f756e742d30');
  const pt = '4265617574792069732074727574682c20747275746820626561757479';
  const ct0 = 'f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a';

  it('derives the recipient key pair', async () => {
    const pair = await suite().kem.deriveKeyPair(ikmR);
    expect(toHex(await suite().kem.serializePublicKey(pair.publicKey))).toBe(
      '3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d',
    );
    expect(toHex(await suite().kem.serializePrivateKey(pair.privateKey))).toBe(
      '4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8',
    );
  });

  it('opens the sequence-0 ciphertext', async () => {
    const recipientKey = await suite().kem.deriveKeyPair(ikmR);
    const opened = await suite().open({ recipientKey, enc: hex(enc), info }, hex(ct0), aad0);
    expect(toHex(opened)).toBe(pt);
  });

  it('seals to the same encapsulation and ciphertext with the RFC ephemeral key', async () => {
    const recipient = await suite().kem.deriveKeyPair(ikmR);
    const sealed = await suite().seal({ recipientPublicKey: recipient.publicKey, info, ekm: ikmE }, hex(pt), aad0);
    expect(toHex(sealed.enc)).toBe(enc);
    expect(toHex(sealed.ct)).toBe(ct0);
  });
});

describe('the binding, the padding and base64url', () => {
  it('writes the associated data as crates/channel does', () => {
    const bytes = aad({ manager: 'E02', member: '社員4', direction: 'to_member', seq: 258 });
    expect(toHex(bytes)).toBe(
      toHex(new TextEncoder().encode('taiwa/v1')) +
        '00000003' + toHex(new TextEncoder().encode('E02')) +
        '00000007' + toHex(new TextEncoder().encode('社員4')) +
        '01' + '0000000000000102',
    );
    expect(aad(place({ direction: 'to_manager' })).at(-9)).toBe(2);
    expect(() => aad(place({ seq: -1 }))).toThrow(RangeError);
  });

  it('pads to the smallest size strictly greater than the plaintext, and refuses longer', () => {
    for (const [len, size] of [
      [0, 256],
      [255, 256],
      [256, 1024],
      [1000, 1024],
      [4095, 4096],
      [16383, 16384],
    ] as const) {
      const padded = pad(new Uint8Array(len).fill(0x61));
      expect(padded.length, `${len} bytes`).toBe(size);
      expect(padded[len]).toBe(0x80);
      expect(unpad(padded).length).toBe(len);
    }
    expect(() => pad(new Uint8Array(16384))).toThrow(ChannelError);
  });

  it('unpads only what pad writes', () => {
    expect(() => unpad(new Uint8Array(255))).toThrow(ChannelError);
    expect(() => unpad(new Uint8Array(256))).toThrow(ChannelError);
    const wrongMark = pad(new Uint8Array([1, 2, 3]));
    wrongMark[3] = 0x81;
    expect(() => unpad(wrongMark)).toThrow(ChannelError);
    // A plaintext that itself ends in zeros keeps them.
    expect([...unpad(pad(new Uint8Array([0x80, 0, 0])))]).toEqual([0x80, 0, 0]);
  });

  it('round-trips base64url without padding and refuses other spellings', () => {
    for (let n = 0; n < 40; n += 1) {
      const bytes = crypto.getRandomValues(new Uint8Array(n));
      const text = toBase64Url(bytes);
      expect(text).not.toMatch(/[=+/]/);
      expect([...(fromBase64Url(text) ?? [])]).toEqual([...bytes]);
    }
    expect(toBase64Url(new Uint8Array(32)).length).toBe(43);
    expect(fromBase64Url('AA==')).toBeNull();
    expect(fromBase64Url('A+/A')).toBeNull();
    expect(fromBase64Url('A')).toBeNull();
    expect(fromBase64Url('AB')).toBeNull(); // leftover bits set
  });
});

describe('sealing and opening on the page', () => {
  it('opens a message only in its own place, unchanged, with its own key', async () => {
    const me = await generateKeyPair();
    const mine = await exportPublicKey(me.publicKey);
    expect(mine).toHaveLength(43);
    const topic = new TextEncoder().encode('評価面談の前に、来期の目標について相談したいです。');
    const sealed = await seal(mine, place(), topic);
    expect(fromBase64Url(sealed.ciphertext)?.length).toBe(256 + TAG_BYTES);
    expect(new TextDecoder().decode(await open(me, place(), sealed))).toBe(
      '評価面談の前に、来期の目標について相談したいです。',
    );

    const elsewhere = [
      place({ member: 'E05' }),
      place({ manager: 'E03' }),
      place({ direction: 'to_member' }),
      place({ seq: 4 }),
      place({ seq: 2 }),
    ];
    for (const other of elsewhere) {
      await expect(open(me, other, sealed), JSON.stringify(other)).rejects.toThrow(ChannelError);
    }
    const bytes = fromBase64Url(sealed.ciphertext) ?? new Uint8Array();
    bytes[10] = (bytes[10] ?? 0) ^ 1;
    await expect(open(me, place(), { ...sealed, ciphertext: toBase64Url(bytes) })).rejects.toThrow(ChannelError);
    const encBytes = fromBase64Url(sealed.enc) ?? new Uint8Array();
    encBytes[0] = (encBytes[0] ?? 0) ^ 1;
    await expect(open(me, place(), { ...sealed, enc: toBase64Url(encBytes) })).rejects.toThrow(ChannelError);
    await expect(open(me, place(), { ...sealed, ciphertext: sealed.ciphertext.slice(0, 100) })).rejects.toThrow(
      ChannelError,
    );
    const other = await generateKeyPair();
    await expect(open(other, place(), sealed), 'another key').rejects.toThrow(ChannelError);
  });

  it('keeps the private key unexportable', async () => {
    const me = await generateKeyPair();
    expect(me.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', me.privateKey)).rejects.toThrow();
  });

  it('refuses a key that is not 32 bytes of base64url', async () => {
    await expect(seal('short', place(), new Uint8Array(1))).rejects.toMatchObject({ kind: 'bad_key' });
  });
});

describe('the safety code', () => {
  it('is 16 digits in four groups, fixed in order, and changes with either key', async () => {
    const a = await exportPublicKey((await generateKeyPair()).publicKey);
    const b = await exportPublicKey((await generateKeyPair()).publicKey);
    const c = await exportPublicKey((await generateKeyPair()).publicKey);
    const code = await safetyCode(a, b);
    expect(code).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
    expect(await safetyCode(a, b)).toBe(code);
    expect(await safetyCode(b, a)).not.toBe(code);
    expect(await safetyCode(c, b)).not.toBe(code);
    expect(await safetyCode(a, c)).not.toBe(code);
  });

  it('keeps leading zeros and takes the number mod 10^16', () => {
    expect(safetyDigits(5n)).toBe('0000 0000 0000 0005');
    expect(safetyDigits(2n ** 64n - 1n)).toBe('6744 0737 0955 1615'); // 18446744073709551615
    expect(safetyDigits(10n ** 16n + 42n)).toBe('0000 0000 0000 0042');
  });
});

// Interoperability with crates/channel, through committed files both sides read.
const interop = new URL('../../../crates/channel/tests/interop/', import.meta.url);
const update = process.env.TAIWA_UPDATE_INTEROP === '1';

interface FromRust {
  recipient_secret_key: string;
  recipient_public_key: string;
  manager: string;
  member: string;
  direction: string;
  seq: number;
  plaintext: string;
  enc: string;
  ciphertext: string;
  safety_manager_key: string;
  safety_member_key: string;
  safety_code: string;
}

describe('interoperability with crates/channel', () => {
  const rustFile = new URL('from_rust.json', interop);

  it.skipIf(!existsSync(rustFile))('opens what Rust sealed, and computes its safety code', async () => {
    const f = JSON.parse(readFileSync(rustFile, 'utf8')) as FromRust;
    const keys = await importPair(f.recipient_secret_key, f.recipient_public_key);
    const binding: Binding = { manager: f.manager, member: f.member, direction: 'to_member', seq: f.seq };
    expect(f.direction).toBe('to_member');
    const sealed = { enc: f.enc, ciphertext: f.ciphertext };
    const message = (await openJson(keys, binding, sealed)) as ToMember;
    expect(JSON.stringify(message)).toBe(f.plaintext);
    expect(message.type).toBe('summary');
    expect(await safetyCode(f.safety_manager_key, f.safety_member_key)).toBe(f.safety_code);
    for (const other of [
      { ...binding, seq: f.seq + 1 },
      { ...binding, direction: 'to_manager' as const },
      { ...binding, member: 'E-043' },
    ]) {
      await expect(open(keys, other, sealed)).rejects.toThrow(ChannelError);
    }
  });

  it('has a file from Rust to open', () => {
    expect(existsSync(rustFile), 'run TAIWA_UPDATE_INTEROP=1 cargo test -p taiwa-channel --test interop').toBe(true);
  });

  it.skipIf(!update)('writes from_browser.json for Rust to open', async () => {
    const manager = await extractablePair();
    const member = await extractablePair();
    const topic: ToManager = {
      type: 'topic',
      id: '6f1c2b9e-3d4a-4c1e-9b7a-2f5e8d0c1a3b',
      text: '来期はチームをまとめる役割に挑戦したいので、どんな準備が必要か相談したいです。',
      kind: 'career',
      wants: 'advise',
    };
    const binding: Binding = { manager: 'M-001', member: 'E-042', direction: 'to_manager', seq: 3 };
    const sealed = await sealJson(manager.public, binding, topic);
    const file = {
      about: 'Sealed by me/src/lib/crypto.ts (the member page) for crates/channel to open. Test keys only.',
      recipient_secret_key: manager.secret,
      recipient_public_key: manager.public,
      manager: binding.manager,
      member: binding.member,
      direction: binding.direction,
      seq: binding.seq,
      plaintext: JSON.stringify(topic),
      enc: sealed.enc,
      ciphertext: sealed.ciphertext,
      safety_manager_key: manager.public,
      safety_member_key: member.public,
      safety_code: await safetyCode(manager.public, member.public),
    };
    // Opens back here before it is written.
    expect(JSON.stringify(await openJson(manager.keys, binding, sealed))).toBe(file.plaintext);
    writeFileSync(new URL('from_browser.json', interop), JSON.stringify(file, null, 2) + '\n');
  });

  it('keeps INFO as the Rust side has it', () => {
    expect(new TextDecoder().decode(INFO)).toBe('taiwa member channel v1');
    expect(SIZES).toEqual([256, 1024, 4096, 16384]);
  });
});
