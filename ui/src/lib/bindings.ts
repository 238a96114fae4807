// Generated from the Rust types by crates/ipc (typescript_bindings). Do not edit:
// run `TAIWA_UPDATE_BINDINGS=1 cargo test -p taiwa-ipc bindings` after changing a type.

export type ErrorCode = "locked" | "wrong_passphrase" | "wrong_recovery_key" | "no_vault" | "vault_exists" | "damaged" | "no_encryption" | "too_new" | "not_found" | "invalid_input" | "disk_full" | "io" | "busy" | "internal" | "invalid_server" | "invalid_ca_file" | "not_enrolled" | "unreachable" | "token_revoked" | "invalid_code" | "rejected" | "rate_limited" | "server_error";

export type IpcError = { code: ErrorCode, message: string, 
/**
 * For `invalid_input`: the field, the rule it broke, its limit and the value at fault.
 */
problem: Problem | null, 
/**
 * A detail some codes carry: the damaged part (`key_file`, `database`, `backup`), what was
 * not found, the seconds to wait, the server's HTTP status.
 */
detail: string | null, };

export type Problem = { 
/**
 * `name`, `employee_id`, `email`, `reason`, `note`, `agenda_item`, `action_item`, `minutes`,
 * `start_date`, `end_date`, `due_date`, `at`, `month`, `search`, `file`, `passphrase`, …
 */
field: string, rule: Rule, limit: number | null, value: string | null, message: string, };

export type Rule = "empty" | "too_long" | "too_large" | "control_characters" | "not_a_date" | "not_a_date_time" | "not_a_month" | "not_an_email" | "not_an_employee_id" | "taken" | "ends_before_start" | "range_too_long" | "out_of_range" | "archived" | "wrong_state" | "wrong_person" | "file_exists" | "not_a_file_name" | "passphrase_too_short" | "passphrases_differ" | "not_a_recovery_key" | "recovery_key_typo" | "needs_confirmation" | "not_a_link";

export type Language = "ja" | "en";

export type Theme = "system" | "light" | "dark";

export type Settings = { 
/**
 * `None` until chosen: the UI then follows the OS language.
 */
language: Language | null, 
/**
 * Minutes without activity before the vault locks itself.
 */
auto_lock_minutes: number, theme: Theme, };

export type AppStatus = { vault_exists: boolean, unlocked: boolean, vault_path: string, settings: Settings, 
/**
 * The session in progress (its clock running), while unlocked: the app returns to it.
 */
running_session: number | null, };

export type Secret = string;

export type CreateVaultInput = { passphrase: Secret, passphrase_again: Secret, };

export type CreatedVault = { recovery_key: string, };

export type UnlockInput = { passphrase: Secret, };

export type RecoverInput = { recovery_key: Secret, new_passphrase: Secret, new_passphrase_again: Secret, };

export type PersonInput = { name: string, 
/**
 * ふりがな, or empty (older callers may leave it out).
 */
reading: string, relationship: Relationship, cadence: Cadence, employee_id: string, email: string, org_unit: string, start_date: string, end_date: string, };

export type PlanInput = { person_id: number, 
/**
 * Local date and time, `YYYY-MM-DDTHH:MM`.
 */
at: string, minutes: number, 
/**
 * Plan it even though the person already has a 1on1 planned at that time (asked first).
 */
again: boolean, };

export type MoveInput = { 
/**
 * Local date and time, `YYYY-MM-DDTHH:MM`.
 */
at: string, minutes: number, };

export type AgendaInput = { text: string, kind: TopicKind, wants: Wants | null, };

export type ActionInput = { person_id: number, session_id: number | null, text: string, owner: Owner, 
/**
 * `YYYY-MM-DD` or empty.
 */
due_date: string, };

export type ActionEditInput = { text: string, owner: Owner, 
/**
 * `YYYY-MM-DD` or empty.
 */
due_date: string, };

export type FinishInput = { "outcome": "held", minutes: number, held_at: string, } | { "outcome": "skipped", reason: string, } | { "outcome": "cancelled", reason: string, };

export type StripCell = { month: string, 
/**
 * Whether the person was in the manager's care that month.
 */
active: boolean, met: boolean, 
/**
 * Sessions skipped or cancelled in the month.
 */
not_held: number, };

export type HomePerson = { status: PersonStatus, strip: Array<StripCell>, };

export type Home = { month: string, today: string, summary: MonthSummary, people: Array<HomePerson>, 
/**
 * Planned sessions from now on, soonest first.
 */
upcoming: Array<Session>, 
/**
 * Planned sessions whose time is over and that were never closed: "Did these happen?"
 */
unclosed: Array<Session>, 
/**
 * Open action items due within a week or already late, soonest first.
 */
actions_due: Array<Action>, 
/**
 * The session in progress, if any.
 */
running: Session | null, 
/**
 * Why "N of M met" here can differ from HR's figure for the team (enrolled vaults only,
 * and only when it can).
 */
differs: HrDiffers | null, 
/**
 * Members who asked, from their page, for a 1on1 soon.
 */
member_requests: Array<MemberRequest>, 
/**
 * The team's すっきり度 as the server last allowed it (kept from the last exchange).
 */
team_quality: TeamQuality | null, };

export type PersonPage = { person: Person, 
/**
 * The latest sessions, newest first (as many as asked for).
 */
sessions: Array<Session>, 
/**
 * How many sessions the person has in all.
 */
sessions_total: number, open_actions: Array<Action>, 
/**
 * Done action items, most recently done first (as many as asked for).
 */
done_actions: Array<Action>, 
/**
 * How many done action items there are in all.
 */
done_total: number, backlog: Array<BacklogItem>, career_note: CareerNote | null, 
/**
 * Never sent to the company server.
 */
private: boolean, 
/**
 * This vault is enrolled with a company server (so the person's page can be paired).
 */
enrolled: boolean, 
/**
 * The person's page is paired and its safety code confirmed.
 */
member_paired: boolean, };

export type Saved = { updated_at: string, };

export type Relationship = "line" | "cross";

export type Cadence = "weekly" | "biweekly" | "monthly";

export type SessionState = "planned" | "held" | "skipped" | "cancelled";

export type TopicKind = "work" | "career" | "health" | "relationships" | "private" | "feedback" | "other";

export type Wants = "listen" | "advise" | "decide" | "think" | "share";

export type Owner = "manager" | "member";

export type DueState = "clear" | "planned" | "due" | "overdue" | "missed";

export type PersonMonth = { month: string, state: DueState, 
/**
 * Sessions held in the month.
 */
held: number, 
/**
 * Total minutes of the held sessions.
 */
minutes: number, 
/**
 * How many sessions the cadence asks for in this month.
 */
expected: number, 
/**
 * At least one session held: the completion figure HR sees.
 */
met: boolean, 
/**
 * The date by which the next session is owed (current and future months, also when that
 * date is after the month: "next due …").
 */
due_by: string | null, 
/**
 * The next planned session from `today` on, within the month.
 */
next_planned: string | null, };

export type MonthSummary = { month: string, 
/**
 * People active in the month.
 */
people: number, 
/**
 * Of those, people with at least one held session.
 */
met: number, 
/**
 * `met / people`, or `None` when nobody was active.
 */
rate: number | null, sessions_held: number, minutes: number, };

export type Person = { id: number, name: string, 
/**
 * How the name is read (ふりがな, in hiragana), when known: the list is in its order.
 */
reading: string | null, relationship: Relationship, cadence: Cadence, employee_id: string | null, email: string | null, org_unit: string | null, start_date: string | null, end_date: string | null, archived_at: string | null, created_at: string, };

export type Session = { id: number, person_id: number, person_name: string, 
/**
 * Local date and time on the calendar of `time_zone`.
 */
at: string, time_zone: string, 
/**
 * The month the session counts in: its local date's.
 */
month: string, planned_minutes: number, state: SessionState, held_minutes: number | null, 
/**
 * Why it was skipped or cancelled: private, never sent anywhere.
 */
reason: string | null, 
/**
 * Seconds the session's clock has run, up to the moment this was read.
 */
clock_seconds: number, 
/**
 * Whether the clock is running now (the session is in progress).
 */
clock_running: boolean, 
/**
 * When its clock first ran (local time), which dates it once held.
 */
started_at: string | null, };

export type SessionView = { session: Session, agenda: Array<AgendaItem>, note: Note | null, 
/**
 * The person's action items still open, made before or in this session.
 */
open_actions: Array<Action>, 
/**
 * The last held session before this one, with its note: what was said last time.
 */
last_time: LastTime | null, 
/**
 * The person's career note, beside the agenda while preparing.
 */
career_note: CareerNote | null, };

export type LastTime = { session_id: number, at: string, note: string | null, };

export type AgendaItem = { id: number, session_id: number, text: string, kind: TopicKind, 
/**
 * What the member wants from the manager on it.
 */
wants: Wants | null, done: boolean, 
/**
 * The open item of the previous session this one was carried over from.
 */
carried_from: number | null, 
/**
 * Taken from a topic the member sent from their page (a carried copy keeps the mark).
 */
from_member: boolean, };

export type Note = { session_id: number, body: string, updated_at: string, };

export type Action = { id: number, person_id: number, person_name: string, 
/**
 * The session it was agreed in, if any.
 */
session_id: number | null, text: string, owner: Owner, due_date: string | null, done_date: string | null, 
/**
 * Who marked it done: the member from their page, or the manager (`None` while open, and
 * for items marked done before the member channel).
 */
done_by: Owner | null, created_at: string, };

export type PersonStatus = { person_id: number, name: string, 
/**
 * How the name is read, when known: lists sort by it.
 */
reading: string | null, relationship: Relationship, cadence: Cadence, month: string, state: DueState, 
/**
 * Sessions held in the month.
 */
held: number, 
/**
 * Total minutes of the held sessions.
 */
minutes: number, 
/**
 * How many sessions the cadence asks for in this month.
 */
expected: number, 
/**
 * At least one session held: the completion figure HR sees.
 */
met: boolean, 
/**
 * The date by which the next session is owed (current and future months, also when that
 * date is after the month: "next due …").
 */
due_by: string | null, 
/**
 * The next planned session from `today` on, within the month.
 */
next_planned: string | null, };

export type Hit = { kind: HitKind, 
/**
 * The note's session id, the agenda item's, action item's, member topic's or request's id,
 * or the person's id for a career note.
 */
id: number, 
/**
 * The session it belongs to; for a member's topic, the session whose agenda took it, or
 * while it is open the person's next planned 1on1, where Prepare offers it.
 */
session_id: number | null, person_id: number, person_name: string, 
/**
 * The session's local date and time, or when the action item was made, the career note
 * last changed or the member's topic or request arrived, in local time too
 * (`YYYY-MM-DDTHH:MM:SS`).
 */
when: string, 
/**
 * Where a member's topic or request stands; none for the manager's own text.
 */
state: HitState | null, snippet: Array<SnippetPart>, };

export type HitKind = "note" | "agenda" | "action" | "career" | "member_topic" | "member_request";

export type HitState = "open" | "taken" | "withdrawn" | "answered";

export type SearchFilter = { 
/**
 * Only what is about this person.
 */
person_id: number | null, 
/**
 * Only this kind of text.
 */
kind: HitKind | null, 
/**
 * Hits to pass over (earlier pages).
 */
offset: number, 
/**
 * Hits to answer (0 means 50).
 */
limit: number, };

export type SearchPage = { people: Array<PersonMatch>, hits: Array<Hit>, 
/**
 * More hits follow this page.
 */
more: boolean, };

export type PersonMatch = { person_id: number, name: string, snippet: Array<SnippetPart>, };

export type SnippetPart = { text: string, hit: boolean, };

export type CareerNote = { person_id: number, body: string, updated_at: string, };

export type BacklogItem = { id: number, person_id: number, text: string, kind: TopicKind, wants: Wants | null, };

export type Footprint = { sessions: number, held: number, notes: number, agenda_items: number, action_items: number, topics: number, career_note: boolean, 
/**
 * Topics the member sent from their page (taken, new or withdrawn) and their requests for a
 * 1on1: kept only here, and deleted with the person.
 */
member_topics: number, member_requests: number, };

export type EnrolInput = { server: string, code: Secret, device_name: string, 
/**
 * A company CA certificate file, or empty.
 */
ca_file: string, };

export type SyncOverview = { enrolment: Enrolment | null, status: SyncStatus, 
/**
 * What the next push sends.
 */
pending: Array<OutgoingRecord>, 
/**
 * Direct reports' figures under ids no roster has named yet: kept here, not sent.
 */
unconfirmed: Array<OutgoingRecord>, 
/**
 * Employee ids (people marked private) whose figures the server is still to remove.
 */
withdrawals: Array<string>, rejected: Array<Refused>, log: Array<SyncLogEntry>, 
/**
 * Direct reports in the directory who are not in the people list yet.
 */
new_members: Array<NewMember>, 
/**
 * What the directory says differently about people in the list (name, unit, email, old →
 * new), offered until the manager answers: nothing changes without them.
 */
directory_changes: Array<DirectoryChange>, };

export type NewMember = { employee_id: string, name: string, 
/**
 * How the name is read, when the directory says.
 */
reading: string | null, email: string, org_unit_name: string, };

export type DirectoryAnswer = { person_id: number, entry: DirectoryEntry, 
/**
 * Take the directory's values; otherwise keep the list's.
 */
accept: boolean, };

export type HrDiffers = { 
/**
 * Cross-organisation mentees: counted here, never in HR's completion.
 */
cross: number, 
/**
 * Direct reports marked private: nothing about them is sent.
 */
private: number, 
/**
 * Direct reports without an employee id: nothing can be sent about them.
 */
no_employee_id: number, 
/**
 * Ids a roster named as direct reports who are not in the list.
 */
not_in_list: number, };

export type DirectoryChange = { person_id: number, 
/**
 * The person's name in the list, as the manager knows them.
 */
person_name: string, entry: DirectoryEntry, name: [string, string] | null, org_unit: [string | null, string] | null, email: [string | null, string] | null, };

export type DirectoryEntry = { employee_id: string, name: string, org_unit: string, 
/**
 * Empty when the directory has none.
 */
email: string, };

export type ExportPeriod = "this_month" | "this_quarter" | "fiscal_year" | "range";

export type ExportKind = "csv" | "markdown" | "html";

export type ExportInput = { period: ExportPeriod, 
/**
 * `YYYY-MM`, for `range` only.
 */
from: string, to: string, kind: ExportKind, 
/**
 * Agenda and note text too: the file is then not encrypted, and says so.
 */
include_notes: boolean, 
/**
 * One person's summary (from their page); everyone when `null`.
 */
person_id: number | null, 
/**
 * The language of the file's words and name: the UI's.
 */
language: Language, };

export type Exported = { path: string, bytes: number, from: string, to: string, };

export type CompletionSummary = { from: string, to: string, months: Array<MonthTotal>, rows: Array<SummaryRow>, };

export type MonthTotal = { month: string, people: number, met: number, rate: number | null, };

export type SummaryRow = { month: string, person: string, employee_id: string, relationship: string, cadence: string, sessions_held: number, minutes: number, actions_opened: number, actions_closed: number, 
/**
 * Agenda and notes of the month's sessions, only with `include_notes`.
 */
notes: Array<SessionText>, };

export type SessionText = { at: string, state: SessionState, agenda: Array<[boolean, string]>, note: string, };

export type ChangePassphraseInput = { current: Secret, new_passphrase: Secret, new_passphrase_again: Secret, };

export type PassphraseInput = { passphrase: Secret, };

export type VaultFileDone = { 
/**
 * The backup file written or read.
 */
path: string, 
/**
 * Where the replaced vault was kept, after a restore over it.
 */
moved_aside: string | null, };

export type VerifyReport = { key_file_ok: boolean, database_ok: boolean, 
/**
 * Each problem found, in words, naming the part.
 */
problems: Array<string>, schema_version: number | null, };

export type Enrolment = { server: string, device_name: string, manager_employee_id: string, manager_name: string, 
/**
 * A company CA certificate file trusted besides the system's roots.
 */
ca_file: string | null, };

export type SyncStatus = { last_sync_at: string | null, last_error: string | null, 
/**
 * The code of the last error (`unreachable`, `rejected`, …).
 */
last_error_code: string | null, };

export type OutgoingRecord = { employee_id: string, month: string, relationship: Relationship, sessions_held: number, minutes: number, revision: number, };

export type Refused = { employee_id: string, month: string, reason: string, rule: RecordRule | null, };

export type RecordRule = "future_month" | "too_old" | "out_of_range" | "too_many_minutes" | "duplicate" | "not_your_report" | "yourself" | "invalid_id" | "unknown";

export type SyncLogEntry = { at: string, records: number, accepted: number, stale: number, rejected: number, 
/**
 * `sent`, or what went wrong in words.
 */
outcome: string, 
/**
 * `sent`, `rejected`, or the sync error's code (`unreachable`, `token_revoked`, …); none in
 * entries written before codes were kept.
 */
code: string | null, };

export type QrCode = { size: number, path: string, };

export type MemberPairingView = { person_id: number, stage: PairingStage, 
/**
 * The code to show while waiting, its page address, the QR code of that address and when it
 * stops working (local time).
 */
code: string | null, url: string | null, qr: QrCode | null, code_expires_at: string | null, 
/**
 * The 16 digits both screens show, once the member used the code.
 */
safety_code: string | null, 
/**
 * The day the member paired (`YYYY-MM-DD`).
 */
since: string | null, confirmed_at: string | null, 
/**
 * Messages from the member that were refused (a replay, a gap, one that did not open).
 */
refused: number, 
/**
 * A new code waits while an earlier pairing still stands.
 */
repairing: boolean, };

export type MemberExchange = { sent: number, received: number, refused: number, held: number, };

export type TakeTopicInput = { topic_id: number, session_id: number, };

export type SessionMember = { 
/**
 * The person's page is paired and its safety code confirmed: topics come, summaries go.
 */
paired: boolean, 
/**
 * When this session's summary was last sent to the member (local time).
 */
summary_sent: string | null, };

export type PairingStage = "waiting" | "confirm" | "paired";

export type TopicState = "new" | "taken" | "withdrawn";

export type MemberTopic = { id: number, person_id: number, 
/**
 * The member page's id for it.
 */
topic_id: string, text: string, kind: TopicKind, wants: Wants, state: TopicState, 
/**
 * Local time.
 */
received_at: string, };

export type MemberRequest = { id: number, person_id: number, person_name: string, note: string | null, received_at: string, };

export type MemberSummary = { 
/**
 * The day the 1on1 was held (`YYYY-MM-DD`).
 */
held_on: string, agenda: Array<SummaryTopic>, items: Array<SummaryItem>, };

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

export type TeamQuality = { k: number, months: Array<TeamMonth>, };

export type TeamMonth = { month: string, 
/**
 * The average, when shown (at least k members gave one, and the month is final).
 */
average: number | null, 
/**
 * How many members rated, when shown.
 */
raters: number | null, withheld: TeamWithheld | null, 
/**
 * The day from which the month is final (`YYYY-MM-DD`).
 */
final_from: string, };

export type TeamWithheld = "fewer_than_k" | "not_final" | "would_tell_fewer";

/** The longest a 1on1 may be, in minutes (taiwa_domain::MAX_SESSION_MINUTES). */
export const MAX_SESSION_MINUTES = 480;

/** The time of day a new 1on1 is offered at (taiwa_domain::DEFAULT_PLAN_TIME). */
export const DEFAULT_PLAN_TIME = "10:00";

/** The shortest passphrase, in characters (taiwa_vault::MIN_PASSPHRASE_CHARS). */
export const MIN_PASSPHRASE_CHARS = 12;

/** How many months back a device may send (taiwa_protocol::MAX_MONTHS_BACK). */
export const MAX_MONTHS_BACK = 24;

/** The longest auto-lock time, in minutes (taiwa_ipc::MAX_AUTO_LOCK_MINUTES). */
export const MAX_AUTO_LOCK_MINUTES = 240;

/** What an agenda item can be about, in the order a select offers them. */
export const TOPIC_KINDS: readonly TopicKind[] = ["work", "career", "health", "relationships", "private", "feedback", "other"];

/** What a member can want from the manager, in the order a select offers them. */
export const WANTS: readonly Wants[] = ["listen", "advise", "decide", "think", "share"];
