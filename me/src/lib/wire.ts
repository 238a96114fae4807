// Generated from the Rust types by crates/protocol (channel::typescript). Do not edit:
// run `TAIWA_UPDATE_BINDINGS=1 cargo test -p taiwa-protocol wire` after changing a type.

export type TopicKind = "work" | "career" | "health" | "relationships" | "private" | "feedback" | "other";

export type Wants = "listen" | "advise" | "decide" | "think" | "share";

export type Owner = "manager" | "member";

export type PairingState = "waiting" | "paired";

export type SealedMessage = { seq: number, enc: string, ciphertext: string, };

export type RelayedMessage = { member_employee_id: string, seq: number, enc: string, ciphertext: string, arrived: string, };

export type Inbox = { messages: Array<RelayedMessage>, more: boolean, };

export type Ack = { member_employee_id: string, through: number, };

export type Acks = { acks: Array<Ack>, };

export type Acked = { deleted: number, };

export type Sent = { next_seq: number, };

export type MemberPairRequest = { code: string, member_key: string, };

export type PairPerson = { employee_id: string, name: string, };

export type MemberState = { manager: PairPerson, member: PairPerson, manager_key: string, member_key: string, 
/**
 * The day the member paired (`YYYY-MM-DD`).
 */
since: string, 
/**
 * The number the member's next message must carry.
 */
next_seq: number, 
/**
 * The months the member may rate now (this month and the one before), oldest first.
 */
rateable: Array<string>, 
/**
 * Of those, the months this pair has already rated.
 */
rated: Array<string>, 
/**
 * The company's k: no average is shown, to HR or the manager, of fewer answers.
 */
k: number, };

export type MemberPaired = { token: string, state: MemberState, };

export type Talked = "yes" | "partly" | "no";

export type RatingRequest = { month: string, 
/**
 * すっきり度, `CLARITY_MIN`..=`CLARITY_MAX`; `None` when not answered.
 */
clarity: number | null, talked: Talked | null, token: string, };

export type Rated = { changeable_until: string, };

export type ToManager = { "type": "topic", 
/**
 * Chosen by the member's browser (random), so an edit or a withdrawal names it.
 */
id: string, text: string, kind: TopicKind, wants: Wants, } | { "type": "topic_withdrawn", id: string, } | { "type": "ask_soon", note: string | null, } | { "type": "item_done", item: number, done: boolean, };

export type SummaryTopic = { text: string, done: boolean, };

export type SummaryItem = { 
/**
 * The manager's app's id for it: the member's "done" names it.
 */
item: number, text: string, owner: Owner, 
/**
 * `YYYY-MM-DD`, when it has one.
 */
due: string | null, done: boolean, };

export type MemberSummary = { 
/**
 * The day the 1on1 was held (`YYYY-MM-DD`).
 */
held_on: string, agenda: Array<SummaryTopic>, items: Array<SummaryItem>, };

export type ToMember = { "type": "topic_taken", id: string, } | { "type": "summary", summary: MemberSummary, } | { "type": "item_state", item: number, done: boolean, };

export type ApiCode = "unauthorized" | "forbidden" | "not_found" | "method_not_allowed" | "invalid_json" | "invalid_body" | "invalid_input" | "invalid_records" | "invalid_code" | "too_large" | "timeout" | "rate_limited" | "unavailable" | "internal" | "conflict" | "unknown";

export const MEMBER_API = "/me/api";
export const MAX_TOPIC_CHARS = 500;
export const MAX_REQUEST_NOTE_CHARS = 200;
export const RATING_CHANGE_DAYS = 7;
export const RATINGS_KEEP_MONTHS = 25;
export const RELAY_KEEP_DAYS = 60;
export const CLARITY_MIN = 1;
export const CLARITY_MAX = 5;
export const TOPIC_KINDS: readonly TopicKind[] = ["work", "career", "health", "relationships", "private", "feedback", "other"];
export const WANTS: readonly Wants[] = ["listen", "advise", "decide", "think", "share"];
export const TALKED: readonly Talked[] = ["yes", "partly", "no"];
