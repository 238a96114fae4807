//! Taiwa's desktop app: a thin Tauri shell. Each command is a line or two over `taiwa_ipc::App`,
//! where the logic lives and is tested without Tauri. The data key exists only inside the `App`'s
//! open vault in this process; the web view never sees it.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use taiwa_ipc::*;
use taiwa_vault::{
    Action, AgendaItem, BacklogItem, CareerNote, Footprint, Person, SearchFilter, SearchPage, Session, SessionView,
};
use tauri::{Emitter, Manager};

type State<'a> = tauri::State<'a, Shared>;

#[tauri::command(rename_all = "snake_case")]
fn status(state: State<'_>) -> AppStatus {
    state.app().status()
}

#[tauri::command(rename_all = "snake_case")]
fn create_vault(state: State<'_>, input: CreateVaultInput) -> IpcResult<CreatedVault> {
    state.app().create_vault(input)
}

#[tauri::command(rename_all = "snake_case")]
fn unlock(handle: tauri::AppHandle, state: State<'_>, input: UnlockInput) -> IpcResult<AppStatus> {
    let status = state.app().unlock(input)?;
    // What paired members sent while the app was closed comes now, in the background; the
    // window reads it again when told (an app not enrolled, or offline, has nothing new).
    std::thread::spawn(move || {
        if let Ok(done) = handle.state::<Shared>().exchange_member_messages() {
            let _ = handle.emit("member-updated", done.received);
        }
    });
    Ok(status)
}

#[tauri::command(rename_all = "snake_case")]
fn recover(state: State<'_>, input: RecoverInput) -> IpcResult<AppStatus> {
    state.app().recover(input)
}

#[tauri::command(rename_all = "snake_case")]
fn lock(state: State<'_>) -> AppStatus {
    state.app().lock()
}

#[tauri::command(rename_all = "snake_case")]
fn touch(state: State<'_>) {
    state.app().touch();
}

#[tauri::command(rename_all = "snake_case")]
fn set_settings(state: State<'_>, settings: Settings) -> IpcResult<Settings> {
    state.app().set_settings(settings)
}

#[tauri::command(rename_all = "snake_case")]
fn home(state: State<'_>) -> IpcResult<Home> {
    state.app().home()
}

#[tauri::command(rename_all = "snake_case")]
fn people(state: State<'_>, include_archived: bool) -> IpcResult<Vec<Person>> {
    state.app().people(include_archived)
}

#[tauri::command(rename_all = "snake_case")]
fn person_page(state: State<'_>, id: i64, shown: u32) -> IpcResult<PersonPage> {
    state.app().person_page(id, shown)
}

#[tauri::command(rename_all = "snake_case")]
fn save_person(state: State<'_>, id: Option<i64>, input: PersonInput) -> IpcResult<Person> {
    state.app().save_person(id, input)
}

#[tauri::command(rename_all = "snake_case")]
fn set_archived(state: State<'_>, id: i64, archived: bool) -> IpcResult<Person> {
    state.app().set_archived(id, archived)
}

#[tauri::command(rename_all = "snake_case")]
fn set_private(state: State<'_>, id: i64, private: bool) -> IpcResult<PersonPage> {
    state.app().set_private(id, private)
}

#[tauri::command(rename_all = "snake_case")]
fn plan_session(state: State<'_>, input: PlanInput) -> IpcResult<Session> {
    state.app().plan_session(input)
}

#[tauri::command(rename_all = "snake_case")]
fn session(state: State<'_>, id: i64) -> IpcResult<SessionView> {
    state.app().session(id)
}

#[tauri::command]
fn person_footprint(state: State<'_>, id: i64) -> IpcResult<Footprint> {
    state.app().person_footprint(id)
}

#[tauri::command]
fn delete_person(state: State<'_>, id: i64) -> IpcResult<Footprint> {
    state.app().delete_person(id)
}

#[tauri::command(rename_all = "snake_case")]
fn finish_session(state: State<'_>, id: i64, input: FinishInput) -> IpcResult<Session> {
    state.app().finish_session(id, input)
}

#[tauri::command]
fn start_clock(state: State<'_>, id: i64) -> IpcResult<Session> {
    state.app().start_clock(id)
}

#[tauri::command]
fn pause_clock(state: State<'_>, id: i64) -> IpcResult<Session> {
    state.app().pause_clock(id)
}

#[tauri::command]
fn reopen_session(state: State<'_>, id: i64) -> IpcResult<Session> {
    state.app().reopen_session(id)
}

#[tauri::command]
fn move_session(state: State<'_>, id: i64, input: MoveInput) -> IpcResult<Session> {
    state.app().move_session(id, input)
}

#[tauri::command]
fn delete_session(state: State<'_>, id: i64) -> IpcResult<()> {
    state.app().delete_session(id)
}

#[tauri::command]
fn edit_agenda_item(state: State<'_>, id: i64, input: AgendaInput) -> IpcResult<AgendaItem> {
    state.app().edit_agenda_item(id, input)
}

#[tauri::command]
fn delete_agenda_item(state: State<'_>, id: i64) -> IpcResult<AgendaItem> {
    state.app().delete_agenda_item(id)
}

#[tauri::command]
fn restore_agenda_item(state: State<'_>, item: AgendaItem) -> IpcResult<AgendaItem> {
    state.app().restore_agenda_item(item)
}

#[tauri::command]
fn edit_action(state: State<'_>, id: i64, input: ActionEditInput) -> IpcResult<Action> {
    state.app().edit_action(id, input)
}

#[tauri::command]
fn delete_action(state: State<'_>, id: i64) -> IpcResult<Action> {
    state.app().delete_action(id)
}

/// The UI saw no activity for the auto-lock time: lock unless a session is in progress.
#[tauri::command]
fn lock_when_idle(state: State<'_>) -> AppStatus {
    state.app().lock_when_idle()
}

#[tauri::command(rename_all = "snake_case")]
fn add_agenda_item(state: State<'_>, session_id: i64, input: AgendaInput) -> IpcResult<AgendaItem> {
    state.app().add_agenda_item(session_id, input)
}

#[tauri::command(rename_all = "snake_case")]
fn set_agenda_done(state: State<'_>, id: i64, done: bool) -> IpcResult<AgendaItem> {
    state.app().set_agenda_done(id, done)
}

#[tauri::command(rename_all = "snake_case")]
fn save_note(state: State<'_>, session_id: i64, body: String) -> IpcResult<Saved> {
    state.app().save_note(session_id, &body)
}

#[tauri::command(rename_all = "snake_case")]
fn add_action(state: State<'_>, input: ActionInput) -> IpcResult<Action> {
    state.app().add_action(input)
}

#[tauri::command(rename_all = "snake_case")]
fn set_action_done(state: State<'_>, id: i64, done: bool) -> IpcResult<Action> {
    state.app().set_action_done(id, done)
}

#[tauri::command(rename_all = "snake_case")]
fn save_career_note(state: State<'_>, person_id: i64, body: String) -> IpcResult<CareerNote> {
    state.app().save_career_note(person_id, &body)
}

#[tauri::command(rename_all = "snake_case")]
fn add_topic(state: State<'_>, person_id: i64, input: AgendaInput) -> IpcResult<BacklogItem> {
    state.app().add_topic(person_id, input)
}

#[tauri::command(rename_all = "snake_case")]
fn remove_topic(state: State<'_>, id: i64) -> IpcResult<()> {
    state.app().remove_topic(id)
}

#[tauri::command(rename_all = "snake_case")]
fn search(state: State<'_>, query: String, filter: SearchFilter) -> IpcResult<SearchPage> {
    state.app().search(&query, filter)
}

#[tauri::command(rename_all = "snake_case")]
fn sync_overview(state: State<'_>) -> IpcResult<SyncOverview> {
    state.app().sync_overview()
}

#[tauri::command(rename_all = "snake_case")]
fn add_member(state: State<'_>, member: NewMember) -> IpcResult<SyncOverview> {
    state.app().add_member(member)
}

#[tauri::command]
fn answer_directory(state: State<'_>, answers: Vec<DirectoryAnswer>) -> IpcResult<SyncOverview> {
    state.app().answer_directory(answers)
}

/// The app's own pages: the bundled UI (custom protocol) or, in development, Vite on localhost.
fn is_app_page(url: &tauri::Url) -> bool {
    match (url.scheme(), url.host_str()) {
        ("tauri", _) => true,
        ("http" | "https", Some("tauri.localhost")) => true,
        // `devUrl` in tauri.conf.json, while developing with Vite: debug builds only, so that no
        // page a local process serves on that port can take a packaged app's window.
        ("http", Some("localhost")) => cfg!(debug_assertions) && url.port() == Some(5173),
        _ => url.as_str() == "about:blank",
    }
}

/// The commands' handler; with `TAIWA_IPC_LOG` set (the end-to-end test that counts round trips
/// per screen) each command's name is appended to that file first. Names only, never arguments.
fn counted<R: tauri::Runtime>(
    handler: impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static,
) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    let log = std::env::var_os("TAIWA_IPC_LOG");
    move |invoke| {
        if let Some(path) = &log {
            use std::io::Write as _;
            if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(path) {
                let _ = writeln!(file, "{}", invoke.message.command());
            }
        }
        handler(invoke)
    }
}

/// A `mailto:` address with only its recipients, `subject` and `body`: a mail program may take
/// other fields (`attach`, `cc`, `bcc`) as orders, which a note's link must not give.
fn keep_only_subject_and_body(mut url: tauri::Url) -> tauri::Url {
    if url.scheme() != "mailto" {
        return url;
    }
    // The fields as written (their percent-encoding kept: a mail program reads `+` as a plus).
    let kept: Vec<String> = url
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|field| {
            let name = field.split('=').next().unwrap_or_default();
            name.eq_ignore_ascii_case("subject") || name.eq_ignore_ascii_case("body")
        })
        .map(str::to_owned)
        .collect();
    url.set_query((!kept.is_empty()).then(|| kept.join("&")).as_deref());
    url
}

/// Opens a web or mail address in the system's browser or mail program, never anything else (no
/// file, no custom scheme). In end-to-end tests (`TAIWA_LINK_LOG`) it is written to that file.
fn open_external(address: &str) -> IpcResult<()> {
    let url = tauri::Url::parse(address).map_err(|_| {
        IpcError::invalid(
            taiwa_vault::Problem::new("link", taiwa_vault::Rule::NotALink, format!("{address} is not a link"))
                .value(address),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https" | "mailto") {
        return Err(IpcError::invalid(
            taiwa_vault::Problem::new(
                "link",
                taiwa_vault::Rule::NotALink,
                format!("{address} is not a web address"),
            )
            .value(address),
        ));
    }
    let url = keep_only_subject_and_body(url);
    if let Some(log) = std::env::var_os("TAIWA_LINK_LOG") {
        use std::io::Write as _;
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| IpcError::io(&e))?;
        return writeln!(file, "{url}").map_err(|e| IpcError::io(&e));
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url.as_str())
        .spawn()
        .map(drop)
        .map_err(|e| IpcError::io(&e))
}

/// A link clicked in a note: to the system browser.
#[tauri::command]
fn open_link(url: String) -> IpcResult<()> {
    open_external(&url)
}

/// Network work runs on a blocking thread, never while the app is locked for it.
async fn off_the_ui<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> IpcResult<T> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| IpcError::new(ErrorCode::Internal, e.to_string()))
}

/// Where to save a file: the system's save dialog (opened from here, so the web view has no
/// dialog permission of its own); `None` when the person cancels. The end-to-end tests cannot
/// reach a native dialog: with `TAIWA_SAVE_TO_DIR` set, files go to that folder instead.
async fn save_path(handle: &tauri::AppHandle, name: &str) -> IpcResult<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("TAIWA_SAVE_TO_DIR") {
        return Ok(Some(PathBuf::from(dir).join(name)));
    }
    use tauri_plugin_dialog::DialogExt;
    let dialog = handle.dialog().file().set_file_name(name);
    let picked = off_the_ui(move || dialog.blocking_save_file()).await?;
    Ok(picked.and_then(|p| p.into_path().ok()))
}

/// Which file to read: the system's open dialog, or in end-to-end tests the newest file in
/// `TAIWA_SAVE_TO_DIR` whose name ends with `extension`.
async fn open_path(handle: &tauri::AppHandle, extension: &str) -> IpcResult<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("TAIWA_SAVE_TO_DIR") {
        let newest = std::fs::read_dir(dir)
            .map_err(|e| IpcError::io(&e))?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(extension))
            .max_by_key(|e| e.metadata().and_then(|m| m.modified()).ok())
            .map(|e| e.path());
        return Ok(newest);
    }
    use tauri_plugin_dialog::DialogExt;
    let dialog = handle
        .dialog()
        .file()
        .add_filter("Taiwa backup", &[extension.trim_start_matches('.')]);
    let picked = off_the_ui(move || dialog.blocking_pick_file()).await?;
    Ok(picked.and_then(|p| p.into_path().ok()))
}

#[tauri::command(rename_all = "snake_case")]
async fn save_member_summary(
    handle: tauri::AppHandle,
    state: State<'_>,
    session_id: i64,
    text: String,
) -> IpcResult<Option<VaultFileDone>> {
    let name = state.app().member_summary_file_name(session_id)?;
    let Some(path) = save_path(&handle, &name).await? else {
        return Ok(None);
    };
    state.app().save_member_summary(session_id, &text, &path).map(Some)
}

#[tauri::command(rename_all = "snake_case")]
fn change_passphrase(state: State<'_>, input: ChangePassphraseInput) -> IpcResult<()> {
    state.app().change_passphrase(input)
}

#[tauri::command(rename_all = "snake_case")]
fn new_recovery_key(state: State<'_>, input: PassphraseInput) -> IpcResult<CreatedVault> {
    state.app().new_recovery_key(input)
}

#[tauri::command(rename_all = "snake_case")]
fn verify_vault(state: State<'_>, input: PassphraseInput) -> IpcResult<taiwa_vault::VerifyReport> {
    state.app().verify_vault(input)
}

#[tauri::command(rename_all = "snake_case")]
async fn backup_vault(handle: tauri::AppHandle, state: State<'_>) -> IpcResult<Option<VaultFileDone>> {
    let name = state.app().backup_file_name()?;
    let Some(path) = save_path(&handle, &name).await? else {
        return Ok(None);
    };
    state.app().backup_vault(&path).map(Some)
}

#[tauri::command(rename_all = "snake_case")]
async fn restore_vault(
    handle: tauri::AppHandle,
    state: State<'_>,
    input: PassphraseInput,
) -> IpcResult<Option<VaultFileDone>> {
    let Some(path) = open_path(&handle, ".taiwa-backup").await? else {
        return Ok(None);
    };
    state.app().restore_vault(&path, input).map(Some)
}

#[tauri::command]
fn export_preview(state: State<'_>, input: ExportInput) -> IpcResult<taiwa_vault::CompletionSummary> {
    state.app().export_preview(&input)
}

#[tauri::command(rename_all = "snake_case")]
async fn export_summary(handle: tauri::AppHandle, state: State<'_>, input: ExportInput) -> IpcResult<Option<Exported>> {
    let name = state.app().export_file_name(&input)?;
    let Some(path) = save_path(&handle, &name).await? else {
        return Ok(None);
    };
    state.app().export_summary(&input, &path).map(Some)
}

#[tauri::command(rename_all = "snake_case")]
async fn enrol(handle: tauri::AppHandle, state: State<'_>, input: EnrolInput) -> IpcResult<SyncOverview> {
    let (enrolment, token) = off_the_ui(move || App::prepare_enrolment(&input)).await??;
    state.app().finish_enrolment(&enrolment, &token)?;
    // Pull the roster at once to offer new direct reports; sending waits, so the manager can see
    // first what HR will see. A failure here is in the status line; the enrolment stands.
    let shared = handle.clone();
    let _ = off_the_ui(move || shared.state::<Shared>().sync(taiwa_sync::Cycle::RosterOnly)).await?;
    state.app().sync_overview()
}

#[tauri::command(rename_all = "snake_case")]
async fn sync_now(handle: tauri::AppHandle, state: State<'_>) -> IpcResult<SyncOverview> {
    off_the_ui(move || handle.state::<Shared>().sync(taiwa_sync::Cycle::Full)).await??;
    state.app().sync_overview()
}

#[tauri::command(rename_all = "snake_case")]
async fn unenrol(state: State<'_>) -> IpcResult<SyncOverview> {
    let revoke = state.app().unenrol_job()?;
    if let Some((client, token)) = revoke {
        off_the_ui(move || client.revoke(token.expose())).await??;
    }
    state.app().forget_enrolment()
}

#[tauri::command(rename_all = "snake_case")]
fn member_pairing(state: State<'_>, person_id: i64) -> IpcResult<Option<MemberPairingView>> {
    state.app().member_pairing(person_id)
}

#[tauri::command(rename_all = "snake_case")]
async fn start_member_pairing(handle: tauri::AppHandle, person_id: i64) -> IpcResult<MemberPairingView> {
    off_the_ui(move || handle.state::<Shared>().start_member_pairing(person_id)).await?
}

#[tauri::command(rename_all = "snake_case")]
async fn refresh_member_pairing(handle: tauri::AppHandle, person_id: i64) -> IpcResult<Option<MemberPairingView>> {
    off_the_ui(move || handle.state::<Shared>().refresh_member_pairing(person_id)).await?
}

#[tauri::command(rename_all = "snake_case")]
fn confirm_member_pairing(state: State<'_>, person_id: i64) -> IpcResult<MemberPairingView> {
    state.app().confirm_member_pairing(person_id)
}

#[tauri::command(rename_all = "snake_case")]
async fn unpair_member(handle: tauri::AppHandle, person_id: i64) -> IpcResult<()> {
    off_the_ui(move || handle.state::<Shared>().unpair_member(person_id)).await?
}

#[tauri::command(rename_all = "snake_case")]
async fn exchange_member_messages(handle: tauri::AppHandle) -> IpcResult<MemberExchange> {
    off_the_ui(move || handle.state::<Shared>().exchange_member_messages()).await?
}

#[tauri::command(rename_all = "snake_case")]
fn member_topics(state: State<'_>, person_id: i64) -> IpcResult<Vec<taiwa_vault::MemberTopic>> {
    state.app().member_topics(person_id)
}

#[tauri::command(rename_all = "snake_case")]
fn take_member_topic(state: State<'_>, input: TakeTopicInput) -> IpcResult<taiwa_vault::AgendaItem> {
    state.app().take_member_topic(input)
}

#[tauri::command(rename_all = "snake_case")]
fn dismiss_member_request(state: State<'_>, id: i64) -> IpcResult<()> {
    state.app().dismiss_member_request(id)
}

#[tauri::command(rename_all = "snake_case")]
fn member_summary(state: State<'_>, session_id: i64) -> IpcResult<MemberSummary> {
    state.app().member_summary(session_id)
}

#[tauri::command(rename_all = "snake_case")]
fn send_member_summary(state: State<'_>, session_id: i64) -> IpcResult<String> {
    state.app().send_member_summary(session_id)
}

#[tauri::command(rename_all = "snake_case")]
fn session_member(state: State<'_>, session_id: i64) -> IpcResult<SessionMember> {
    state.app().session_member(session_id)
}

#[tauri::command(rename_all = "snake_case")]
fn undo_member_done(state: State<'_>, action_id: i64) -> IpcResult<taiwa_vault::Action> {
    state.app().undo_member_done(action_id)
}

/// The vault folder: `TAIWA_VAULT`, or the user's data folder (as the `taiwa` command line).
fn vault_dir() -> PathBuf {
    std::env::var_os("TAIWA_VAULT")
        .map(PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("taiwa").join("vault")))
        .unwrap_or_else(|| PathBuf::from("taiwa-vault"))
}

fn main() {
    let app = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(
            // The window never leaves the app's own pages: any other address goes to the system
            // browser (web addresses only) and the window stays where it is.
            tauri::plugin::Builder::<tauri::Wry>::new("stay-home")
                .on_navigation(|_, url| {
                    if is_app_page(url) {
                        return true;
                    }
                    let _ = open_external(url.as_str());
                    false
                })
                .build(),
        )
        .manage(Shared::new(App::new(vault_dir())))
        .setup(|app| {
            // WebKitGTK's memory (docs/BENCHMARKS.md, the desktop app): Taiwa's pages are text
            // and forms, so they are drawn without GPU compositing, which on its own took about
            // 120 MiB of the web process; and its resources are all local, so WebKit keeps no
            // page cache or memory cache for them (the document viewer model).
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.with_webview(|webview| {
                    use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
                    let view = webview.inner();
                    if let Some(context) = view.context() {
                        context.set_cache_model(CacheModel::DocumentViewer);
                    }
                    if let Some(settings) = WebViewExt::settings(&view) {
                        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
                    }
                });
            }
            // A safety net behind the UI's own idle timer (which saves the note first): lock a
            // little after the idle time even if the UI cannot, and tell the window.
            let handle = app.handle().clone();
            let syncing = app.handle().clone();
            std::thread::spawn(move || {
                // A week after the last sync plus a random part of a day (the server learns
                // nothing finer from when figures arrive; taiwa_sync::Schedule);
                // `TAIWA_SYNC_SECONDS` sets a fixed interval for tests.
                let now = chrono::Utc::now();
                let mut schedule = match std::env::var("TAIWA_SYNC_SECONDS").ok().and_then(|s| s.parse().ok()) {
                    Some(seconds) => taiwa_sync::Schedule::every(Duration::from_secs(seconds), now),
                    None => taiwa_sync::Schedule::weekly(now, None, taiwa_sync::random_unit()),
                };
                loop {
                    std::thread::sleep(schedule.wait(chrono::Utc::now()));
                    let shared = syncing.state::<Shared>();
                    if shared.sync_when_due(&mut schedule, chrono::Utc::now(), taiwa_sync::random_unit()) {
                        let _ = syncing.emit("sync-updated", ());
                    }
                }
            });
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(5));
                    let grace = Instant::now()
                        .checked_sub(Duration::from_secs(30))
                        .unwrap_or_else(Instant::now);
                    let shared = handle.state::<Shared>();
                    let mut app = shared.app();
                    if app.lock_if_idle(grace) {
                        let _ = handle.emit("vault-locked", ());
                    } else {
                        app.maintain();
                    }
                }
            });
            Ok(())
        })
        .invoke_handler(counted(tauri::generate_handler![
            status,
            create_vault,
            unlock,
            recover,
            lock,
            touch,
            set_settings,
            home,
            people,
            person_page,
            save_person,
            set_archived,
            set_private,
            plan_session,
            session,
            finish_session,
            start_clock,
            pause_clock,
            reopen_session,
            move_session,
            delete_session,
            edit_agenda_item,
            delete_agenda_item,
            restore_agenda_item,
            edit_action,
            delete_action,
            lock_when_idle,
            open_link,
            export_preview,
            person_footprint,
            delete_person,
            export_summary,
            change_passphrase,
            save_member_summary,
            new_recovery_key,
            verify_vault,
            backup_vault,
            restore_vault,
            add_agenda_item,
            set_agenda_done,
            save_note,
            add_action,
            set_action_done,
            save_career_note,
            add_topic,
            remove_topic,
            search,
            sync_overview,
            add_member,
            answer_directory,
            enrol,
            sync_now,
            unenrol,
            member_pairing,
            start_member_pairing,
            refresh_member_pairing,
            confirm_member_pairing,
            unpair_member,
            exchange_member_messages,
            member_topics,
            take_member_topic,
            dismiss_member_request,
            member_summary,
            send_member_summary,
            session_member,
            undo_member_done,
        ]))
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("taiwa-desktop: could not start: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> tauri::Url {
        tauri::Url::parse(text).unwrap()
    }

    #[test]
    fn the_window_stays_on_the_apps_own_pages() {
        for home in ["tauri://localhost/", "http://tauri.localhost/index.html"] {
            assert!(is_app_page(&url(home)), "{home}");
        }
        // Vite's address is the app's page in a debug build only.
        assert_eq!(is_app_page(&url("http://localhost:5173/")), cfg!(debug_assertions));
        for away in [
            "https://example.com/",
            "http://localhost:8080/admin",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "http://127.0.0.1:5173/",
        ] {
            assert!(!is_app_page(&url(away)), "{away}");
        }
    }

    #[test]
    fn a_mail_link_keeps_only_its_recipients_subject_and_body() {
        let kept = keep_only_subject_and_body(url(
            "mailto:a@example.co.jp?subject=1on1&attach=/home/me/.ssh/id_rsa&cc=x@evil.example&body=hello%20there",
        ));
        assert_eq!(kept.as_str(), "mailto:a@example.co.jp?subject=1on1&body=hello%20there");
        let plain = keep_only_subject_and_body(url("mailto:a@example.co.jp?bcc=x@evil.example"));
        assert_eq!(plain.as_str(), "mailto:a@example.co.jp");
        let web = "https://example.com/?attach=x";
        assert_eq!(
            keep_only_subject_and_body(url(web)).as_str(),
            web,
            "web links are left alone"
        );
    }

    #[test]
    fn only_web_and_mail_addresses_are_opened() {
        for refused in [
            "file:///etc/passwd",
            "javascript:alert(1)",
            "smb://server/share",
            "not a link",
        ] {
            let err = open_external(refused).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidInput, "{refused}");
        }
    }
}
