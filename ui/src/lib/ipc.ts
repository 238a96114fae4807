// The one facade over the Rust commands; every component calls these, so a test can swap them.
import { invoke } from '@tauri-apps/api/core';
import type * as B from './bindings';

/** A failed command: switch on `code` (stable), show `message`. */
export class IpcFailure extends Error {
  readonly code: B.ErrorCode;
  readonly error: B.IpcError;
  constructor(error: B.IpcError) {
    super(error.message);
    this.code = error.code;
    this.error = error;
  }
}

function isIpcError(value: unknown): value is B.IpcError {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}

type Invoke = <T>(command: string, args?: Record<string, unknown>) => Promise<T>;
let onLocked: () => void = () => {};

/** Called whenever a command finds the vault locked (it locked itself while idle). */
export function whenLocked(handler: () => void): void {
  onLocked = handler;
}
let backend: Invoke = invoke;

/** For tests: answer commands without Tauri. */
export function setBackend(fake: Invoke): void {
  backend = fake;
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await backend<T>(command, args);
  } catch (error) {
    const failure = new IpcFailure(
      isIpcError(error) ? error : { code: 'internal', message: String(error), problem: null, detail: null },
    );
    if (failure.code === 'locked') onLocked();
    throw failure;
  }
}

export const ipc = {
  status: () => call<B.AppStatus>('status'),
  createVault: (input: B.CreateVaultInput) => call<B.CreatedVault>('create_vault', { input }),
  unlock: (input: B.UnlockInput) => call<B.AppStatus>('unlock', { input }),
  recover: (input: B.RecoverInput) => call<B.AppStatus>('recover', { input }),
  lock: () => call<B.AppStatus>('lock'),
  touch: () => call<void>('touch'),
  setSettings: (settings: B.Settings) => call<B.Settings>('set_settings', { settings }),
  home: () => call<B.Home>('home'),
  people: (includeArchived: boolean) => call<B.Person[]>('people', { include_archived: includeArchived }),
  personPage: (id: number, shown: number) => call<B.PersonPage>('person_page', { id, shown }),
  savePerson: (id: number | null, input: B.PersonInput) => call<B.Person>('save_person', { id, input }),
  setArchived: (id: number, archived: boolean) => call<B.Person>('set_archived', { id, archived }),
  changePassphrase: (input: B.ChangePassphraseInput) => call<null>('change_passphrase', { input }),
  newRecoveryKey: (input: B.PassphraseInput) => call<B.CreatedVault>('new_recovery_key', { input }),
  verifyVault: (input: B.PassphraseInput) => call<B.VerifyReport>('verify_vault', { input }),
  backupVault: () => call<B.VaultFileDone | null>('backup_vault', {}),
  restoreVault: (input: B.PassphraseInput) => call<B.VaultFileDone | null>('restore_vault', { input }),
  saveMemberSummary: (sessionId: number, text: string) =>
    call<B.VaultFileDone | null>('save_member_summary', { session_id: sessionId, text }),
  exportPreview: (input: B.ExportInput) => call<B.CompletionSummary>('export_preview', { input }),
  exportSummary: (input: B.ExportInput) => call<B.Exported | null>('export_summary', { input }),
  personFootprint: (id: number) => call<B.Footprint>('person_footprint', { id }),
  deletePerson: (id: number) => call<B.Footprint>('delete_person', { id }),
  setPrivate: (id: number, isPrivate: boolean) => call<B.PersonPage>('set_private', { id, private: isPrivate }),
  planSession: (input: B.PlanInput) => call<B.Session>('plan_session', { input }),
  session: (id: number) => call<B.SessionView>('session', { id }),
  finishSession: (id: number, input: B.FinishInput) => call<B.Session>('finish_session', { id, input }),
  startClock: (id: number) => call<B.Session>('start_clock', { id }),
  pauseClock: (id: number) => call<B.Session>('pause_clock', { id }),
  reopenSession: (id: number) => call<B.Session>('reopen_session', { id }),
  moveSession: (id: number, input: B.MoveInput) => call<B.Session>('move_session', { id, input }),
  deleteSession: (id: number) => call<null>('delete_session', { id }),
  editAgendaItem: (id: number, input: B.AgendaInput) => call<B.AgendaItem>('edit_agenda_item', { id, input }),
  deleteAgendaItem: (id: number) => call<B.AgendaItem>('delete_agenda_item', { id }),
  restoreAgendaItem: (item: B.AgendaItem) => call<B.AgendaItem>('restore_agenda_item', { item }),
  editAction: (id: number, input: B.ActionEditInput) => call<B.Action>('edit_action', { id, input }),
  deleteAction: (id: number) => call<B.Action>('delete_action', { id }),
  lockWhenIdle: () => call<B.AppStatus>('lock_when_idle'),
  openLink: (url: string) => call<null>('open_link', { url }),
  addAgendaItem: (sessionId: number, input: B.AgendaInput) =>
    call<B.AgendaItem>('add_agenda_item', { session_id: sessionId, input }),
  setAgendaDone: (id: number, done: boolean) => call<B.AgendaItem>('set_agenda_done', { id, done }),
  saveNote: (sessionId: number, body: string) => call<B.Saved>('save_note', { session_id: sessionId, body }),
  addAction: (input: B.ActionInput) => call<B.Action>('add_action', { input }),
  setActionDone: (id: number, done: boolean) => call<B.Action>('set_action_done', { id, done }),
  saveCareerNote: (personId: number, body: string) =>
    call<B.CareerNote>('save_career_note', { person_id: personId, body }),
  addTopic: (personId: number, input: B.AgendaInput) => call<B.BacklogItem>('add_topic', { person_id: personId, input }),
  removeTopic: (id: number) => call<void>('remove_topic', { id }),
  search: (query: string, filter: B.SearchFilter) => call<B.SearchPage>('search', { query, filter }),
  syncOverview: () => call<B.SyncOverview>('sync_overview'),
  enrol: (input: B.EnrolInput) => call<B.SyncOverview>('enrol', { input }),
  syncNow: () => call<B.SyncOverview>('sync_now'),
  unenrol: () => call<B.SyncOverview>('unenrol'),
  addMember: (member: B.NewMember) => call<B.SyncOverview>('add_member', { member }),
  answerDirectory: (answers: B.DirectoryAnswer[]) => call<B.SyncOverview>('answer_directory', { answers }),
  memberPairing: (personId: number) => call<B.MemberPairingView | null>('member_pairing', { person_id: personId }),
  startMemberPairing: (personId: number) => call<B.MemberPairingView>('start_member_pairing', { person_id: personId }),
  refreshMemberPairing: (personId: number) =>
    call<B.MemberPairingView | null>('refresh_member_pairing', { person_id: personId }),
  confirmMemberPairing: (personId: number) => call<B.MemberPairingView>('confirm_member_pairing', { person_id: personId }),
  unpairMember: (personId: number) => call<null>('unpair_member', { person_id: personId }),
  exchangeMemberMessages: () => call<B.MemberExchange>('exchange_member_messages'),
  memberTopics: (personId: number) => call<B.MemberTopic[]>('member_topics', { person_id: personId }),
  takeMemberTopic: (input: B.TakeTopicInput) => call<B.AgendaItem>('take_member_topic', { input }),
  dismissMemberRequest: (id: number) => call<null>('dismiss_member_request', { id }),
  memberSummary: (sessionId: number) => call<B.MemberSummary>('member_summary', { session_id: sessionId }),
  sendMemberSummary: (sessionId: number) => call<string>('send_member_summary', { session_id: sessionId }),
  sessionMember: (sessionId: number) => call<B.SessionMember>('session_member', { session_id: sessionId }),
  undoMemberDone: (actionId: number) => call<B.Action>('undo_member_done', { action_id: actionId }),
};
