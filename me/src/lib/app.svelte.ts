// The page's one controller: what phase it is in, what it holds, and every action a component can
// take. Components call these and show what they return; the rules are in state.ts, the bytes in
// crypto.ts, the network in api.ts, the disk in store.ts.
import * as api from './api';
import { ApiError, type Failure } from './api';
import {
  ChannelError,
  exportPublicKey,
  generateKeyPair,
  openJson,
  randomToken,
  safetyCode,
  sealJson,
  type Binding,
  type SealedText,
} from './crypto';
import {
  emptyModel,
  receive,
  setItemDone,
  today,
  topicSent,
  topicWithdrawn,
  type LocalRating,
  type Model,
} from './state';
import * as store from './store';
import { failureKey, type MessageKey } from './i18n/index.svelte';
import type { MemberState, Rated, Talked, ToManager, TopicKind, Wants } from './wire';

export type Phase = 'loading' | 'no_storage' | 'unpaired' | 'confirm' | 'paired';

/** Why the pairing screen shows: first time, the server dropped this browser, or codes differed. */
export type UnpairedReason = 'new' | 'revoked' | 'differed' | 'forgotten';

/** A failure an action reports: an API code, or one from this browser. */
export type ActionFailure = Failure | 'storage' | 'seal' | 'no_crypto' | 'mismatch';

export class ActionError extends Error {
  constructor(readonly failure: ActionFailure) {
    super(`action: ${failure}`);
    this.name = 'ActionError';
  }
}

/** Any thrown value as a failure the page can name. */
export function failureOf(e: unknown): ActionFailure {
  if (e instanceof ActionError) return e.failure;
  if (e instanceof ApiError) return e.code;
  if (e instanceof ChannelError) return 'seal';
  if (e instanceof DOMException) return 'storage';
  return 'unknown';
}

/** The message that names a failure. */
export function failureMessage(f: ActionFailure): MessageKey {
  switch (f) {
    case 'storage':
      return 'error.storage';
    case 'seal':
      return 'error.seal';
    case 'no_crypto':
      return 'pair.noCrypto';
    case 'mismatch':
      return 'pair.mismatch';
    default:
      return failureKey(f);
  }
}

const MAX_FETCH_ROUNDS = 10;

class Page {
  phase = $state<Phase>('loading');
  unpairedReason = $state<UnpairedReason>('new');
  pairing = $state<store.Pairing | null>(null);
  model = $state<Model>(emptyModel());
  ratings = $state<Record<string, LocalRating>>({});
  safety = $state('');
  /** The server names another key than the one compared at pairing. */
  keyChanged = $state(false);
  /** What the last check for messages ran into, if anything. */
  syncFailure = $state<ActionFailure | null>(null);
  /** Messages taken on the last check, for the live region. */
  lastReceived = $state(0);

  #keys: CryptoKeyPair | null = null;
  #syncing: Promise<void> | null = null;
  #again: Promise<void> | null = null;
  #sending: Promise<unknown> = Promise.resolve();
  #modelChanges: Promise<unknown> = Promise.resolve();

  async init(): Promise<void> {
    let stored: store.Stored;
    try {
      stored = await store.load();
    } catch {
      this.phase = 'no_storage';
      return;
    }
    if (stored.keys && stored.pairing) {
      this.#keys = stored.keys;
      this.pairing = stored.pairing;
      this.model = stored.model ?? emptyModel();
      this.ratings = Object.fromEntries(stored.ratings.map((r) => [r.month, r]));
      this.safety = await safetyCode(stored.pairing.managerKey, stored.pairing.memberKey);
      this.phase = 'paired';
      await this.sync();
    } else {
      this.phase = 'unpaired';
    }
  }

  // --- pairing ----------------------------------------------------------------------------------

  async pair(code: string): Promise<void> {
    let keys: CryptoKeyPair;
    let memberKey: string;
    try {
      keys = await generateKeyPair();
      memberKey = await exportPublicKey(keys.publicKey);
    } catch {
      throw new ActionError('no_crypto');
    }
    const paired = await api.pair({ code: code.trim(), member_key: memberKey });
    if (paired.state.member_key !== memberKey) throw new ActionError('mismatch');
    const pairing: store.Pairing = {
      token: paired.token,
      state: paired.state,
      managerKey: paired.state.manager_key,
      memberKey,
    };
    const safety = await safetyCode(pairing.managerKey, memberKey);
    try {
      await store.savePaired(keys, pairing, emptyModel());
    } catch {
      throw new ActionError('storage');
    }
    this.#keys = keys;
    this.pairing = pairing;
    this.model = emptyModel();
    this.ratings = {};
    this.safety = safety;
    this.keyChanged = false;
    this.syncFailure = null;
    this.phase = 'confirm';
  }

  async confirmSafety(): Promise<void> {
    this.phase = 'paired';
    await this.sync();
  }

  async codesDiffer(): Promise<void> {
    await this.#drop('differed');
  }

  async forget(): Promise<void> {
    await this.#drop('forgotten');
  }

  /** Offers the pairing screen again without forgetting (the member chose "pair again"). */
  async pairAgain(): Promise<void> {
    await this.#drop('new');
  }

  async #drop(reason: UnpairedReason): Promise<void> {
    try {
      await store.forget();
    } catch {
      // Nothing left to read it with: the token is gone from memory below.
    }
    this.#keys = null;
    this.pairing = null;
    this.model = emptyModel();
    this.ratings = {};
    this.safety = '';
    this.keyChanged = false;
    this.syncFailure = null;
    this.unpairedReason = reason;
    this.phase = 'unpaired';
  }

  /** Runs an API call; a token the server no longer takes ends the pairing here. */
  async #authorized<T>(call: (token: string) => Promise<T>): Promise<T> {
    const token = this.pairing?.token;
    if (!token) throw new ApiError('unauthorized', 401);
    try {
      return await call(token);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'unauthorized') await this.#drop('revoked');
      throw e;
    }
  }

  async #keepState(state: MemberState): Promise<void> {
    if (!this.pairing) return;
    this.keyChanged = state.manager_key !== this.pairing.managerKey || state.member_key !== this.pairing.memberKey;
    this.pairing = { ...this.pairing, state };
    await store.savePairing(this.pairing);
  }

  // --- receiving --------------------------------------------------------------------------------

  /**
   * Fetches the state and the messages waiting; one check at a time. Asked during a check (the
   * member came back to the tab while one ran), one more follows it: what arrived after the
   * running check fetched is not left for the next minute.
   */
  sync(): Promise<void> {
    if (this.#syncing) {
      this.#again ??= this.#syncing.then(() => {
        this.#again = null;
        return this.sync();
      });
      return this.#again;
    }
    this.#syncing = this.#sync().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  async #sync(): Promise<void> {
    if (this.phase !== 'paired' || !this.pairing || !this.#keys) return;
    try {
      await this.#keepState(await this.#authorized((token) => api.state(token)));
      let received = 0;
      for (let round = 0; round < MAX_FETCH_ROUNDS; round += 1) {
        const inbox = await this.#authorized((token) => api.inbox(token));
        const keys = this.#keys;
        const pairing = this.pairing;
        if (!keys || !pairing) return;
        const binding = (seq: number): Binding => ({
          manager: pairing.state.manager.employee_id,
          member: pairing.state.member.employee_id,
          direction: 'to_member',
          seq,
        });
        // Taken on the model as it is when its turn comes (a topic sent meanwhile stays), and
        // kept on disk first: a message is acknowledged only once it cannot be lost.
        const got = await this.#changeModel(async () => {
          const taken = await receive($state.snapshot(this.model), inbox.messages, (m) =>
            openJson(keys, binding(m.seq), { enc: m.enc, ciphertext: m.ciphertext }),
          );
          // Forgotten or paired anew while the messages were opened: nothing of them is kept.
          if (this.#keys !== keys) return null;
          await store.saveModel(taken.model);
          this.model = taken.model;
          return taken;
        });
        if (!got) return;
        received += got.taken;
        if (got.ackThrough !== null) {
          const through = got.ackThrough;
          await this.#authorized((token) =>
            api.ack(token, { acks: [{ member_employee_id: pairing.state.member.employee_id, through }] }),
          );
        }
        if (!inbox.more || got.model.refused.gap > 0) break;
      }
      this.lastReceived = received;
      this.syncFailure = null;
    } catch (e) {
      this.syncFailure = failureOf(e);
    }
  }

  // --- sending ----------------------------------------------------------------------------------

  /** Seals and sends one message under the server's next number; once more on a conflict. Sends queue. */
  #send(message: ToManager): Promise<void> {
    const run = this.#sending.catch(() => undefined).then(() => this.#sendNow(message));
    this.#sending = run;
    return run;
  }

  async #sendNow(message: ToManager): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const pairing = this.pairing;
      if (!pairing) throw new ApiError('unauthorized', 401);
      const seq = pairing.state.next_seq;
      let sealed: SealedText;
      try {
        sealed = await sealJson(
          pairing.managerKey,
          { manager: pairing.state.manager.employee_id, member: pairing.state.member.employee_id, direction: 'to_manager', seq },
          message,
        );
      } catch {
        throw new ActionError('seal');
      }
      try {
        const sent = await this.#authorized((token) => api.send(token, { seq, ...sealed }));
        await this.#keepState({ ...pairing.state, next_seq: sent.next_seq });
        return;
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 'conflict') || attempt > 0) throw e;
        await this.#keepState(await this.#authorized((token) => api.state(token)));
      }
    }
  }

  /**
   * One change of the model at a time, each on the model the one before left: a check for
   * messages that was opening them while a topic was sent must not put back the model it started
   * from (the topic would vanish from the page and from the disk).
   */
  #changeModel<T>(change: () => Promise<T>): Promise<T> {
    const run = this.#modelChanges.catch(() => undefined).then(change);
    this.#modelChanges = run;
    return run;
  }

  async #saveModel(change: (model: Model) => Model): Promise<void> {
    await this.#changeModel(async () => {
      // Forgotten while it was sent: nothing is written back.
      if (!this.#keys) return;
      const model = change($state.snapshot(this.model));
      this.model = model;
      try {
        await store.saveModel(model);
      } catch {
        // Sent already; the page shows it now and the next check for messages keeps it.
      }
    });
  }

  /** Sends a new topic (no `id`) or an edit of one not yet taken; returns its id. */
  async sendTopic(topic: { id?: string; text: string; kind: TopicKind; wants: Wants }): Promise<string> {
    const id = topic.id ?? crypto.randomUUID();
    const text = topic.text.trim();
    await this.#send({ type: 'topic', id, text, kind: topic.kind, wants: topic.wants });
    await this.#saveModel((model) => topicSent(model, { id, text, kind: topic.kind, wants: topic.wants, sentOn: today() }));
    return id;
  }

  async withdrawTopic(id: string): Promise<void> {
    await this.#send({ type: 'topic_withdrawn', id });
    await this.#saveModel((model) => topicWithdrawn(model, id));
  }

  async askSoon(note: string): Promise<void> {
    const trimmed = note.trim();
    await this.#send({ type: 'ask_soon', note: trimmed === '' ? null : trimmed });
    await this.#saveModel((model) => ({ ...model, askedOn: today() }));
  }

  async tickItem(item: number, done: boolean): Promise<void> {
    await this.#send({ type: 'item_done', item, done });
    await this.#saveModel((model) => setItemDone(model, item, done));
  }

  // --- rating -----------------------------------------------------------------------------------

  /** Rates a month; the token is made once per month and kept before it is first sent. */
  async rate(month: string, clarity: number | null, talked: Talked | null): Promise<string> {
    const existing = this.ratings[month];
    const rating: LocalRating = existing
      ? { ...$state.snapshot(existing), clarity, talked }
      : { month, token: randomToken(), changeableUntil: null, clarity, talked };
    try {
      await store.saveRating(rating);
    } catch {
      throw new ActionError('storage');
    }
    this.ratings = { ...this.ratings, [month]: rating };
    let rated: Rated;
    try {
      ({ rated } = await this.#authorized((token) => api.rate(token, { month, clarity, talked, token: rating.token })));
    } catch (e) {
      // Rated from another browser: this token is of no use, and the month reads as rated from now on.
      if (e instanceof ApiError && e.code === 'conflict') {
        const { [month]: _dropped, ...others } = this.ratings;
        this.ratings = others;
        await store.dropRating(month).catch(() => undefined);
        if (this.pairing && !this.pairing.state.rated.includes(month)) {
          await this.#keepState({ ...this.pairing.state, rated: [...this.pairing.state.rated, month] }).catch(() => undefined);
        }
      }
      throw e;
    }
    const kept: LocalRating = { ...rating, changeableUntil: rated.changeable_until };
    this.ratings = { ...this.ratings, [month]: kept };
    try {
      await store.saveRating(kept);
    } catch {
      // The server has it; only the "change until" line is lost on reload.
    }
    if (this.pairing && !this.pairing.state.rated.includes(month)) {
      await this.#keepState({ ...this.pairing.state, rated: [...this.pairing.state.rated, month] }).catch(() => undefined);
    }
    return rated.changeable_until;
  }
}

export const page = new Page();
