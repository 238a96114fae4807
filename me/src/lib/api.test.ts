import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, failureOf, pair, rate, send, useFetch } from './api';

const answer = (status: number, body: unknown) =>
  new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

afterEach(() => useFetch((input, init) => fetch(input, init)));

describe('the member API client', () => {
  it('reads an error by its code, never its text', () => {
    expect(failureOf(400, { error: { code: 'invalid_code', message: 'x' } })).toBe('invalid_code');
    expect(failureOf(409, { error: { code: 'conflict', message: 'x' } })).toBe('conflict');
    expect(failureOf(418, { error: { code: 'teapot', message: 'x' } })).toBe('unknown');
    expect(failureOf(409, null)).toBe('conflict');
    expect(failureOf(401, '<html>')).toBe('unauthorized');
    expect(failureOf(502, null)).toBe('unavailable');
    expect(failureOf(500, null)).toBe('internal');
  });

  it('sends JSON to /me/api with the bearer token, and reads the answer', async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    useFetch(async (url, init) => {
      seen.push({ url, init });
      return answer(201, { next_seq: 4 });
    });
    expect(await send('tok', { seq: 3, enc: 'e', ciphertext: 'c' })).toEqual({ next_seq: 4 });
    expect(seen[0]?.url).toBe('/me/api/messages');
    expect(seen[0]?.init.method).toBe('POST');
    expect((seen[0]?.init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(JSON.parse(String(seen[0]?.init.body))).toEqual({ seq: 3, enc: 'e', ciphertext: 'c' });
  });

  it('tells a first rating from a changed one', async () => {
    useFetch(async () => answer(201, { changeable_until: '2026-05-22' }));
    const req = { month: '2026-05', clarity: 4, talked: 'yes' as const, token: 't' };
    expect((await rate('tok', req)).first).toBe(true);
    useFetch(async () => answer(200, { changeable_until: '2026-05-22' }));
    expect((await rate('tok', req)).first).toBe(false);
  });

  it('names a fetch that cannot reach the server offline, and an error answer by its code', async () => {
    useFetch(async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(pair({ code: 'C', member_key: 'k' })).rejects.toMatchObject({ code: 'offline' });
    useFetch(async () => answer(429, { error: { code: 'rate_limited', message: 'slow down' } }));
    const e = await pair({ code: 'C', member_key: 'k' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 'rate_limited', status: 429 });
  });
});
