//! The vault's figures (issue 11), each measured on the encrypted vault and on the same code with
//! encryption off (a plain SQLite file, reachable only through the `bench-plain` feature), and
//! reported as a ratio; percentiles from one run.

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use taiwa_domain::{Month, Zone};
use taiwa_vault::{ExportFormat, ExportOptions, Passphrase, Vault};

use crate::data::{self, Dice, Made};
use crate::{median, ms, percentile};

const PASSPHRASE: &str = "bench pass phrase for the decade";

fn zone() -> Zone {
    Zone::named("Asia/Tokyo").unwrap_or(Zone::UTC)
}

/// A vault, encrypted or plain, filled by `data::fill` with fast commits, then durable again.
fn build(
    dir: &Path,
    encrypted: bool,
    people: usize,
    months: u32,
    every_days: u64,
    detail: data::Detail,
) -> Result<(Vault, Made), String> {
    let mut vault = if encrypted {
        Vault::create(dir, &Passphrase::new(PASSPHRASE.into()), zone())
            .map_err(|e| e.to_string())?
            .0
    } else {
        Vault::create_plain(dir, zone()).map_err(|e| e.to_string())?
    };
    vault.durable_commits(false).map_err(|e| e.to_string())?;
    let made =
        data::fill(&mut vault, &mut Dice::new(11), people, months, every_days, detail).map_err(|e| e.to_string())?;
    vault.durable_commits(true).map_err(|e| e.to_string())?;
    Ok((vault, made))
}

/// Bump when `data::fill` or its vocabulary changes, so that a kept stress vault is built again
/// (the kept vaults are `NotesOnly`: a change to `Full` detail alone leaves them as they are).
const GENERATOR: u32 = 2;

/// `build`, or with `keep` the vault a previous run built in `dir` with the same generator and
/// sizes (the stress vaults take minutes to build; `made.txt` says what one holds).
fn build_or_reuse(
    dir: &Path,
    keep: bool,
    encrypted: bool,
    people: usize,
    months: u32,
    every_days: u64,
    detail: data::Detail,
) -> Result<(Vault, Made), String> {
    let header =
        format!("generator {GENERATOR}, {people} people, {months} months, every {every_days} days, {detail:?}");
    let marker = dir.join("made.txt");
    if keep && let Ok(text) = std::fs::read_to_string(&marker) {
        let mut lines = text.lines();
        let ids = |line: Option<&str>| -> Vec<i64> {
            line.unwrap_or_default()
                .split(',')
                .filter_map(|n| n.parse().ok())
                .collect()
        };
        if lines.next() == Some(header.as_str()) {
            let made = Made {
                people: ids(lines.next()),
                sessions: ids(lines.next()),
            };
            eprintln!("reusing the vault in {}", dir.display());
            return Ok((reopen(dir, encrypted)?.0, made));
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| e.to_string())?;
    }
    let (vault, made) = build(dir, encrypted, people, months, every_days, detail)?;
    if keep {
        let join = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        std::fs::write(
            &marker,
            format!("{header}\n{}\n{}\n", join(&made.people), join(&made.sessions)),
        )
        .map_err(|e| e.to_string())?;
    }
    Ok((vault, made))
}

/// `taiwa-bench make-vault DIR [--quick]`: the decade (quick: 3 people, a year), encrypted with
/// `passphrase`, for the desktop benchmark to open in the real app.
pub fn make(dir: &Path, quick: bool, passphrase: &str) -> Result<(), String> {
    let (people, months) = if quick { (3, 12) } else { (15, 120) };
    let mut vault = Vault::create(dir, &Passphrase::new(passphrase.into()), zone())
        .map_err(|e| e.to_string())?
        .0;
    vault.durable_commits(false).map_err(|e| e.to_string())?;
    let made = data::fill(&mut vault, &mut Dice::new(11), people, months, 18, data::Detail::Full)
        .map_err(|e| e.to_string())?;
    println!(
        "{} people, {} 1on1s over {months} months in {}",
        made.people.len(),
        made.sessions.len(),
        dir.display()
    );
    Ok(())
}

fn reopen(dir: &Path, encrypted: bool) -> Result<(Vault, f64), String> {
    if encrypted {
        let (vault, kdf) =
            Vault::open_timed(dir, &Passphrase::new(PASSPHRASE.into()), zone()).map_err(|e| e.to_string())?;
        Ok((vault, ms(kdf)))
    } else {
        Ok((Vault::open_plain(dir, zone()).map_err(|e| e.to_string())?, 0.0))
    }
}

fn timed(times: &mut Vec<f64>, f: impl FnOnce() -> Result<(), taiwa_vault::Error>) -> Result<(), String> {
    let t = Instant::now();
    f().map_err(|e| e.to_string())?;
    times.push(ms(t.elapsed()));
    Ok(())
}

/// The person page as the app builds it (`App::person_page`, 50 sessions and done items).
fn person_page(vault: &Vault, person: i64) -> Result<(), taiwa_vault::Error> {
    vault.person(person)?;
    vault.recent_sessions(person, 50)?;
    vault.done_actions(person, 50)?;
    vault.actions(Some(person), true)?;
    vault.backlog(person)?;
    vault.career_note(person)?;
    vault.is_private(person)?;
    Ok(())
}

/// Home as the app draws it (`taiwa_ipc::App::home`): the 12-month strip ending with this month,
/// the 1on1s coming up and those never closed, open action items, the running session, members'
/// requests for a 1on1 and the team's kept すっきり度.
fn home(vault: &Vault) -> Result<(), taiwa_vault::Error> {
    let month = Month::of(vault.today());
    vault.statuses(month.plus(-11).unwrap_or(month), month)?;
    vault.unclosed_sessions()?;
    vault.planned_sessions()?;
    vault.actions_due_by(vault.today() + chrono::Days::new(7))?;
    vault.running_session()?;
    vault.member_requests()?;
    vault.member_team_quality()?;
    Ok(())
}

struct Workload {
    save: Vec<f64>,
    home: Vec<f64>,
    person: Vec<f64>,
    session: Vec<f64>,
    /// Bytes each autosave added to the write-ahead log's file (0 once the log writes over its blocks).
    save_bytes: Vec<u64>,
}

impl Workload {
    fn new() -> Workload {
        Workload {
            save: Vec::new(),
            home: Vec::new(),
            person: Vec::new(),
            session: Vec::new(),
            save_bytes: Vec::new(),
        }
    }
}

/// One iteration of the app's workload: an autosave (and what it appended to the write-ahead
/// log), Home, a person's page, a session.
fn step(vault: &mut Vault, dir: &Path, made: &Made, i: usize, dice: &mut Dice, w: &mut Workload) -> Result<(), String> {
    let session = made.sessions[made.sessions.len() - 1 - i % 50.min(made.sessions.len())];
    let person = made.people[i % made.people.len()];
    let text = data::note(dice, 8);
    let wal = dir.join("vault.db-wal");
    let before = std::fs::metadata(&wal).map_or(0, |m| m.len());
    timed(&mut w.save, || vault.set_note(session, &text).map(drop))?;
    let after = std::fs::metadata(&wal).map_or(0, |m| m.len());
    w.save_bytes.push(after.saturating_sub(before));
    // As the app's background thread does between saves.
    vault.index_pending().map_err(|e| e.to_string())?;
    vault.checkpoint_if_due().map_err(|e| e.to_string())?;
    timed(&mut w.home, || home(vault))?;
    timed(&mut w.person, || person_page(vault, person))?;
    timed(&mut w.session, || vault.session_view(session).map(drop))?;
    Ok(())
}

fn row(out: &mut String, name: &str, enc: &[f64], plain: &[f64]) {
    let (e50, p50) = (median(enc.to_vec()), median(plain.to_vec()));
    let (e95, p95) = (percentile(enc.to_vec(), 95.0), percentile(plain.to_vec(), 95.0));
    out.push_str(&format!(
        "| {name} | {e50:.2} | {p50:.2} | {:.2} | {e95:.2} | {p95:.2} |\n",
        e50 / p50.max(1e-9)
    ));
}

/// The disk's own durable write of `bytes` (a save's size) on the vault's disk, two ways: appended
/// to a file (kept small, as the log is) and over blocks a file already has.
struct DiskProbe {
    append: std::fs::File,
    over: std::fs::File,
    block: Vec<u8>,
    writes: u64,
}

impl DiskProbe {
    fn new(dir: &Path, bytes: usize) -> Result<DiskProbe, String> {
        let io = |e: std::io::Error| e.to_string();
        let append = std::fs::File::create(dir.join("probe-append")).map_err(io)?;
        let mut over = std::fs::File::create(dir.join("probe-over")).map_err(io)?;
        let block = vec![7u8; bytes.max(1)];
        for _ in 0..256 {
            over.write_all(&block).map_err(io)?;
        }
        over.sync_all().map_err(io)?;
        Ok(DiskProbe {
            append,
            over,
            block,
            writes: 0,
        })
    }

    /// One durable write each way: (appended, over existing blocks), in ms.
    fn write(&mut self) -> Result<(f64, f64), String> {
        use std::io::{Seek, SeekFrom};
        let io = |e: std::io::Error| e.to_string();
        if self.writes.is_multiple_of(256) {
            self.append.set_len(0).map_err(io)?;
            self.append.sync_all().map_err(io)?;
        }
        let offset = (self.writes % 256) * self.block.len() as u64;
        self.writes += 1;
        let t = Instant::now();
        self.append.write_all(&self.block).map_err(io)?;
        self.append.sync_data().map_err(io)?;
        let appended = ms(t.elapsed());
        self.over.seek(SeekFrom::Start(offset)).map_err(io)?;
        let t = Instant::now();
        self.over.write_all(&self.block).map_err(io)?;
        self.over.sync_data().map_err(io)?;
        Ok((appended, ms(t.elapsed())))
    }
}

const QUERIES: &[(&str, &str)] = &[
    ("ASCII", "roadmap"),
    ("ASCII", "feedback review"),
    ("ASCII", "mentoring"),
    ("Japanese", "目標"),
    ("Japanese", "資格"),
    ("Japanese", "評価面談"),
    ("Japanese", "優先順位を一緒に整理"),
];

pub fn figures(quick: bool) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    // A decade: 15 people, 120 months, a 1on1 every 2–4 weeks (quick: 3 people, one year).
    let (people, months, iterations) = if quick { (3, 12, 10) } else { (15, 120, 1000) };
    let mut out = String::new();

    // Unlock (KDF excluded) and the app's workload, encrypted vs plain. Both vaults are built
    // first; then the two take turns, iteration by iteration (which goes first alternates), so
    // that a busy neighbour on this shared machine slows both alike.
    let dirs = [tmp.path().join("decade"), tmp.path().join("decade-plain")];
    let mut made = Vec::new();
    for (k, encrypted) in [true, false].into_iter().enumerate() {
        let (vault, m) = build(&dirs[k], encrypted, people, months, 18, data::Detail::Full)?;
        drop(vault);
        made.push(m);
    }
    let sessions = made[0].sessions.len();
    // Unlock after the key is derived: the key file read, the database opened, keyed, checked and
    // a first query, against the plain file opened and queried. The data key is unwrapped once
    // (Argon2) beforehand; right after Argon2 the same steps also pay for the memory it just
    // released (measured apart, as `after_kdf`).
    let data_key = Vault::unwrap_for_bench(&dirs[0], &Passphrase::new(PASSPHRASE.into())).map_err(|e| e.to_string())?;
    let mut unlock: [Vec<f64>; 2] = Default::default();
    for i in 0..if quick { 10 } else { 300 } {
        for k in if i % 2 == 0 { [0, 1] } else { [1, 0] } {
            let t = Instant::now();
            let vault = if k == 0 {
                Vault::open_unwrapped(&dirs[0], &data_key, zone())
            } else {
                Vault::open_plain(&dirs[1], zone())
            }
            .map_err(|e| e.to_string())?;
            vault.people(false).map_err(|e| e.to_string())?;
            unlock[k].push(ms(t.elapsed()));
        }
    }
    let mut after_kdf = Vec::new();
    for _ in 0..if quick { 2 } else { 10 } {
        let t = Instant::now();
        let (vault, kdf) = reopen(&dirs[0], true)?;
        vault.people(false).map_err(|e| e.to_string())?;
        after_kdf.push(ms(t.elapsed()) - kdf);
    }
    let mut vaults = [reopen(&dirs[0], true)?.0, reopen(&dirs[1], false)?.0];
    let mut loads = [Workload::new(), Workload::new()];
    let mut dice = [Dice::new(3), Dice::new(3)];
    for i in 0..iterations {
        for k in if i % 2 == 0 { [0, 1] } else { [1, 0] } {
            step(&mut vaults[k], &dirs[k], &made[k], i, &mut dice[k], &mut loads[k])?;
        }
    }
    drop(vaults);
    out.push_str(&format!(
        "### Unlock and the app's workload: a decade ({people} people, {months} months, {sessions} 1on1s with notes, agenda and action items), {iterations} iterations\n\n"
    ));
    out.push_str("| figure (ms) | encrypted p50 | plain p50 | ratio p50 | encrypted p95 | plain p95 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n");
    row(
        &mut out,
        "unlock, KDF excluded (open + key + first query)",
        &unlock[0],
        &unlock[1],
    );
    out.push_str(&format!(
        "| unlock right after Argon2 (the same steps, KDF time taken out) | {:.2} | | | {:.2} | |\n",
        median(after_kdf.clone()),
        percentile(after_kdf, 95.0)
    ));
    let (enc, plain) = (&loads[0], &loads[1]);
    row(&mut out, "autosave (a durable commit)", &enc.save, &plain.save);
    row(
        &mut out,
        "Home (the 12-month strip, what is planned)",
        &enc.home,
        &plain.home,
    );
    row(&mut out, "a person's page", &enc.person, &plain.person);
    row(&mut out, "open a session", &enc.session, &plain.session);
    let total = |w: &Workload| {
        w.save
            .iter()
            .chain(&w.home)
            .chain(&w.person)
            .chain(&w.session)
            .sum::<f64>()
    };
    out.push_str(&format!(
        "\nWorkload total: encrypted {:.0} ms, plain {:.0} ms, ratio **{:.3}** (goal ≤ 1.15).\n\n",
        total(enc),
        total(plain),
        total(enc) / total(plain).max(1e-9)
    ));

    // Autosave against the disk's own durable write of a save's size. A manager's session of
    // saves, each followed at once by the disk's write (so both meet the same moment of this
    // shared disk), with the app's work between saves (search entries, checkpoints) untimed.
    let grown: Vec<f64> = enc.save_bytes.iter().filter(|&&b| b > 0).map(|&b| b as f64).collect();
    let save_bytes = median(grown) as usize;
    let mut probe = DiskProbe::new(tmp.path(), save_bytes)?;
    let mut vaults = [reopen(&dirs[0], true)?.0, reopen(&dirs[1], false)?.0];
    // The encrypted saves and the disk's writes beside them, while the log grows (before the
    // first checkpoint: a save appends to the log's file) and once it has started over (a save
    // writes over the file's blocks): (save, appended, over).
    let mut growing: Vec<(f64, f64, f64)> = Vec::new();
    let mut reusing: Vec<(f64, f64, f64)> = Vec::new();
    let mut plain = Vec::new();
    let mut started_over = false;
    for i in 0..if quick { 20 } else { 1000 } {
        for k in if i % 2 == 0 { [0, 1] } else { [1, 0] } {
            let session = made[k].sessions[made[k].sessions.len() - 1 - i % 50.min(made[k].sessions.len())];
            let text = data::note(&mut dice[k], 8);
            let t = Instant::now();
            vaults[k].set_note(session, &text).map_err(|e| e.to_string())?;
            let save = ms(t.elapsed());
            vaults[k].index_pending().map_err(|e| e.to_string())?;
            if k == 1 {
                plain.push(save);
                vaults[k].checkpoint_if_due().map_err(|e| e.to_string())?;
                continue;
            }
            let (a, o) = probe.write()?;
            if started_over { &mut reusing } else { &mut growing }.push((save, a, o));
            started_over |= vaults[k].checkpoint_if_due().map_err(|e| e.to_string())?;
        }
    }
    drop(vaults);
    let p99 = |xs: Vec<f64>| percentile(xs, 99.0);
    let column = |rows: &[(f64, f64, f64)], c: usize| -> Vec<f64> { rows.iter().map(|r| [r.0, r.1, r.2][c]).collect() };
    out.push_str(&format!(
        "Autosave, {} saves of a session's note ({save_bytes} bytes each, a save's median addition to the log), \
         each followed at once by the disk's own durable write of that size; p99 (p50) in ms:\n\n\
         | saves | count | encrypted save | appended + fdatasync | ratio | over a file's blocks + fdatasync | ratio |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n",
        growing.len() + reusing.len()
    ));
    let all: Vec<(f64, f64, f64)> = growing.iter().chain(&reusing).copied().collect();
    for (name, rows) in [
        ("while the log grows (before its first checkpoint)", &growing),
        ("once the log has started over", &reusing),
        ("all", &all),
    ] {
        if rows.is_empty() {
            continue;
        }
        let (s, a, o) = (column(rows, 0), column(rows, 1), column(rows, 2));
        let (s99, a99, o99) = (p99(s.clone()), p99(a.clone()), p99(o.clone()));
        out.push_str(&format!(
            "| {name} | {} | {s99:.2} ({:.2}) | {a99:.2} ({:.2}) | **{:.2}** | {o99:.2} ({:.2}) | {:.2} |\n",
            rows.len(),
            median(s),
            median(a),
            s99 / a99.max(1e-9),
            median(o),
            s99 / o99.max(1e-9),
        ));
    }
    out.push_str(&format!(
        "\nThe same saves on the plain file: p99 {:.2} ms (p50 {:.2}). Goal: save p99 ≤ 1.2× the disk's.\n\n",
        p99(plain.clone()),
        median(plain),
    ));

    // Export of the decade.
    let dir = tmp.path().join("decade");
    let (vault, _) = reopen(&dir, true)?;
    let to = Month::of(vault.today());
    let from = to.plus(-(i32::try_from(months).unwrap_or(120) - 1)).unwrap_or(to);
    for (name, format) in [("CSV", ExportFormat::Csv), ("HTML", ExportFormat::Html)] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..if quick { 2 } else { 10 } {
            let options = ExportOptions {
                from,
                to,
                format,
                include_notes: false,
                person_id: None,
                language: taiwa_vault::ExportLanguage::Ja,
            };
            let t = Instant::now();
            size = vault.export_summary(&options).map_err(|e| e.to_string())?.len();
            times.push(ms(t.elapsed()));
        }
        out.push_str(&format!(
            "Export of {months} months to {name}: median {:.1} ms, max {:.1} ms ({size} bytes; goal ≤ 200 ms).\n",
            median(times.clone()),
            times.iter().copied().fold(0.0, f64::max)
        ));
    }
    println!("{out}");
    Ok(())
}

struct Probe {
    home: Vec<f64>,
    person: Vec<f64>,
    search: Vec<(&'static str, f64)>,
}

impl Probe {
    fn new() -> Probe {
        Probe {
            home: Vec::new(),
            person: Vec::new(),
            search: Vec::new(),
        }
    }

    /// One round not counted: it brings the file into the system's cache (a vault just built,
    /// or one another vault pushed out of it), as a manager's open vault would be.
    fn warm(vault: &Vault, made: &Made) -> Result<(), String> {
        home(vault).map_err(|e| e.to_string())?;
        for person in &made.people {
            person_page(vault, *person).map_err(|e| e.to_string())?;
        }
        for (_, query) in QUERIES {
            vault.search(query, 20).map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Round `i`: Home, a person's page and every query, timed.
    fn round(&mut self, vault: &Vault, made: &Made, i: usize) -> Result<(), String> {
        timed(&mut self.home, || home(vault))?;
        timed(&mut self.person, || {
            person_page(vault, made.people[i % made.people.len()])
        })?;
        for (group, query) in QUERIES {
            let t = Instant::now();
            let hits = vault.search(query, 20).map_err(|e| e.to_string())?;
            self.search.push((group, ms(t.elapsed())));
            if hits.is_empty() && *group == "Japanese" {
                return Err(format!(
                    "no hit for {query}: the data generator and the queries disagree"
                ));
            }
        }
        Ok(())
    }
}

fn of(search: &[(&str, f64)], group: &str) -> Vec<f64> {
    search.iter().filter(|(g, _)| *g == group).map(|(_, t)| *t).collect()
}

/// Search on 100,000 notes (ranked, snippets, top 20), encrypted and plain; and Home, a person's
/// page and search at 100,000 notes against 1,000.
///
/// With `keep`, the vaults are built in (or reused from) that directory instead of a temporary one.
pub fn search_and_scaling(quick: bool, keep: Option<&Path>) -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = keep.unwrap_or(tmp.path());
    let kept = keep.is_some();
    // 60 people, ten years, a 1on1 every 1–3 days each: about 100,000 notes (quick: about 1,000).
    // The 1,000-note vault holds the same 60 people over the same ten years, a 1on1 every 200–202
    // days each, so that the ratio measures notes, not people: Home and the search's list of
    // people show everyone.
    let (big_people, big_months, small, rounds) = if quick {
        (5, 12, (5, 12, 30), 3)
    } else {
        (60, 120, (60, 120, 200), 30)
    };
    let mut out = String::new();
    let mut vaults = Vec::new();
    for encrypted in [true, false] {
        let dir = root.join(if encrypted { "stress" } else { "stress-plain" });
        vaults.push(build_or_reuse(
            &dir,
            kept,
            encrypted,
            big_people,
            big_months,
            1,
            data::Detail::NotesOnly,
        )?);
    }
    vaults.push(build_or_reuse(
        &root.join(if quick { "small-quick" } else { "small" }),
        kept,
        true,
        small.0,
        small.1,
        small.2,
        data::Detail::NotesOnly,
    )?);
    // The same people and rhythm as the stress vault, with only the year Home shows: what ten
    // years of history add, with the months on screen as full.
    vaults.push(build_or_reuse(
        &root.join(if quick { "year-quick" } else { "year" }),
        kept,
        true,
        big_people,
        if quick { 3 } else { 13 },
        1,
        data::Detail::NotesOnly,
    )?);
    // The four vaults take turns round by round, so that this shared machine's slow moments
    // (and the system cache's) fall on all of them alike.
    let mut probes: Vec<Probe> = vaults.iter().map(|_| Probe::new()).collect();
    for (vault, made) in &vaults {
        Probe::warm(vault, made)?;
    }
    for i in 0..rounds {
        for ((vault, made), probe) in vaults.iter().zip(&mut probes) {
            probe.round(vault, made, i)?;
        }
    }
    let counts: Vec<usize> = vaults.iter().map(|(_, made)| made.sessions.len()).collect();
    let big = [(&probes[0], counts[0]), (&probes[1], counts[1])];
    let (small_probe, year_probe) = (&probes[2], &probes[3]);
    let notes = big[0].1;
    out.push_str(&format!(
        "### Search: {notes} notes (Japanese and English), ranked with snippets, top 20, {rounds} rounds of {} queries\n\n",
        QUERIES.len()
    ));
    out.push_str(
        "| queries | encrypted p50 | p95 | p99 | plain p95 | ratio p95 |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for group in ["ASCII", "Japanese"] {
        let (enc, plain) = (of(&big[0].0.search, group), of(&big[1].0.search, group));
        let e95 = percentile(enc.clone(), 95.0);
        let p95 = percentile(plain, 95.0);
        out.push_str(&format!(
            "| {group} | {:.2} | {e95:.2} | {:.2} | {p95:.2} | {:.2} |\n",
            median(enc.clone()),
            percentile(enc, 99.0),
            e95 / p95.max(1e-9)
        ));
    }
    out.push_str(&format!(
        "\nGoal: p95 ≤ 10 ms, p99 ≤ 25 ms. Queries: {}.\n\n",
        QUERIES.iter().map(|(_, q)| *q).collect::<Vec<_>>().join(", ")
    ));
    let (small_notes, year_notes) = (counts[2], counts[3]);
    out.push_str(&format!(
        "### Scaling (encrypted, p50 ms)\n\n| figure | {notes} notes | {small_notes} notes | ratio | {year_notes} notes, the same people, one year | ratio |\n| --- | ---: | ---: | ---: | ---: | ---: |\n",
    ));
    let scale = |out: &mut String, name: &str, pick: &dyn Fn(&Probe) -> Vec<f64>| {
        let (a, b, c) = (
            median(pick(big[0].0)),
            median(pick(small_probe)),
            median(pick(year_probe)),
        );
        out.push_str(&format!(
            "| {name} | {a:.2} | {b:.2} | {:.2} | {c:.2} | {:.2} |\n",
            a / b.max(1e-9),
            a / c.max(1e-9)
        ));
    };
    scale(&mut out, "Home (the 12-month strip, what is planned)", &|p| {
        p.home.clone()
    });
    scale(&mut out, "a person's page", &|p| p.person.clone());
    scale(&mut out, "search (all queries)", &|p| {
        p.search.iter().map(|(_, t)| *t).collect()
    });
    out.push_str("\nGoal: ≤ 1.2.\n");
    println!("{out}");
    Ok(())
}
