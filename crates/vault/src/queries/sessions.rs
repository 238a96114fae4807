//! 1on1 sessions: planned, then held, skipped or cancelled.

use chrono::{NaiveDateTime as DateTime, Timelike};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use taiwa_domain::{
    AgendaFacts, MAX_SESSION_MINUTES, Month, MonthFacts, SessionFacts, SessionState, carry_over, previous_session,
};

use super::actions::Action;
use super::agenda::AgendaItem;
use super::notes::Note;
use super::{clean_text, datetime_text, found, parsed, parsed_opt};
use crate::error::{Problem, Rule};
use crate::{Error, Vault};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Session {
    pub id: i64,
    pub person_id: i64,
    pub person_name: String,
    /// Local date and time on the calendar of `time_zone`.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: DateTime,
    pub time_zone: String,
    /// The month the session counts in: its local date's.
    pub month: Month,
    pub planned_minutes: u32,
    pub state: SessionState,
    pub held_minutes: Option<u32>,
    /// Why it was skipped or cancelled: private, never sent anywhere.
    pub reason: Option<String>,
    /// Seconds the session's clock has run, up to the moment this was read.
    pub clock_seconds: u32,
    /// Whether the clock is running now (the session is in progress).
    pub clock_running: bool,
    /// When its clock first ran (local time), which dates it once held.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub started_at: Option<DateTime>,
}

impl Session {
    pub(crate) fn facts(&self) -> SessionFacts {
        SessionFacts {
            at: self.at,
            state: self.state,
            minutes: self.held_minutes.unwrap_or(0),
        }
    }
}

/// Everything on one session's page.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionView {
    pub session: Session,
    pub agenda: Vec<AgendaItem>,
    pub note: Option<Note>,
    /// The person's action items still open, made before or in this session.
    pub open_actions: Vec<Action>,
    /// The last held session before this one, with its note: what was said last time.
    pub last_time: Option<LastTime>,
    /// The person's career note, beside the agenda while preparing.
    pub career_note: Option<super::career::CareerNote>,
}

/// The previous held session of a session's person, for preparing the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LastTime {
    pub session_id: i64,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: DateTime,
    pub note: Option<String>,
}

/// The person's name comes from a subquery, not a join: with SQLite's STAT4 (on in SQLCipher's
/// build) a statement that joins tables is prepared again whenever a bound value changes, one
/// with a subquery is not (measured with `StatementStatus::RePrepare`).
const SELECT: &str = "SELECT s.id, s.person_id, (SELECT p.name FROM people p WHERE p.id = s.person_id), s.planned_at,
    s.time_zone, s.planned_minutes, s.state, s.held_minutes, s.reason, s.clock_seconds, s.clock_started_at,
    s.clock_first_started_at FROM sessions s";

/// Seconds from a stored UTC instant to now (0 if it cannot be read or lies ahead).
fn seconds_since(stamp: &str) -> u32 {
    stamp
        .parse::<chrono::DateTime<chrono::Utc>>()
        .map(|start| (chrono::Utc::now() - start).num_seconds().clamp(0, i64::from(u32::MAX)))
        .map_or(0, |s| u32::try_from(s).unwrap_or(u32::MAX))
}

fn from_row(row: &Row<'_>) -> rusqlite::Result<Session> {
    let at: DateTime = parsed(row, 3)?;
    let clock_seconds: u32 = row.get(9)?;
    let started: Option<String> = row.get(10)?;
    Ok(Session {
        id: row.get(0)?,
        person_id: row.get(1)?,
        person_name: row.get(2)?,
        at,
        time_zone: row.get(4)?,
        month: Month::of(at.date()),
        planned_minutes: row.get(5)?,
        state: parsed(row, 6)?,
        held_minutes: row.get(7)?,
        reason: row.get(8)?,
        clock_seconds: clock_seconds.saturating_add(started.as_deref().map_or(0, seconds_since)),
        clock_running: started.is_some(),
        started_at: parsed_opt(row, 11)?,
    })
}

fn check_minutes(minutes: u32) -> Result<u32, Error> {
    if minutes == 0 || minutes > MAX_SESSION_MINUTES {
        return Err(Problem::new(
            "minutes",
            Rule::OutOfRange,
            format!("{minutes} minutes is not a session length: use 1 to {MAX_SESSION_MINUTES} minutes"),
        )
        .limit(MAX_SESSION_MINUTES)
        .value(minutes)
        .into());
    }
    Ok(minutes)
}

pub(crate) fn load(conn: &Connection, id: i64) -> Result<Session, Error> {
    found(
        conn.prepare_cached(&format!("{SELECT} WHERE s.id = ?1"))
            .and_then(|mut stmt| stmt.query_row([id], from_row)),
        "session",
        id,
    )
}

pub(crate) fn of_person(conn: &Connection, person_id: Option<i64>) -> Result<Vec<Session>, Error> {
    // One statement for each case, as for action items: an `OR` on the parameter read every
    // session, one person's too.
    let filter = if person_id.is_some() {
        "WHERE s.person_id = ?1"
    } else {
        "WHERE ?1 IS NULL"
    };
    let mut stmt = conn.prepare_cached(&format!("{SELECT} {filter} ORDER BY s.planned_at, s.id"))?;
    let rows = stmt.query_map([person_id], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// What `month`'s figures need of everyone's sessions (`MonthFacts`) as seen on `today`, from
/// counts kept on write and indexes, so that its cost follows the people, not their sessions: each person's held
/// sessions in the month counted with their minutes (`held_months`), and for this month and
/// later, their last held one up to the horizon (`sessions_held`) and the first one planned in the
/// month from today (`sessions_planned`).
pub(crate) fn month_facts(
    conn: &Connection,
    month: Month,
    today: chrono::NaiveDate,
) -> Result<std::collections::HashMap<i64, MonthFacts>, Error> {
    let end = super::date_text(month.last_day() + chrono::Days::new(1));
    let mut facts: std::collections::HashMap<i64, MonthFacts> = std::collections::HashMap::new();
    // Kept on write by triggers (vault migration 14): one row per person and month.
    let mut held = conn.prepare_cached("SELECT person_id, held, minutes FROM held_months WHERE month = ?1")?;
    let mut rows = held.query([month.to_string()])?;
    while let Some(row) = rows.next()? {
        let entry = facts.entry(row.get(0)?).or_default();
        entry.held = row.get(1)?;
        entry.minutes = row.get(2)?;
    }
    if month < Month::of(today) {
        return Ok(facts);
    }
    let horizon = today.max(month.first_day()).min(month.last_day());
    // Each person's last held session, kept on write (migration 13); only when it lies after
    // the horizon (held ahead of time, or a month looked at before it) is the index asked for
    // the last one up to the horizon.
    let until = super::date_text(horizon + chrono::Days::new(1));
    let mut kept =
        conn.prepare_cached("SELECT person_id, last_held_at FROM person_sessions WHERE last_held_at IS NOT NULL")?;
    let mut before = conn.prepare_cached(
        "SELECT max(planned_at) FROM sessions INDEXED BY sessions_held
         WHERE person_id = ?1 AND state = 'held' AND planned_at < ?2",
    )?;
    let mut rows = kept.query([])?;
    while let Some(row) = rows.next()? {
        let person: i64 = row.get(0)?;
        let mut at: Option<DateTime> = Some(parsed(row, 1)?);
        if at.is_some_and(|at| at.date() > horizon) {
            at = before.query_row(params![person, until], |r| parsed_opt(r, 0))?;
        }
        if let Some(at) = at {
            facts.entry(person).or_default().last_held = Some(at.date());
        }
    }
    let mut next = conn.prepare_cached(
        "SELECT s.person_id, min(s.planned_at) FROM sessions s INDEXED BY sessions_planned
         WHERE s.state = 'planned' AND s.planned_at >= ?1 AND s.planned_at < ?2 GROUP BY s.person_id",
    )?;
    let mut rows = next.query(params![super::date_text(today.max(month.first_day())), end])?;
    while let Some(row) = rows.next()? {
        facts.entry(row.get(0)?).or_default().next_planned = Some(parsed(row, 1)?);
    }
    Ok(facts)
}

/// Each person's first session date.
pub(crate) fn first_dates(conn: &Connection) -> Result<std::collections::HashMap<i64, chrono::NaiveDate>, Error> {
    // Kept on write (migration 13): one small table, not an index page a person.
    let mut stmt = conn.prepare_cached("SELECT person_id, first_at FROM person_sessions WHERE first_at IS NOT NULL")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|row| match row {
            Ok((id, at)) => at.get(..10).and_then(|d| d.parse().ok()).map(|d| Ok((id, d))),
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Copies the open agenda items of the session before `session` into it, once. Only a session
/// still to come receives them, and only from one that has happened (held or skipped): items of a
/// session not held yet may still be ticked off in it.
pub(crate) fn carry_into(conn: &Connection, session: &Session, today: chrono::NaiveDate) -> Result<(), Error> {
    if session.state != SessionState::Planned {
        return Ok(());
    }
    // Only the person's next session takes the backlog: the earliest planned one from today on.
    let next_planned: Option<i64> = conn
        .query_row(
            "SELECT id FROM sessions WHERE person_id = ?1 AND state = 'planned' AND planned_at >= ?2
             ORDER BY planned_at, id LIMIT 1",
            params![session.person_id, super::date_text(today)],
            |r| r.get(0),
        )
        .optional()?;
    if next_planned == Some(session.id) {
        super::career::move_backlog_into(conn, session.person_id, session.id)?;
    }
    // The one session `previous_session` can choose, through sessions_by_person: planning after
    // ten years read every one of the person's sessions.
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE s.person_id = ?1 AND s.state != 'cancelled'
           AND (s.planned_at < ?2 OR (s.planned_at = ?2 AND s.id < ?3))
         ORDER BY s.planned_at DESC, s.id DESC LIMIT 1"
    ))?;
    let theirs: Vec<(i64, DateTime, SessionState)> = stmt
        .query_map(
            params![session.person_id, datetime_text(session.at), session.id],
            from_row,
        )?
        .map(|s| s.map(|s| (s.id, s.at, s.state)))
        .collect::<Result<_, _>>()?;
    let Some(prev_id) = previous_session(&theirs, session.id, session.at) else {
        return Ok(());
    };
    let prev_state = theirs.iter().find(|s| s.0 == prev_id).map(|s| s.2);
    if !matches!(prev_state, Some(SessionState::Held | SessionState::Skipped)) {
        return Ok(());
    }
    let facts = |session_id: i64| -> Result<Vec<AgendaFacts>, Error> {
        let mut stmt = conn.prepare_cached("SELECT id, done, carried_from FROM agenda_items WHERE session_id = ?1")?;
        let rows = stmt
            .query_map([session_id], |r| {
                Ok(AgendaFacts {
                    id: r.get(0)?,
                    done: r.get(1)?,
                    carried_from: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    };
    let declined: Vec<i64> = conn
        .prepare_cached("SELECT carried_from FROM agenda_declined WHERE session_id = ?1")?
        .query_map([session.id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for item in carry_over(&facts(prev_id)?, &facts(session.id)?, &declined) {
        let from = super::agenda::load(conn, item)?;
        let copy = super::agenda::NewAgendaItem {
            text: from.text,
            kind: from.kind,
            wants: from.wants,
        };
        super::agenda::insert(conn, session.id, &copy, Some(item))?;
    }
    Ok(())
}

impl Vault {
    /// Plans a session with a person at a local time in the vault's time zone.
    pub fn plan_session(&mut self, person_id: i64, at: DateTime, minutes: u32) -> Result<Session, Error> {
        let minutes = check_minutes(minutes)?;
        let person = self.person(person_id)?;
        if person.archived() {
            return Err(Problem::new(
                "person",
                Rule::Archived,
                format!("{} is archived: unarchive them to plan a session", person.name),
            )
            .value(&person.name)
            .into());
        }
        let zone = self.time_zone().iana_name().unwrap_or("local").to_owned();
        let today = self.today();
        let id = self.write(|tx| {
            let now = crate::now_stamp();
            tx.execute(
                "INSERT INTO sessions (person_id, planned_at, time_zone, planned_minutes, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                params![person_id, datetime_text(at), zone, minutes, now],
            )?;
            let id = tx.last_insert_rowid();
            carry_into(tx, &load(tx, id)?, today)?;
            Ok(id)
        })?;
        self.session(id)
    }

    pub fn session(&self, id: i64) -> Result<Session, Error> {
        load(self.conn(), id)
    }

    /// Sessions in time order, of one person or everyone.
    pub fn sessions(&self, person_id: Option<i64>) -> Result<Vec<Session>, Error> {
        if let Some(id) = person_id {
            self.person(id)?;
        }
        of_person(self.conn(), person_id)
    }

    /// How many sessions each person had skipped or cancelled in each month from `first` through
    /// `last`: the trace a month without a 1on1 leaves on Home's strip.
    pub fn not_held_counts(
        &self,
        first: Month,
        last: Month,
    ) -> Result<std::collections::HashMap<(i64, Month), u32>, Error> {
        let end = last
            .next()
            .map_or_else(|| "9999".to_owned(), |m| m.first_day().to_string());
        let mut stmt = self.conn().prepare_cached(
            "SELECT person_id, substr(planned_at, 1, 7), count(*) FROM sessions
             WHERE state IN ('skipped', 'cancelled') AND planned_at >= ?1 AND planned_at < ?2
             GROUP BY person_id, substr(planned_at, 1, 7)",
        )?;
        let rows = stmt.query_map(params![first.first_day().to_string(), end], |r| {
            Ok((r.get::<_, i64>(0)?, parsed::<Month>(r, 1)?, r.get::<_, u32>(2)?))
        })?;
        let mut counts = std::collections::HashMap::new();
        for row in rows {
            let (person, month, count) = row?;
            counts.insert((person, month), count);
        }
        Ok(counts)
    }

    /// Every session still planned, earliest first: what is coming up and what was never
    /// closed. Read through an index of planned sessions alone (migration 11), so its cost
    /// follows how many are planned, not the years of history.
    pub fn planned_sessions(&self) -> Result<Vec<Session>, Error> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE s.state = 'planned' ORDER BY s.planned_at, s.id"
        ))?;
        let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A person's latest sessions, newest first, at most `limit`, and how many they have in all:
    /// a person's page costs the same after ten years as after one.
    pub fn recent_sessions(&self, person_id: i64, limit: u32) -> Result<(Vec<Session>, u32), Error> {
        self.person(person_id)?;
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE s.person_id = ?1 ORDER BY s.planned_at DESC, s.id DESC LIMIT ?2"
        ))?;
        let rows = stmt
            .query_map(params![person_id, limit], from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        // Kept on write by triggers (vault migration 13): counting read all the person's entries.
        let total: u32 = self
            .conn()
            .query_row(
                "SELECT sessions FROM person_sessions WHERE person_id = ?1",
                [person_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        Ok((rows, total))
    }

    /// Opens a session to work on it: first the carry-over step (last time's open items and the
    /// topics for next time come onto a planned session's agenda), then its view.
    pub fn open_session(&mut self, id: i64) -> Result<SessionView, Error> {
        self.carry_over(id)?;
        self.session_view(id)
    }

    /// The carry-over step, on its own: copies last time's open agenda items into a planned
    /// session once, and moves the person's topics onto their next planned session.
    pub fn carry_over(&mut self, id: i64) -> Result<(), Error> {
        let session = self.session(id)?;
        let today = self.today();
        self.write(|tx| carry_into(tx, &session, today))
    }

    /// The session as it is stored (reading changes nothing): agenda, note, open action items,
    /// last time's note and the career note.
    pub fn session_view(&self, id: i64) -> Result<SessionView, Error> {
        let session = self.session(id)?;
        let agenda = self.agenda(id)?;
        let note = self.note(id)?;
        let open_actions = self.open_actions_for(&session)?;
        // The person's last held session before this one, through sessions_by_person (not every
        // session of the person's years).
        let mut stmt = self.conn().prepare_cached(&format!(
            "{SELECT} WHERE s.person_id = ?1 AND s.state = 'held'
               AND (s.planned_at < ?2 OR (s.planned_at = ?2 AND s.id < ?3))
             ORDER BY s.planned_at DESC, s.id DESC LIMIT 1"
        ))?;
        let last: Option<Session> = stmt
            .query_row(
                params![session.person_id, datetime_text(session.at), session.id],
                from_row,
            )
            .optional()?;
        let last_time = last
            .map(|s| -> Result<LastTime, Error> {
                Ok(LastTime {
                    session_id: s.id,
                    at: s.at,
                    note: self.note(s.id)?.map(|n| n.body),
                })
            })
            .transpose()?;
        let career_note = self.career_note(session.person_id)?;
        Ok(SessionView {
            session,
            agenda,
            note,
            open_actions,
            last_time,
            career_note,
        })
    }

    /// Marks the session held, for `minutes` (default: as planned). Also corrects the minutes of a
    /// session already held.
    pub fn hold_session(&mut self, id: i64, minutes: Option<u32>) -> Result<Session, Error> {
        self.hold_session_at(id, minutes, None)
    }

    /// Marks the session held, dated when it was held: `at` when given (it cannot lie ahead of
    /// now), else the moment its clock first ran, else its planned time or now, whichever is
    /// earlier (a session planned for the 3rd and held on the 2nd counts on the 2nd, in its
    /// month). The planned time it replaces is kept for `reopen_session`.
    pub fn hold_session_at(&mut self, id: i64, minutes: Option<u32>, at: Option<DateTime>) -> Result<Session, Error> {
        let session = self.session(id)?;
        let minutes = check_minutes(minutes.unwrap_or(session.planned_minutes))?;
        let now = self.now_local();
        if let Some(at) = at
            && at > now
        {
            return Err(Problem::new(
                "held_at",
                Rule::OutOfRange,
                format!("a session cannot be held later than now ({at} is ahead)"),
            )
            .value(datetime_text(at))
            .into());
        }
        let held_at = at.or(session.started_at).unwrap_or_else(|| session.at.min(now));
        let held_at = held_at.with_nanosecond(0).unwrap_or(held_at);
        self.set_state(id, SessionState::Held, Some(minutes), None, When::HeldAt(held_at))
    }

    /// Marks the session skipped, with a private reason.
    pub fn skip_session(&mut self, id: i64, reason: &str) -> Result<Session, Error> {
        let reason = clean_text("reason", reason, 2000, true)?;
        self.session(id)?;
        self.set_state(id, SessionState::Skipped, None, Some(reason), When::Keep)
    }

    /// Cancels the session, optionally with a private reason.
    pub fn cancel_session(&mut self, id: i64, reason: Option<&str>) -> Result<Session, Error> {
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .map(|r| clean_text("reason", r, 2000, true))
            .transpose()?;
        self.session(id)?;
        self.set_state(id, SessionState::Cancelled, None, reason, When::Keep)
    }

    /// Planned sessions whose time is over and that were never closed (held, skipped or
    /// cancelled), oldest first: until they are, the month's figure may be too low. A session in
    /// progress is not among them, however long it runs.
    pub fn unclosed_sessions(&self) -> Result<Vec<Session>, Error> {
        let now = self.now_local();
        Ok(self
            .planned_sessions()?
            .into_iter()
            .filter(|s| {
                s.state == SessionState::Planned
                    && !s.clock_running
                    && s.at
                        .checked_add_signed(chrono::Duration::minutes(i64::from(s.planned_minutes)))
                        .unwrap_or(s.at)
                        <= now
            })
            .collect())
    }

    /// Deletes a session entered by mistake, with its agenda and note; its action items stay with
    /// the person. Deleting a held session changes its month's figure, which is queued for the sync.
    pub fn delete_session(&mut self, id: i64) -> Result<(), Error> {
        let session = self.session(id)?;
        self.write(|tx| {
            if session.state == SessionState::Held {
                super::sync::queue_session(tx, &session)?;
            }
            remove_contents(tx, id)?;
            tx.execute("UPDATE action_items SET session_id = NULL WHERE session_id = ?1", [id])?;
            tx.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
            Ok(())
        })
    }

    /// Moves a session to another time or length; only a planned one.
    pub fn reschedule_session(&mut self, id: i64, at: DateTime, minutes: Option<u32>) -> Result<Session, Error> {
        let session = self.session(id)?;
        if session.state != SessionState::Planned {
            return Err(Problem::new(
                "session",
                Rule::WrongState,
                format!("session {id} is {}: only a planned session can be moved", session.state),
            )
            .value(session.state)
            .into());
        }
        let minutes = check_minutes(minutes.unwrap_or(session.planned_minutes))?;
        self.write(|tx| {
            tx.execute(
                "UPDATE sessions SET planned_at = ?2, planned_minutes = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, datetime_text(at), minutes, crate::now_stamp()],
            )?;
            Ok(())
        })?;
        self.session(id)
    }

    /// Starts (or resumes) the clock of a planned session: it is in progress. Another session's
    /// running clock is paused, since a manager holds one 1on1 at a time.
    pub fn start_clock(&mut self, id: i64) -> Result<Session, Error> {
        let session = self.session(id)?;
        if session.state != SessionState::Planned {
            return Err(Problem::new(
                "session",
                Rule::WrongState,
                format!(
                    "session {id} is {}: only a planned session can be started",
                    session.state
                ),
            )
            .value(session.state)
            .into());
        }
        if session.clock_running {
            return Ok(session);
        }
        let local_now = datetime_text(self.now_local());
        self.write(|tx| {
            let others: Vec<i64> = tx
                .prepare("SELECT id FROM sessions WHERE clock_started_at IS NOT NULL AND id != ?1")?
                .query_map([id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for other in others {
                stop_clock(tx, other)?;
            }
            tx.execute(
                "UPDATE sessions SET clock_started_at = ?2, clock_first_started_at = coalesce(clock_first_started_at, ?3)
                 WHERE id = ?1",
                params![id, crate::now_stamp(), local_now],
            )?;
            Ok(())
        })?;
        self.session(id)
    }

    /// Pauses the session's clock, keeping the seconds run so far.
    pub fn pause_clock(&mut self, id: i64) -> Result<Session, Error> {
        self.session(id)?;
        self.write(|tx| stop_clock(tx, id))?;
        self.session(id)
    }

    /// The session in progress (its clock running), if any.
    pub fn running_session(&self) -> Result<Option<Session>, Error> {
        let id: Option<i64> = self
            .conn()
            .query_row(
                "SELECT id FROM sessions WHERE clock_started_at IS NOT NULL ORDER BY clock_started_at DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        id.map(|id| self.session(id)).transpose()
    }

    /// Takes a closed session back to planned (an undo of held, skipped or cancelled); its reason
    /// is kept, to be read back. Taking back a held session changes its month's figure.
    pub fn reopen_session(&mut self, id: i64) -> Result<Session, Error> {
        let session = self.session(id)?;
        self.set_state(id, SessionState::Planned, None, session.reason, When::AsPlanned)
    }

    fn set_state(
        &mut self,
        id: i64,
        state: SessionState,
        minutes: Option<u32>,
        reason: Option<String>,
        when: When,
    ) -> Result<Session, Error> {
        self.write(|tx| {
            let before = load(tx, id)?;
            // Holding, un-holding and changing held minutes change the month's figure: queue it
            // for the sync in this same transaction (and the month it moves to, below).
            if before.state == SessionState::Held || state == SessionState::Held {
                super::sync::queue_session(tx, &before)?;
            }
            match when {
                When::Keep => {}
                When::HeldAt(at) if at == before.at => {}
                When::HeldAt(at) => {
                    tx.execute(
                        "UPDATE sessions SET scheduled_at = coalesce(scheduled_at, planned_at), planned_at = ?2
                         WHERE id = ?1",
                        params![id, datetime_text(at)],
                    )?;
                }
                When::AsPlanned => {
                    tx.execute(
                        "UPDATE sessions SET planned_at = scheduled_at, scheduled_at = NULL
                         WHERE id = ?1 AND scheduled_at IS NOT NULL",
                        [id],
                    )?;
                }
            }
            tx.execute(
                "UPDATE sessions SET state = ?2, held_minutes = ?3, reason = ?4, updated_at = ?5 WHERE id = ?1",
                params![id, state.as_str(), minutes, reason, crate::now_stamp()],
            )?;
            if state != SessionState::Planned {
                stop_clock(tx, id)?;
            }
            let after = load(tx, id)?;
            if after.state == SessionState::Held && after.month != before.month {
                super::sync::queue_session(tx, &after)?;
            }
            Ok(())
        })?;
        self.session(id)
    }
}

/// What a change of state does to a session's date.
#[derive(Debug, Clone, Copy)]
enum When {
    Keep,
    /// Held at this local time (the planned time is kept for undo).
    HeldAt(DateTime),
    /// Back to the time it was planned for, if holding moved it.
    AsPlanned,
}

/// Stops a session's clock, adding the seconds since it started to those already run.
fn stop_clock(conn: &Connection, id: i64) -> Result<(), Error> {
    let started: Option<String> = conn.query_row("SELECT clock_started_at FROM sessions WHERE id = ?1", [id], |r| {
        r.get(0)
    })?;
    if let Some(started) = started {
        conn.execute(
            "UPDATE sessions SET clock_seconds = clock_seconds + ?2, clock_started_at = NULL WHERE id = ?1",
            params![id, seconds_since(&started)],
        )?;
    }
    Ok(())
}

/// Removes a session's agenda items and note with their search entries (items carried from them
/// lose the link); the session row itself stays for the caller to delete.
pub(crate) fn remove_contents(tx: &rusqlite::Transaction<'_>, session: i64) -> Result<(), Error> {
    let items: Vec<i64> = tx
        .prepare("SELECT id FROM agenda_items WHERE session_id = ?1")?
        .query_map([session], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for item in items {
        tx.execute(
            "UPDATE agenda_items SET carried_from = NULL WHERE carried_from = ?1",
            [item],
        )?;
        crate::search::remove(tx, crate::HitKind::Agenda, item)?;
    }
    tx.execute("DELETE FROM agenda_items WHERE session_id = ?1", [session])?;
    tx.execute("DELETE FROM agenda_declined WHERE session_id = ?1", [session])?;
    tx.execute("DELETE FROM member_summaries WHERE session_id = ?1", [session])?;
    crate::search::remove(tx, crate::HitKind::Note, session)?;
    tx.execute("DELETE FROM notes WHERE session_id = ?1", [session])?;
    Ok(())
}
