import { describe, expect, it } from 'vitest';
import type { MemberState, MemberSummary, RelayedMessage, ToMember } from './wire';
import {
  applyToMember,
  canChange,
  charCount,
  check,
  codeFromFragment,
  emptyModel,
  noteProblem,
  parseToMember,
  ratingStatus,
  receive,
  refusedCount,
  setItemDone,
  summaryView,
  today,
  topicProblem,
  topicSent,
  topicWithdrawn,
  type Model,
} from './state';

const summary: MemberSummary = {
  held_on: '2026-05-14',
  agenda: [
    { text: '来期の目標', done: true },
    { text: '役割分担', done: false },
  ],
  items: [
    { item: 17, text: '申込み期限を確認する', owner: 'member', due: '2026-05-31', done: false },
    { item: 18, text: '資料を共有する', owner: 'manager', due: null, done: false },
  ],
};

const relayed = (seq: number, body: ToMember | 'garbled'): RelayedMessage => ({
  member_employee_id: 'E-042',
  seq,
  enc: 'e',
  ciphertext: JSON.stringify(body),
  arrived: '2026-05-15',
});

/** Opens the test's messages: their "ciphertext" is the JSON itself; "garbled" does not open. */
const opener = async (m: RelayedMessage): Promise<unknown> => {
  const body = JSON.parse(m.ciphertext) as unknown;
  if (body === 'garbled') throw new Error('does not open');
  return body;
};

const withTopic = (status: 'sent' | 'taken', id = 't1'): Model =>
  ({
    ...emptyModel(),
    topics: [{ id, text: '相談', kind: 'career', wants: 'think', status, sentOn: '2026-05-01' }],
  }) satisfies Model;

describe('reading messages from the manager', () => {
  it('reads the three kinds and nothing else', () => {
    expect(parseToMember({ type: 'topic_taken', id: 't1' })).toEqual({ type: 'topic_taken', id: 't1' });
    expect(parseToMember({ type: 'item_state', item: 3, done: true })).toEqual({ type: 'item_state', item: 3, done: true });
    expect(parseToMember({ type: 'summary', summary })).toEqual({ type: 'summary', summary });
    for (const bad of [
      null,
      [],
      'topic_taken',
      { type: 'topic_taken' },
      { type: 'item_state', item: 1.5, done: true },
      { type: 'summary', summary: { ...summary, held_on: '14 May' } },
      { type: 'summary', summary: { ...summary, items: [{ ...summary.items[0], owner: 'hr' }] } },
      { type: 'summary', summary: { ...summary, agenda: 'x' } },
      { type: 'private_note', text: 'never' },
    ]) {
      expect(parseToMember(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});

describe('applying messages', () => {
  it('marks a topic taken, after which it cannot be changed', () => {
    const model = applyToMember(withTopic('sent'), { type: 'topic_taken', id: 't1' });
    expect(model.topics[0]?.status).toBe('taken');
    expect(canChange(model.topics[0]!)).toBe(false);
    expect(canChange(withTopic('sent').topics[0]!)).toBe(true);
    expect(applyToMember(withTopic('sent'), { type: 'topic_taken', id: 'other' })).toEqual(withTopic('sent'));
  });

  it('keeps the latest summary and lets taken topics go with it', () => {
    const model: Model = { ...withTopic('taken'), topics: [...withTopic('taken').topics, ...withTopic('sent', 't2').topics] };
    const after = applyToMember(model, { type: 'summary', summary });
    expect(after.summary).toEqual(summary);
    expect(after.topics.map((t) => t.id)).toEqual(['t2']);
  });

  it('sets an item done or not, from the manager or the member', () => {
    let model = applyToMember(emptyModel(), { type: 'summary', summary });
    model = applyToMember(model, { type: 'item_state', item: 17, done: true });
    expect(model.summary?.items.find((i) => i.item === 17)?.done).toBe(true);
    model = setItemDone(model, 17, false);
    expect(model.summary?.items.find((i) => i.item === 17)?.done).toBe(false);
    expect(setItemDone(emptyModel(), 17, true)).toEqual(emptyModel());
  });

  it('splits a summary into agenda done and carried, and items by owner', () => {
    const view = summaryView(summary);
    expect(view.done.map((t) => t.text)).toEqual(['来期の目標']);
    expect(view.carried.map((t) => t.text)).toEqual(['役割分担']);
    expect(view.mine.map((i) => i.item)).toEqual([17]);
    expect(view.managers.map((i) => i.item)).toEqual([18]);
  });
});

describe('the inbox takes messages only in order', () => {
  it('checks a number against the next one', () => {
    expect(check(2, 1)).toBe('replay');
    expect(check(2, 2)).toBe('take');
    expect(check(2, 3)).toBe('gap');
  });

  it('takes messages in order, whatever order they come in', async () => {
    const start = withTopic('sent');
    const got = await receive(start, [relayed(1, { type: 'summary', summary }), relayed(0, { type: 'topic_taken', id: 't1' })], opener);
    expect(got.model.next).toBe(2);
    expect(got.taken).toBe(2);
    expect(got.ackThrough).toBe(1);
    expect(got.model.summary).toEqual(summary);
    expect(got.model.topics).toEqual([]);
    expect(refusedCount(got.model.refused)).toBe(0);
  });

  it('refuses and counts a replay, and still acknowledges it', async () => {
    const start: Model = { ...emptyModel(), next: 5 };
    const got = await receive(start, [relayed(3, { type: 'topic_taken', id: 'x' })], opener);
    expect(got.model.refused.replay).toBe(1);
    expect(got.model.next).toBe(5);
    expect(got.ackThrough).toBe(4);
    expect(got.taken).toBe(0);
  });

  it('stops at a gap and waits, counting what it holds back, without acknowledging', async () => {
    const start: Model = { ...emptyModel(), next: 2 };
    const got = await receive(start, [relayed(4, { type: 'topic_taken', id: 'x' }), relayed(5, { type: 'topic_taken', id: 'y' })], opener);
    expect(got.model.refused.gap).toBe(2);
    expect(got.model.next).toBe(2);
    expect(got.ackThrough).toBeNull();
    // Once the missing ones arrive, the gap clears.
    const later = await receive(got.model, [2, 3, 4, 5].map((n) => relayed(n, { type: 'topic_taken', id: 'x' })), opener);
    expect(later.model.refused.gap).toBe(0);
    expect(later.model.next).toBe(6);
    expect(later.ackThrough).toBe(5);
  });

  it('takes messages before a gap and stops there', async () => {
    const got = await receive(emptyModel(), [relayed(0, { type: 'topic_taken', id: 'x' }), relayed(2, { type: 'topic_taken', id: 'y' })], opener);
    expect(got.model.next).toBe(1);
    expect(got.model.refused.gap).toBe(1);
    expect(got.ackThrough).toBe(0);
  });

  it('refuses a changed message, counts it, and moves past it so it does not block', async () => {
    const got = await receive(emptyModel(), [relayed(0, 'garbled'), relayed(1, { type: 'summary', summary })], opener);
    expect(got.model.refused.changed).toBe(1);
    expect(got.model.next).toBe(2);
    expect(got.model.summary).toEqual(summary);
    expect(got.ackThrough).toBe(1);
  });

  it('refuses a message that opens but is not one the manager sends', async () => {
    const odd = { ...relayed(0, { type: 'topic_taken', id: 'x' }), ciphertext: JSON.stringify({ type: 'note', text: 'x' }) };
    const got = await receive(emptyModel(), [odd], opener);
    expect(got.model.refused.changed).toBe(1);
    expect(got.model.next).toBe(1);
  });

  it('does nothing with nothing', async () => {
    const got = await receive(emptyModel(), [], opener);
    expect(got).toEqual({ model: emptyModel(), ackThrough: null, taken: 0 });
  });
});

describe('the member’s topics', () => {
  const topic = { id: 't1', text: '相談', kind: 'career' as const, wants: 'think' as const, sentOn: '2026-05-01' };

  it('adds, edits and withdraws a topic until it is taken', () => {
    let model = topicSent(emptyModel(), topic);
    expect(model.topics).toHaveLength(1);
    model = topicSent(model, { ...topic, text: '相談（改）' });
    expect(model.topics).toEqual([{ ...topic, text: '相談（改）', status: 'sent' }]);
    expect(topicWithdrawn(model, 't1').topics).toEqual([]);
  });

  it('leaves a taken topic as the manager took it', () => {
    const taken = withTopic('taken');
    expect(topicSent(taken, { ...topic, text: '別の話' })).toEqual(taken);
    expect(topicWithdrawn(taken, 't1')).toEqual(taken);
  });

  it('counts characters as people do and checks the limits', () => {
    expect(charCount('𠮷野家')).toBe(3);
    expect(topicProblem('  ')).toBe('empty');
    expect(topicProblem('あ'.repeat(500))).toBeNull();
    expect(topicProblem('あ'.repeat(501))).toBe('too_long');
    expect(noteProblem('')).toBeNull();
    expect(noteProblem('あ'.repeat(201))).toBe('too_long');
  });
});

describe('ratings', () => {
  const state: MemberState = {
    manager: { employee_id: 'M-001', name: '佐藤' },
    member: { employee_id: 'E-042', name: '田中' },
    manager_key: 'k',
    member_key: 'k',
    since: '2026-04-01',
    next_seq: 0,
    rateable: ['2026-04', '2026-05'],
    rated: ['2026-04'],
    k: 5,
  };
  const local = { month: '2026-04', token: 't', changeableUntil: '2026-05-08', clarity: 4, talked: 'yes' as const };

  it('reads a month as open, changeable here, or rated', () => {
    expect(ratingStatus('2026-05', state, undefined, '2026-05-03')).toBe('open');
    expect(ratingStatus('2026-04', state, local, '2026-05-08')).toBe('changeable');
    expect(ratingStatus('2026-04', state, local, '2026-05-09')).toBe('rated');
    expect(ratingStatus('2026-04', state, undefined, '2026-05-03')).toBe('rated');
    // A token made but never answered: still open, and the retry uses the same token.
    expect(ratingStatus('2026-05', state, { ...local, month: '2026-05', changeableUntil: null }, '2026-05-03')).toBe('open');
    // Sent from here but the answer was lost: the server has it, this browser may send it again.
    expect(ratingStatus('2026-04', state, { ...local, changeableUntil: null }, '2026-05-03')).toBe('open');
  });
});

describe('small things', () => {
  it('reads the code from the address fragment', () => {
    expect(codeFromFragment('#code=ABCD-1234')).toBe('ABCD-1234');
    expect(codeFromFragment('#other=1')).toBeNull();
    expect(codeFromFragment('')).toBeNull();
  });

  it('writes today as a local day', () => {
    expect(today(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});
