//! The completion summary: per person and month, sessions held, minutes and action items opened and
//! closed, as CSV, Markdown or HTML. Notes and agenda text appear only when asked for.

use std::fmt::Write as _;

use serde::Serialize;
use taiwa_domain::{Cadence, Month, Relationship, SessionState, month_summary};

use crate::error::{Problem, Rule};
use crate::{Error, Vault};

/// Writes an export to `path` so that no one else can read it and nothing is half-written: into
/// a temporary file with a random name beside it, created new (never following or reusing an
/// existing file) with mode 0600, synced, then renamed over `path`. A failure leaves an older
/// file at `path` whole and no temporary file behind.
pub fn write_private_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| {
            Error::invalid(
                "file",
                Rule::NotAFileName,
                format!("{} is not a file name", path.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    let suffix: String = crate::keyfile::random::<8>()?
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let tmp = dir.join(format!(".{name}.{suffix}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Markdown,
    Html,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub from: Month,
    pub to: Month,
    pub format: ExportFormat,
    pub include_notes: bool,
    /// One person only; everyone when `None`.
    pub person_id: Option<i64>,
    /// The language of the words (headings, columns, states): the UI's.
    pub language: ExportLanguage,
}

/// The language an export is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportLanguage {
    #[default]
    En,
    Ja,
}

/// An export's words in one language. Figures and the month column (`2026-04`, which sorts) are
/// the same in both.
struct Words {
    title: &'static str,
    /// Between the first and last month of a range.
    to: &'static str,
    columns: [&'static str; 9],
    notes: &'static str,
    line: &'static str,
    cross: &'static str,
    weekly: &'static str,
    biweekly: &'static str,
    monthly: &'static str,
    planned: &'static str,
    held: &'static str,
    skipped: &'static str,
    cancelled: &'static str,
}

const EN: Words = Words {
    title: "1on1 summary",
    to: " – ",
    columns: [
        "Month",
        "Person",
        "Employee id",
        "Relationship",
        "Cadence",
        "Sessions held",
        "Minutes",
        "Action items opened",
        "Action items closed",
    ],
    notes: "Agenda and notes",
    line: "Direct report",
    cross: "Cross-organisation mentee",
    weekly: "Weekly",
    biweekly: "Every two weeks",
    monthly: "Monthly",
    planned: "planned",
    held: "held",
    skipped: "skipped",
    cancelled: "cancelled",
};

const JA: Words = Words {
    title: "1on1 実施状況のまとめ",
    to: "〜",
    columns: [
        "月",
        "メンバー",
        "社員番号",
        "関係",
        "頻度",
        "実施回数",
        "時間（分）",
        "発生したアクション",
        "完了したアクション",
    ],
    notes: "アジェンダとメモ",
    line: "直属の部下",
    cross: "他部署のメンティー",
    weekly: "毎週",
    biweekly: "隔週",
    monthly: "毎月",
    planned: "予定",
    held: "実施済み",
    skipped: "見送り",
    cancelled: "中止",
};

impl ExportLanguage {
    fn words(self) -> &'static Words {
        match self {
            ExportLanguage::En => &EN,
            ExportLanguage::Ja => &JA,
        }
    }

    fn code(self) -> &'static str {
        match self {
            ExportLanguage::En => "en",
            ExportLanguage::Ja => "ja",
        }
    }

    /// A month as a heading reads it: `April 2026`, `2026年4月`.
    fn month(self, month: Month) -> String {
        let (year, number) = (month.first_day().format("%Y"), month.first_day().format("%-m"));
        match self {
            ExportLanguage::En => month.first_day().format("%B %Y").to_string(),
            ExportLanguage::Ja => format!("{year}年{number}月"),
        }
    }

    /// "Met N of M people (rate)."
    fn met(self, met: u32, people: u32, rate: Option<f64>) -> String {
        let rate = rate_text(rate);
        if people == 0 {
            return match self {
                ExportLanguage::En => "Nobody to meet in this month.".to_owned(),
                ExportLanguage::Ja => "この月に 1on1 の相手はいません。".to_owned(),
            };
        }
        match self {
            ExportLanguage::En => format!("Met {met} of {people} people ({rate})."),
            ExportLanguage::Ja => format!("{people} 人中 {met} 人と実施（{rate}）。"),
        }
    }

    fn range(self, from: Month, to: Month) -> String {
        if from == to {
            self.month(from)
        } else {
            format!("{}{}{}", self.month(from), self.words().to, self.month(to))
        }
    }
}

impl Words {
    fn relationship(&self, code: &str) -> &'static str {
        match code.parse::<Relationship>() {
            Ok(Relationship::Cross) => self.cross,
            _ => self.line,
        }
    }

    fn cadence(&self, code: &str) -> &'static str {
        match code.parse::<Cadence>() {
            Ok(Cadence::Weekly) => self.weekly,
            Ok(Cadence::Biweekly) => self.biweekly,
            _ => self.monthly,
        }
    }

    /// A session's state in brackets, as the language writes them: `(held)`, `（実施済み）`.
    fn state(&self, state: SessionState) -> String {
        let word = match state {
            SessionState::Planned => self.planned,
            SessionState::Held => self.held,
            SessionState::Skipped => self.skipped,
            SessionState::Cancelled => self.cancelled,
        };
        if word.is_ascii() {
            format!("({word})")
        } else {
            format!("（{word}）")
        }
    }
}

/// The longest range one summary covers.
const MAX_MONTHS: i32 = 120;

/// One person's figures for one month of a completion summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SummaryRow {
    pub month: Month,
    pub person: String,
    pub employee_id: String,
    pub relationship: String,
    pub cadence: String,
    pub sessions_held: u32,
    pub minutes: u32,
    pub actions_opened: u32,
    pub actions_closed: u32,
    /// Agenda and notes of the month's sessions, only with `include_notes`.
    pub notes: Vec<SessionText>,
}

/// A session's agenda and note, in a summary that includes notes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionText {
    pub at: String,
    pub state: SessionState,
    pub agenda: Vec<(bool, String)>,
    pub note: String,
}

/// A month's "met N of M" (and its rate) in a completion summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MonthTotal {
    pub month: Month,
    pub people: u32,
    pub met: u32,
    pub rate: Option<f64>,
}

/// A completion summary: per month its totals, per person and month the figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CompletionSummary {
    pub from: Month,
    pub to: Month,
    pub months: Vec<MonthTotal>,
    pub rows: Vec<SummaryRow>,
}

impl Vault {
    /// The summary from `from` to `to`, both months included, in the chosen format.
    pub fn export_summary(&self, options: &ExportOptions) -> Result<String, Error> {
        let summary = self.completion_summary(options)?;
        let (rows, totals) = (&summary.rows, &summary.months);
        Ok(match options.format {
            ExportFormat::Csv => csv(rows, options.include_notes, options.language),
            ExportFormat::Markdown => markdown(options, rows, totals),
            ExportFormat::Html => html(options, rows, totals),
        })
    }

    /// The figures of a summary (the format is not used), for a print view in the app.
    pub fn completion_summary(&self, options: &ExportOptions) -> Result<CompletionSummary, Error> {
        let span = options.from.months_until(options.to);
        if span < 0 {
            return Err(Error::invalid(
                "range",
                Rule::EndsBeforeStart,
                format!("the range ends ({}) before it starts ({})", options.to, options.from),
            ));
        }
        if span >= MAX_MONTHS {
            return Err(Problem::new(
                "range",
                Rule::RangeTooLong,
                format!(
                    "the range is {} months long; export at most {MAX_MONTHS} at a time",
                    span + 1
                ),
            )
            .limit(MAX_MONTHS)
            .into());
        }
        let today = self.today();
        let people: Vec<crate::Person> = self
            .people(true)?
            .into_iter()
            .filter(|p| options.person_id.is_none_or(|id| id == p.id))
            .collect();
        if let Some(id) = options.person_id {
            self.person(id)?;
        }
        let actions = self.actions(None, false)?;
        // Each person's sessions, read once for every month of the range.
        let mut all_sessions = Vec::with_capacity(people.len());
        for person in &people {
            let sessions = self.sessions(Some(person.id))?;
            let first = sessions.iter().map(|s| s.at.date()).min();
            all_sessions.push((sessions, first));
        }
        let mut rows = Vec::new();
        let mut totals = Vec::new();
        // A month that has not begun has no figures yet: it is not listed (a fiscal year's export
        // in its first half does not end in six months of zeros).
        let last = options.to.min(Month::of(today));
        for month in options.from.through(last) {
            let mut figures = Vec::new();
            for (person, (sessions, first)) in people.iter().zip(&all_sessions) {
                let Some(f) = self.figures(person, sessions, *first, month, today) else {
                    continue;
                };
                let theirs = actions.iter().filter(|a| a.person_id == person.id);
                // An action item agreed in a session opens in that session's month.
                let opened_in = |a: &crate::Action| {
                    a.session_id
                        .and_then(|id| sessions.iter().find(|s| s.id == id))
                        .map_or_else(|| Month::of(self.local_time(&a.created_at).date()), |s| s.month)
                };
                let opened = theirs.clone().filter(|a| opened_in(a) == month).count();
                let closed = theirs
                    .filter(|a| a.done_date.is_some_and(|d| month.contains(d)))
                    .count();
                let mut notes = Vec::new();
                if options.include_notes {
                    for s in sessions
                        .iter()
                        .filter(|s| s.month == month && s.state != SessionState::Cancelled)
                    {
                        let agenda = self.agenda(s.id)?.into_iter().map(|a| (a.done, a.text)).collect();
                        let note = self.note(s.id)?.map(|n| n.body).unwrap_or_default();
                        notes.push(SessionText {
                            at: s.at.format("%Y-%m-%d %H:%M").to_string(),
                            state: s.state,
                            agenda,
                            note,
                        });
                    }
                }
                rows.push(SummaryRow {
                    month,
                    person: person.name.clone(),
                    employee_id: person.employee_id.clone().unwrap_or_default(),
                    relationship: person.relationship.as_str().to_owned(),
                    cadence: person.cadence.as_str().to_owned(),
                    sessions_held: f.held,
                    minutes: f.minutes,
                    actions_opened: u32::try_from(opened).unwrap_or(u32::MAX),
                    actions_closed: u32::try_from(closed).unwrap_or(u32::MAX),
                    notes,
                });
                figures.push(f);
            }
            let summary = month_summary(month, &figures);
            totals.push(MonthTotal {
                month,
                people: summary.people,
                met: summary.met,
                rate: summary.rate,
            });
        }
        Ok(CompletionSummary {
            from: options.from,
            to: options.to,
            months: totals,
            rows,
        })
    }
}

fn rate_text(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".into(), |r| format!("{:.0}%", r * 100.0))
}

/// A CSV field, quoted when needed, and defused when a spreadsheet would read it as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn session_text_plain(notes: &[SessionText], words: &Words) -> String {
    let mut out = String::new();
    for s in notes {
        let _ = writeln!(out, "# {} {}", s.at, words.state(s.state));
        for (done, text) in &s.agenda {
            let _ = writeln!(out, "- [{}] {text}", if *done { "x" } else { " " });
        }
        if !s.note.is_empty() {
            let _ = writeln!(out, "{}", s.note.trim_end());
        }
    }
    out.trim_end().to_owned()
}

/// CSV for a spreadsheet: UTF-8 with a byte-order mark (so that Excel in Japanese reads it as
/// UTF-8, not Shift_JIS), CRLF lines, headings and words in the export's language.
fn csv(rows: &[SummaryRow], include_notes: bool, language: ExportLanguage) -> String {
    let words = language.words();
    let mut out = String::from("\u{feff}");
    out.push_str(&words.columns.map(csv_field).join(","));
    if include_notes {
        out.push(',');
        out.push_str(&csv_field(words.notes));
    }
    out.push_str("\r\n");
    for r in rows {
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            r.month,
            csv_field(&r.person),
            csv_field(&r.employee_id),
            words.relationship(&r.relationship),
            words.cadence(&r.cadence),
            r.sessions_held,
            r.minutes,
            r.actions_opened,
            r.actions_closed
        );
        if include_notes {
            let _ = write!(out, ",{}", csv_field(&session_text_plain(&r.notes, words)));
        }
        out.push_str("\r\n");
    }
    out
}

fn md_cell(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn markdown(options: &ExportOptions, rows: &[SummaryRow], totals: &[MonthTotal]) -> String {
    let (lang, words) = (options.language, options.language.words());
    let mut out = format!("# {} {}\n\n", words.title, lang.range(options.from, options.to));
    for t in totals {
        let _ = writeln!(
            out,
            "## {}\n\n{}\n",
            lang.month(t.month),
            lang.met(t.met, t.people, t.rate)
        );
        let c = &words.columns;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            c[1], c[2], c[5], c[6], c[7], c[8]
        );
        out.push_str("| --- | --- | ---: | ---: | ---: | ---: |\n");
        for r in rows.iter().filter(|r| r.month == t.month) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                md_cell(&r.person),
                md_cell(&r.employee_id),
                r.sessions_held,
                r.minutes,
                r.actions_opened,
                r.actions_closed
            );
        }
        out.push('\n');
        if options.include_notes {
            for r in rows.iter().filter(|r| r.month == t.month && !r.notes.is_empty()) {
                for s in &r.notes {
                    let _ = writeln!(out, "### {} — {} {}\n", md_cell(&r.person), s.at, words.state(s.state));
                    for (done, text) in &s.agenda {
                        let _ = writeln!(out, "- [{}] {}", if *done { "x" } else { " " }, md_cell(text));
                    }
                    if !s.agenda.is_empty() {
                        out.push('\n');
                    }
                    if !s.note.trim().is_empty() {
                        let _ = writeln!(out, "{}\n", s.note.trim_end());
                    }
                }
            }
        }
    }
    out
}

fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn html(options: &ExportOptions, rows: &[SummaryRow], totals: &[MonthTotal]) -> String {
    let (lang, words) = (options.language, options.language.words());
    let title = format!("{} {}", words.title, lang.range(options.from, options.to));
    let mut out = format!(
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n\
         body{{font-family:system-ui,-apple-system,\"Hiragino Sans\",\"Yu Gothic UI\",\"Noto Sans CJK JP\",sans-serif;\
         line-height:1.7;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1f2328}}\n\
         table{{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}}th,td{{border-bottom:1px solid #d0d7de;\
         padding:.35rem .6rem;text-align:left}}td.n,th.n{{text-align:right;font-variant-numeric:tabular-nums}}\n\
         pre{{white-space:pre-wrap;background:#f6f8fa;padding:.75rem;border-radius:6px}}\n</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        lang.code(),
        escape(&title),
        escape(&title)
    );
    let c = words.columns.map(escape);
    for t in totals {
        let _ = writeln!(
            out,
            "<h2>{}</h2>\n<p>{}</p>\n<table>\n<thead><tr><th>{}</th><th>{}</th>\
             <th class=\"n\">{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th>\
             <th class=\"n\">{}</th></tr></thead>\n<tbody>",
            escape(&lang.month(t.month)),
            escape(&lang.met(t.met, t.people, t.rate)),
            c[1],
            c[2],
            c[5],
            c[6],
            c[7],
            c[8]
        );
        for r in rows.iter().filter(|r| r.month == t.month) {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&r.person),
                escape(&r.employee_id),
                r.sessions_held,
                r.minutes,
                r.actions_opened,
                r.actions_closed
            );
        }
        out.push_str("</tbody>\n</table>\n");
        if options.include_notes {
            for r in rows.iter().filter(|r| r.month == t.month) {
                for s in &r.notes {
                    let _ = writeln!(
                        out,
                        "<h3>{} — {} {}</h3>",
                        escape(&r.person),
                        escape(&s.at),
                        words.state(s.state)
                    );
                    if !s.agenda.is_empty() {
                        out.push_str("<ul>\n");
                        for (done, text) in &s.agenda {
                            let _ = writeln!(out, "<li>{} {}</li>", if *done { "☑" } else { "☐" }, escape(text));
                        }
                        out.push_str("</ul>\n");
                    }
                    if !s.note.trim().is_empty() {
                        let _ = writeln!(out, "<pre>{}</pre>", escape(s.note.trim_end()));
                    }
                }
            }
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("佐藤, 花子"), "\"佐藤, 花子\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("plain"), "plain");
    }

    #[test]
    fn html_escapes_everything_typed() {
        assert_eq!(
            escape("<script>alert('x')</script> & \""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
    }
}
