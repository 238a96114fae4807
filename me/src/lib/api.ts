// The member API of the server this page came from (same origin, under /me/api). Every failure
// becomes an `ApiError` whose `code` the page names in its own words; the server's message text is
// never shown, and a fetch that cannot reach the server is `offline`.
import {
  MEMBER_API,
  type Acked,
  type Acks,
  type ApiCode,
  type Inbox,
  type MemberPaired,
  type MemberPairRequest,
  type MemberState,
  type Rated,
  type RatingRequest,
  type SealedMessage,
  type Sent,
} from './wire';

/**
 * Every code the page names. `conflict` is in the protocol's `ApiCode` (409: a message number
 * other than the next, a month rated from another browser); listed here too until the generated
 * file has it, which leaves this type unchanged.
 */
export type ErrorCode = ApiCode | 'conflict';
export type Failure = ErrorCode | 'offline';

const KNOWN: readonly ErrorCode[] = [
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'invalid_json',
  'invalid_body',
  'invalid_input',
  'invalid_records',
  'invalid_code',
  'too_large',
  'timeout',
  'rate_limited',
  'unavailable',
  'internal',
  'conflict',
  'unknown',
] satisfies readonly ErrorCode[];

export class ApiError extends Error {
  constructor(
    readonly code: Failure,
    readonly status: number,
  ) {
    super(`member api: ${code} (${status})`);
    this.name = 'ApiError';
  }
}

/** The code of an error answer: its body's, else one from its status, never its text. */
export function failureOf(status: number, body: unknown): ErrorCode {
  const code =
    typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'object' && body.error !== null
      ? (body.error as { code?: unknown }).code
      : undefined;
  if (typeof code === 'string' && (KNOWN as readonly string[]).includes(code)) return code as ErrorCode;
  if (typeof code === 'string') return 'unknown';
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'too_large';
    case 429:
      return 'rate_limited';
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : 'unknown';
  }
}

export interface Answer<T> {
  status: number;
  body: T;
}

/** The one place the page calls `fetch`; a test swaps it. */
export type Fetch = (input: string, init: RequestInit) => Promise<Response>;
let fetchImpl: Fetch = (input, init) => fetch(input, init);
export function useFetch(f: Fetch): void {
  fetchImpl = f;
}

async function call<T>(method: 'GET' | 'POST', path: string, token: string | null, body?: unknown): Promise<Answer<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetchImpl(`${MEMBER_API}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiError('offline', 0);
  }
  let parsed: unknown = null;
  try {
    parsed = await response.json();
  } catch {
    parsed = null;
  }
  if (!response.ok) throw new ApiError(failureOf(response.status, parsed), response.status);
  if (parsed === null || typeof parsed !== 'object') throw new ApiError('unknown', response.status);
  return { status: response.status, body: parsed as T };
}

export async function pair(request: MemberPairRequest): Promise<MemberPaired> {
  return (await call<MemberPaired>('POST', '/pair', null, request)).body;
}

export async function state(token: string): Promise<MemberState> {
  return (await call<MemberState>('GET', '/state', token)).body;
}

export async function send(token: string, message: SealedMessage): Promise<Sent> {
  return (await call<Sent>('POST', '/messages', token, message)).body;
}

export async function inbox(token: string): Promise<Inbox> {
  return (await call<Inbox>('GET', '/messages', token)).body;
}

export async function ack(token: string, acks: Acks): Promise<Acked> {
  return (await call<Acked>('POST', '/acks', token, acks)).body;
}

/** `first` is true for a new rating (201), false for a changed one (200). */
export async function rate(token: string, rating: RatingRequest): Promise<{ rated: Rated; first: boolean }> {
  const answer = await call<Rated>('POST', '/ratings', token, rating);
  return { rated: answer.body, first: answer.status === 201 };
}
