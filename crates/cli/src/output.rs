//! What the commands print: one JSON document with `--json`, plain text for people otherwise.
#![allow(clippy::print_stdout)] // printing is this module's job

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDateTime as DateTime;
use serde::Serialize;
use serde_json::{Value, json};
use taiwa_domain::DueState;
use taiwa_vault::{Action, AgendaItem, Hit, Note, Person, Session, SessionView, StatusReport, VerifyReport};

pub struct Out {
    json: bool,
}

pub fn when(at: DateTime) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn to_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

impl Out {
    pub fn new(json: bool) -> Out {
        Out { json }
    }

    fn print_json(&self, value: &Value) {
        println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
    }

    /// Prints the value as JSON or the text for people.
    fn emit(&self, value: Value, text: &str) {
        if self.json {
            self.print_json(&value);
        } else if !text.is_empty() {
            println!("{}", terminal_safe(text.trim_end()));
        }
    }

    pub fn error(&self, code: &str, message: &str) {
        if self.json {
            self.print_json(&json!({"error": {"code": code, "message": message}}));
        }
        eprintln!("taiwa: {}", terminal_safe(message));
    }

    pub fn done(&self, value: Value, text: &str) {
        self.emit(value, text);
    }

    pub fn created<T: Serialize>(&self, value: &T, _id: i64, text: &str) {
        self.emit(to_value(value), text);
    }

    pub fn recovery_key(&self, vault_id: &str, dir: &Path, key: &str) {
        let text = format!(
            "Created a vault in {}\n\n\
             Your recovery key (shown this once; write it down and keep it somewhere safe):\n\n    {key}\n\n\
             With it you can open the vault and set a new passphrase if you ever forget yours.\n\
             Nobody else can: Taiwa keeps no copy.",
            dir.display()
        );
        self.emit(json!({"vault_id": vault_id, "path": dir, "recovery_key": key}), &text);
    }

    pub fn people(&self, people: &[Person]) {
        let mut text = String::new();
        if people.is_empty() {
            text.push_str("No people yet: add one with `taiwa person add NAME`.");
        }
        for p in people {
            let mut extra = Vec::new();
            if p.relationship == taiwa_domain::Relationship::Cross {
                extra.push("cross-org".to_owned());
            }
            if let Some(org) = &p.org_unit {
                extra.push(org.clone());
            }
            if let Some(id) = &p.employee_id {
                extra.push(id.clone());
            }
            if p.archived() {
                extra.push("archived".into());
            }
            let _ = writeln!(
                text,
                "{:>5}  {}  ({}{}{})",
                p.id,
                p.name,
                p.cadence,
                if extra.is_empty() { "" } else { ", " },
                extra.join(", ")
            );
        }
        self.emit(to_value(&people), &text);
    }

    pub fn person(&self, p: &Person, sessions: &[Session], actions: &[Action]) {
        let mut text = format!("{} (person {})\n", p.name, p.id);
        let _ = writeln!(text, "  cadence: {}, relationship: {}", p.cadence, p.relationship);
        for (label, value) in [
            ("employee id", &p.employee_id),
            ("email", &p.email),
            ("org unit", &p.org_unit),
        ] {
            if let Some(v) = value {
                let _ = writeln!(text, "  {label}: {v}");
            }
        }
        if let Some(d) = p.archived_at {
            let _ = writeln!(text, "  archived on {d}");
        }
        text.push_str("\nSessions:\n");
        if sessions.is_empty() {
            text.push_str("  none yet\n");
        }
        for s in sessions {
            let _ = writeln!(text, "  {}", session_line(s));
        }
        text.push_str("\nOpen action items:\n");
        if actions.is_empty() {
            text.push_str("  none\n");
        }
        for a in actions {
            let _ = writeln!(text, "  {}", action_line(a));
        }
        self.emit(
            json!({"person": p, "sessions": sessions, "open_actions": actions, "id": p.id}),
            &text,
        );
    }

    pub fn sessions(&self, sessions: &[Session]) {
        let text: String = sessions.iter().map(|s| format!("{}\n", session_line(s))).collect();
        self.emit(
            to_value(&sessions),
            if text.is_empty() { "No sessions." } else { &text },
        );
    }

    pub fn session_view(&self, view: &SessionView) {
        let s = &view.session;
        let mut text = format!("{}\n\nAgenda:\n", session_line(s));
        if view.agenda.is_empty() {
            text.push_str("  (empty)\n");
        }
        for item in &view.agenda {
            let _ = writeln!(text, "  {}", agenda_line(item));
        }
        text.push_str("\nOpen action items:\n");
        if view.open_actions.is_empty() {
            text.push_str("  none\n");
        }
        for a in &view.open_actions {
            let _ = writeln!(text, "  {}", action_line(a));
        }
        text.push_str("\nNote:\n");
        match &view.note {
            Some(n) if !n.body.is_empty() => {
                let _ = writeln!(text, "{}", n.body);
            }
            _ => text.push_str("  (none)\n"),
        }
        let mut value = to_value(view);
        if let Some(map) = value.as_object_mut() {
            map.insert("id".into(), json!(s.id));
        }
        self.emit(value, &text);
    }

    pub fn agenda(&self, items: &[AgendaItem]) {
        let text: String = items.iter().map(|i| format!("{}\n", agenda_line(i))).collect();
        self.emit(
            to_value(&items),
            if text.is_empty() { "The agenda is empty." } else { &text },
        );
    }

    /// A text body (the career note) with its owner's id.
    pub fn text_body(&self, id: i64, body: Option<&str>) {
        if self.json {
            self.print_json(&json!({"id": id, "body": body.unwrap_or("")}));
        } else if let Some(body) = body {
            print!("{body}");
            if !body.ends_with('\n') && !body.is_empty() {
                println!();
            }
        }
    }

    pub fn topics(&self, items: &[taiwa_vault::BacklogItem]) {
        let text: String = items
            .iter()
            .map(|t| {
                let wants = t.wants.map(|w| format!(", wants: {w}")).unwrap_or_default();
                format!("{:>5}  {}  ({}{wants})\n", t.id, t.text, t.kind)
            })
            .collect();
        self.emit(
            to_value(&items),
            if text.is_empty() { "No topics waiting." } else { &text },
        );
    }

    pub fn note(&self, session_id: i64, note: Option<&Note>) {
        if self.json {
            self.print_json(&json!({
                "id": session_id,
                "session_id": session_id,
                "body": note.map(|n| n.body.as_str()).unwrap_or(""),
                "updated_at": note.map(|n| n.updated_at.as_str()),
            }));
        } else if let Some(n) = note {
            // The note exactly as stored.
            print!("{}", n.body);
            if !n.body.ends_with('\n') && !n.body.is_empty() {
                println!();
            }
        }
    }

    pub fn actions(&self, actions: &[Action]) {
        let text: String = actions.iter().map(|a| format!("{}\n", action_line(a))).collect();
        self.emit(
            to_value(&actions),
            if text.is_empty() { "No action items." } else { &text },
        );
    }

    pub fn status(&self, report: &StatusReport) {
        let s = &report.summary;
        let mut text = match s.rate {
            Some(rate) => format!(
                "{}: met {} of {} ({:.0}%)\n\n",
                report.month,
                s.met,
                s.people,
                rate * 100.0
            ),
            None => format!("{}: nobody to meet this month\n", report.month),
        };
        for p in &report.people {
            let f = &p.figures;
            // The rhythm (what is owed next); whether they were met is said apart.
            let state = match f.state {
                DueState::Clear => match f.due_by {
                    Some(d) => format!("next due {d}"),
                    None => String::new(),
                },
                DueState::Planned => format!("planned {}", f.next_planned.map(when).unwrap_or_default()),
                DueState::Due => format!("due by {}", f.due_by.map(|d| d.to_string()).unwrap_or_default()),
                DueState::Overdue => format!("overdue since {}", f.due_by.map(|d| d.to_string()).unwrap_or_default()),
                DueState::Missed => "missed".to_owned(),
            };
            let _ = writeln!(
                text,
                "{:>5}  {} {:<9} {:<7} held {}/{} ({} min)  {}",
                p.person_id,
                pad(&p.name, 24),
                p.cadence.as_str(),
                if f.met { "✓ met" } else { "not met" },
                f.held,
                f.expected,
                f.minutes,
                state
            );
        }
        self.emit(to_value(report), &text);
    }

    pub fn hits(&self, hits: &[Hit]) {
        if self.json {
            let values: Vec<Value> = hits
                .iter()
                .map(|h| {
                    let mut v = to_value(h);
                    if let Some(map) = v.as_object_mut() {
                        map.insert("snippet_text".into(), json!(h.snippet_marked("[", "]")));
                    }
                    v
                })
                .collect();
            self.print_json(&Value::Array(values));
            return;
        }
        if hits.is_empty() {
            println!("Nothing found.");
        }
        for h in hits {
            let kind = match h.kind {
                taiwa_vault::HitKind::Note => "note",
                taiwa_vault::HitKind::Agenda => "agenda",
                taiwa_vault::HitKind::Action => "action",
                taiwa_vault::HitKind::Career => "career",
                taiwa_vault::HitKind::MemberTopic => "topic",
                taiwa_vault::HitKind::MemberRequest => "asked",
            };
            let when = h.when.get(..16).unwrap_or(&h.when).replace('T', " ");
            println!(
                "{kind:<6} {:>5}  {when}  {}\n       {}",
                h.id,
                h.person_name,
                h.snippet_marked("[", "]")
            );
        }
    }

    pub fn verify(&self, report: &VerifyReport) {
        let mut text = String::new();
        let _ = writeln!(text, "key file: {}", if report.key_file_ok { "ok" } else { "DAMAGED" });
        let _ = writeln!(text, "database: {}", if report.database_ok { "ok" } else { "DAMAGED" });
        for p in &report.problems {
            let _ = writeln!(text, "  - {p}");
        }
        if self.json {
            self.print_json(
                &json!({"ok": report.ok(), "key_file_ok": report.key_file_ok, "database_ok": report.database_ok,
                "problems": report.problems, "schema_version": report.schema_version}),
            );
        } else {
            print!("{text}");
        }
    }

    pub fn export(&self, format: &str, content: &str) {
        if self.json {
            self.print_json(&json!({"format": format, "content": content}));
        } else {
            print!("{content}");
        }
    }
}

/// `text` padded with spaces to `columns` terminal columns; Japanese characters take two.
fn pad(text: &str, columns: usize) -> String {
    let wide = |c: char| {
        matches!(c, '\u{1100}'..='\u{115F}' | '\u{2E80}'..='\u{A4CF}' | '\u{AC00}'..='\u{D7A3}'
            | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF60}' | '\u{FFE0}'..='\u{FFE6}'
            | '\u{20000}'..='\u{3FFFD}')
    };
    let used: usize = text.chars().map(|c| if wide(c) { 2 } else { 1 }).sum();
    format!("{text}{}", " ".repeat(columns.saturating_sub(used)))
}

fn session_line(s: &Session) -> String {
    let state = match (s.state, s.held_minutes) {
        (taiwa_domain::SessionState::Held, Some(m)) => format!("held, {m} min"),
        (state, _) => state.to_string(),
    };
    format!("{:>5}  {}  {}  ({state})", s.id, when(s.at), s.person_name)
}

fn agenda_line(item: &AgendaItem) -> String {
    let wants = item.wants.map(|w| format!(", wants: {w}")).unwrap_or_default();
    let carried = if item.carried_from.is_some() {
        ", from last time"
    } else {
        ""
    };
    format!(
        "{:>5}  [{}] {}  ({}{wants}{carried})",
        item.id,
        if item.done { "x" } else { " " },
        item.text,
        item.kind
    )
}

fn action_line(a: &Action) -> String {
    let due = a.due_date.map(|d| format!(", due {d}")).unwrap_or_default();
    let done = a.done_date.map(|d| format!(", done {d}")).unwrap_or_default();
    format!(
        "{:>5}  [{}] {}  ({}, {}{due}{done})",
        a.id,
        if a.done_date.is_some() { "x" } else { " " },
        a.text,
        a.person_name,
        a.owner
    )
}

/// Text as it may reach a terminal: control characters (escape sequences from a server's names or
/// reasons, or typed into a note) become U+FFFD, so no text can move the cursor, retitle the
/// window or hide what comes after it. Line breaks and tabs stay. JSON output escapes them anyway.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let hostile = "佐藤\u{1b}]0;pwned\u{7}\u{1b}[2J name\r\n\tnext\u{9b}31m";
        let safe = terminal_safe(hostile);
        assert!(
            !safe.chars().any(|c| c.is_control() && c != '\n' && c != '\t'),
            "{safe:?}"
        );
        assert!(safe.starts_with("佐藤") && safe.contains("\n\tnext"), "{safe:?}");
    }
}
