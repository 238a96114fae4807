// What the member's page knows, and how each message from the manager changes it: plain values
// and plain functions, so every rule here is tested without a browser, a server or a key.
import {
  MAX_REQUEST_NOTE_CHARS,
  MAX_TOPIC_CHARS,
  TOPIC_KINDS,
  WANTS,
  type MemberState,
  type MemberSummary,
  type RelayedMessage,
  type SummaryItem,
  type SummaryTopic,
  type ToMember,
  type TopicKind,
  type Wants,
} from './wire';

/** A topic this browser sent: `sent` can still be edited or withdrawn; `taken` is the manager's now. */
export type TopicStatus = 'sent' | 'taken';

export interface MyTopic {
  id: string;
  text: string;
  kind: TopicKind;
  wants: Wants;
  status: TopicStatus;
  /** The day it was last sent (`YYYY-MM-DD`). */
  sentOn: string;
}

/**
 * Messages refused, by why: `replay` and `changed` add up over time; `gap` is how many are being
 * held back now because an earlier one has not arrived (it goes back to 0 once it does).
 */
export interface Refused {
  replay: number;
  gap: number;
  changed: number;
}

export interface Model {
  topics: MyTopic[];
  summary: MemberSummary | null;
  /** The number the next message from the manager must carry. */
  next: number;
  refused: Refused;
  /** The day "I'd like to talk soon" was last sent. */
  askedOn: string | null;
}

export function emptyModel(): Model {
  return { topics: [], summary: null, next: 0, refused: { replay: 0, gap: 0, changed: 0 }, askedOn: null };
}

// --- reading a message from the manager -------------------------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isDay = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
const isItemId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function summaryTopic(v: unknown): SummaryTopic | null {
  return isObject(v) && typeof v.text === 'string' && typeof v.done === 'boolean' ? { text: v.text, done: v.done } : null;
}

function summaryItem(v: unknown): SummaryItem | null {
  if (!isObject(v) || !isItemId(v.item) || typeof v.text !== 'string' || typeof v.done !== 'boolean') return null;
  if (v.owner !== 'manager' && v.owner !== 'member') return null;
  if (v.due !== null && !isDay(v.due)) return null;
  return { item: v.item, text: v.text, owner: v.owner, due: v.due, done: v.done };
}

function all<T>(list: unknown, read: (v: unknown) => T | null): T[] | null {
  if (!Array.isArray(list)) return null;
  const out: T[] = [];
  for (const v of list) {
    const r = read(v);
    if (r === null) return null;
    out.push(r);
  }
  return out;
}

/** A `ToMember` as the manager's app writes it, or `null` for anything else. */
export function parseToMember(v: unknown): ToMember | null {
  if (!isObject(v)) return null;
  switch (v.type) {
    case 'topic_taken':
      return typeof v.id === 'string' ? { type: 'topic_taken', id: v.id } : null;
    case 'item_state':
      return isItemId(v.item) && typeof v.done === 'boolean' ? { type: 'item_state', item: v.item, done: v.done } : null;
    case 'summary': {
      const s = v.summary;
      if (!isObject(s) || !isDay(s.held_on)) return null;
      const agenda = all(s.agenda, summaryTopic);
      const items = all(s.items, summaryItem);
      return agenda && items ? { type: 'summary', summary: { held_on: s.held_on, agenda, items } } : null;
    }
    default:
      return null;
  }
}

/** The model after one message from the manager. */
export function applyToMember(model: Model, message: ToMember): Model {
  switch (message.type) {
    case 'topic_taken':
      return {
        ...model,
        topics: model.topics.map((t) => (t.id === message.id ? { ...t, status: 'taken' } : t)),
      };
    case 'summary':
      // The topics the manager took were that 1on1's: the summary speaks for them now.
      return {
        ...model,
        summary: message.summary,
        topics: model.topics.filter((t) => t.status !== 'taken'),
      };
    case 'item_state':
      return setItemDone(model, message.item, message.done);
  }
}

/** The model with one of the summary's items ticked or unticked. */
export function setItemDone(model: Model, item: number, done: boolean): Model {
  if (!model.summary) return model;
  return {
    ...model,
    summary: {
      ...model.summary,
      items: model.summary.items.map((i) => (i.item === item ? { ...i, done } : i)),
    },
  };
}

// --- the inbox: messages only in order --------------------------------------------------------

export type InboxStep = 'take' | 'replay' | 'gap';

export function check(next: number, seq: number): InboxStep {
  return seq < next ? 'replay' : seq > next ? 'gap' : 'take';
}

/** What opening one message gave: its content, or `null` when it did not open (changed, or not for this pair). */
export type Opener = (message: RelayedMessage) => Promise<unknown>;

export interface Received {
  model: Model;
  /** The number to acknowledge through (every message up to it was kept), or `null` for none. */
  ackThrough: number | null;
  /** Messages taken and applied. */
  taken: number;
}

/**
 * Takes what arrived, in order: a replay is refused and counted; a gap stops here (counted,
 * waiting for the missing one); one that does not open, or does not read as a message, is refused
 * and counted, and passed over so it does not block the ones after it.
 */
export async function receive(model: Model, messages: readonly RelayedMessage[], openMessage: Opener): Promise<Received> {
  let current: Model = { ...model, refused: { ...model.refused, gap: 0 } };
  let taken = 0;
  let passed = false;
  const sorted = [...messages].sort((a, b) => a.seq - b.seq);
  for (const [i, message] of sorted.entries()) {
    const step = check(current.next, message.seq);
    if (step === 'replay') {
      current = { ...current, refused: { ...current.refused, replay: current.refused.replay + 1 } };
      passed = true;
      continue;
    }
    if (step === 'gap') {
      current = { ...current, refused: { ...current.refused, gap: sorted.length - i } };
      break;
    }
    let content: ToMember | null = null;
    try {
      content = parseToMember(await openMessage(message));
    } catch {
      content = null;
    }
    current = content
      ? { ...applyToMember(current, content), next: current.next + 1 }
      : { ...current, next: current.next + 1, refused: { ...current.refused, changed: current.refused.changed + 1 } };
    if (content) taken += 1;
    passed = true;
  }
  return { model: current, ackThrough: passed && current.next > 0 ? current.next - 1 : null, taken };
}

export function refusedCount(refused: Refused): number {
  return refused.replay + refused.gap + refused.changed;
}

// --- the member's own topics ------------------------------------------------------------------

/** Characters as a person counts them (a surrogate pair is one), as the server counts them. */
export function charCount(text: string): number {
  return [...text].length;
}

export type TextProblem = 'empty' | 'too_long';

export function topicProblem(text: string): TextProblem | null {
  if (text.trim() === '') return 'empty';
  return charCount(text.trim()) > MAX_TOPIC_CHARS ? 'too_long' : null;
}

export function noteProblem(note: string): TextProblem | null {
  return charCount(note.trim()) > MAX_REQUEST_NOTE_CHARS ? 'too_long' : null;
}

export function isTopicKind(v: string): v is TopicKind {
  return (TOPIC_KINDS as readonly string[]).includes(v);
}

export function isWants(v: string): v is Wants {
  return (WANTS as readonly string[]).includes(v);
}

/** The model after a topic was sent (new, or an edit of one not yet taken). */
export function topicSent(model: Model, topic: Omit<MyTopic, 'status'>): Model {
  const existing = model.topics.find((t) => t.id === topic.id);
  if (existing?.status === 'taken') return model;
  const sent: MyTopic = { ...topic, status: 'sent' };
  return {
    ...model,
    topics: existing ? model.topics.map((t) => (t.id === topic.id ? sent : t)) : [...model.topics, sent],
  };
}

export function topicWithdrawn(model: Model, id: string): Model {
  return { ...model, topics: model.topics.filter((t) => t.id !== id || t.status === 'taken') };
}

export function canChange(topic: MyTopic): boolean {
  return topic.status === 'sent';
}

// --- the summary ------------------------------------------------------------------------------

export interface SummaryView {
  done: SummaryTopic[];
  carried: SummaryTopic[];
  mine: SummaryItem[];
  managers: SummaryItem[];
}

export function summaryView(summary: MemberSummary): SummaryView {
  return {
    done: summary.agenda.filter((t) => t.done),
    carried: summary.agenda.filter((t) => !t.done),
    mine: summary.items.filter((i) => i.owner === 'member'),
    managers: summary.items.filter((i) => i.owner === 'manager'),
  };
}

// --- ratings ----------------------------------------------------------------------------------

/** What this browser keeps of a month's rating: the token only it holds, and what it answered. */
export interface LocalRating {
  month: string;
  token: string;
  changeableUntil: string | null;
  clarity: number | null;
  talked: 'yes' | 'partly' | 'no' | null;
}

/**
 * How a rateable month reads: `open` (not rated), `changeable` (rated here, until a day),
 * `rated` (rated, and not changeable from here: another browser, or the week has passed).
 */
export type RatingStatus = 'open' | 'changeable' | 'rated';

export function ratingStatus(month: string, state: MemberState, local: LocalRating | undefined, today: string): RatingStatus {
  // Sent from here without an answer back (offline, a closed tab): the same token again finishes it.
  if (local && local.changeableUntil === null) return 'open';
  const rated = state.rated.includes(month) || (local?.changeableUntil ?? null) !== null;
  if (!rated) return 'open';
  if (local?.changeableUntil && today <= local.changeableUntil) return 'changeable';
  return 'rated';
}

// --- dates ------------------------------------------------------------------------------------

/** Today on this device, `YYYY-MM-DD`. */
export function today(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/** The pairing code from the page's address (`#code=…`, what the manager's QR code holds). */
export function codeFromFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const code = params.get('code')?.trim();
  return code ? code : null;
}
