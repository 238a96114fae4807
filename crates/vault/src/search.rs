//! Full-text search inside the encrypted file, Japanese included.
//!
//! FTS5's `unicode61` tokenizer keeps a run of kanji and kana as one token, and `trigram` cannot
//! match a query shorter than three characters, yet many Japanese words have two (転職, 評価, 異動).
//! So text is prepared before it is indexed: NFKC-normalised (full-width Latin becomes ASCII,
//! half-width kana becomes full-width), and each run of Japanese (or other CJK) characters written
//! as its overlapping two-character tokens plus its last character alone: 転職の相談 →
//! `転職 職の の相 相談 談`. A query is prepared the same way and matched as a phrase, so a
//! two-character word matches one token, a longer one a run of consecutive tokens, and a single
//! character matches as a prefix. Latin words stay whole and match by prefix (`eval` finds
//! `evaluation`). Snippets are cut from the original text, with the matches marked.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::Error;
use crate::error::Rule;

mod rank;

/// What a search hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    Note,
    Agenda,
    Action,
    /// A person's career note (`id` is the person's).
    Career,
    /// A topic the member sent from their page, new, taken or withdrawn.
    MemberTopic,
    /// The note of a member's request for a 1on1.
    MemberRequest,
}

/// How many kinds the index's numbering has room for: an entry's rowid is `seq * KINDS + kind`
/// (migration 21), so a search narrowed to one kind filters on the rowid alone.
const KINDS: i64 = 16;

impl HitKind {
    const ALL: [HitKind; 6] = [
        HitKind::Career,
        HitKind::Note,
        HitKind::Agenda,
        HitKind::Action,
        HitKind::MemberTopic,
        HitKind::MemberRequest,
    ];

    /// The kind's number in the index (below `KINDS`); never changed once given.
    fn code(self) -> i64 {
        match self {
            HitKind::Career => 0,
            HitKind::Note => 1,
            HitKind::Agenda => 2,
            HitKind::Action => 3,
            HitKind::MemberTopic => 4,
            HitKind::MemberRequest => 5,
        }
    }

    fn from_code(code: i64) -> Option<HitKind> {
        HitKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The index's rowid of entry number `seq` of this kind.
    fn row(self, seq: i64) -> i64 {
        seq * KINDS + self.code()
    }
}

/// Where what a member sent stands, on hits of their topics and requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HitState {
    /// A topic not yet on an agenda, or a request This month still shows.
    Open,
    /// A topic the manager took into an agenda.
    Taken,
    /// A topic the member took back before it was taken.
    Withdrawn,
    /// A request the manager marked done.
    Answered,
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3005}'..='\u{3007}'            // 々 〆 〇
        | '\u{3041}'..='\u{309F}'          // hiragana
        | '\u{30A1}'..='\u{30FA}'          // katakana (not the middle dot ・)
        | '\u{30FC}'..='\u{30FF}'          // ー and katakana iteration marks
        | '\u{31F0}'..='\u{31FF}'          // small katakana extensions
        | '\u{3400}'..='\u{4DBF}'          // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'          // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'          // hangul syllables
        | '\u{F900}'..='\u{FAFF}'          // compatibility ideographs
        | '\u{20000}'..='\u{3134F}') // extensions B–H
}

/// One piece of prepared text: a CJK run or anything else.
enum Piece {
    Cjk(Vec<char>),
    Other(String),
}

fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    for c in text.nfkc() {
        match (is_cjk(c), out.last_mut()) {
            (true, Some(Piece::Cjk(run))) => run.push(c),
            (true, _) => out.push(Piece::Cjk(vec![c])),
            (false, Some(Piece::Other(s))) => s.push(c),
            (false, _) => out.push(Piece::Other(c.to_string())),
        }
    }
    out
}

fn push_bigrams(out: &mut String, run: &[char], with_last: bool) {
    for pair in run.windows(2) {
        out.push(' ');
        out.extend(pair);
        out.push(' ');
    }
    if (with_last || run.len() == 1)
        && let Some(last) = run.last()
    {
        out.push(' ');
        out.push(*last);
        out.push(' ');
    }
}

/// The text as it is stored in the index.
pub(crate) fn index_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for piece in pieces(text) {
        match piece {
            Piece::Cjk(run) => push_bigrams(&mut out, &run, true),
            Piece::Other(s) => out.push_str(&s),
        }
    }
    out
}

/// One word of a query as the index holds it: a run of tokens that must follow each other, the
/// last one matched as a prefix when `prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Phrase {
    tokens: Vec<String>,
    prefix: bool,
}

/// The words of what a person typed, each prepared like indexed text; empty if nothing searchable
/// was typed.
pub(crate) fn phrases(query: &str) -> Vec<Phrase> {
    let mut out = Vec::new();
    for word in query.split_whitespace() {
        let parts = pieces(word);
        let mut phrase = String::new();
        let count = parts.len();
        let mut prefix = false;
        for (i, piece) in parts.iter().enumerate() {
            let last = i + 1 == count;
            match piece {
                // The word's last CJK run may end mid-run in the text: leave out its lone last char.
                Piece::Cjk(run) => {
                    push_bigrams(&mut phrase, run, !last);
                    prefix = last && run.len() == 1;
                }
                Piece::Other(s) => {
                    let searchable: String = s.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect();
                    phrase.push(' ');
                    phrase.push_str(&searchable);
                    prefix = last && s.chars().last().is_some_and(char::is_alphanumeric);
                }
            }
        }
        let tokens: Vec<String> = phrase.split_whitespace().map(str::to_owned).collect();
        if !tokens.is_empty() {
            out.push(Phrase { tokens, prefix });
        }
    }
    out
}

/// Tokens as an FTS5 phrase: quoted, a quote inside doubled.
fn quoted(tokens: &[String]) -> String {
    format!("\"{}\"", tokens.join(" ").replace('"', "\"\""))
}

/// A phrase as FTS5 matches it, a prefix marked `*`.
fn phrase_expression(phrase: &Phrase) -> String {
    format!("{}{}", quoted(&phrase.tokens), if phrase.prefix { "*" } else { "" })
}

/// The FTS5 MATCH expression for what a person typed, every prefix left to FTS5: what
/// `expanded_expression` must match exactly (tests compare the two); `None` if nothing searchable
/// was typed.
#[cfg(test)]
pub(crate) fn match_expression(query: &str) -> Option<String> {
    let terms: Vec<String> = phrases(query).iter().map(phrase_expression).collect();
    (!terms.is_empty()).then(|| terms.join(" AND "))
}

/// Takes (`kind`, `id`) out of the index.
pub(crate) fn remove(conn: &Connection, kind: HitKind, id: i64) -> Result<(), Error> {
    let seq: Option<i64> = conn
        .query_row(
            "SELECT seq FROM search_rows WHERE kind = ?1 AND id = ?2",
            params![kind.code(), id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(seq) = seq {
        conn.execute("DELETE FROM search_index WHERE rowid = ?1", [kind.row(seq)])?;
        conn.execute("DELETE FROM search_rows WHERE seq = ?1", [seq])?;
    }
    if kind == HitKind::Note {
        conn.execute("DELETE FROM search_pending WHERE session_id = ?1", [id])?;
    }
    conn.prepare_cached("DELETE FROM search_unindexed WHERE kind = ?1 AND id = ?2")?
        .execute(params![kind.code(), id])?;
    Ok(())
}

/// The text (`kind`, `id`) is indexed under, or `None` when it is gone or has none.
fn text_of(conn: &Connection, kind: HitKind, id: i64) -> Result<Option<String>, Error> {
    let sql = match kind {
        HitKind::Note => "SELECT body FROM notes WHERE session_id = ?1",
        HitKind::Agenda => "SELECT text FROM agenda_items WHERE id = ?1",
        HitKind::Action => "SELECT text FROM action_items WHERE id = ?1",
        HitKind::Career => "SELECT body FROM career_notes WHERE person_id = ?1",
        HitKind::MemberTopic => "SELECT text FROM member_topics WHERE id = ?1",
        HitKind::MemberRequest => "SELECT note FROM member_requests WHERE id = ?1",
    };
    Ok(one(conn, sql, id, |r| r.get::<_, Option<String>>(0))?.flatten())
}

/// Brings the entries of the notes saved since the last call up to date (autosaves leave them to
/// this, in one transaction), and indexes what `search_unindexed` lists (migration 21); answers
/// how many entries it wrote or removed.
pub(crate) fn index_pending(conn: &Connection) -> Result<usize, Error> {
    let unindexed: Vec<(i64, i64)> = {
        let mut stmt = conn.prepare_cached("SELECT kind, id FROM search_unindexed")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (code, id) in &unindexed {
        match HitKind::from_code(*code) {
            Some(kind) => match text_of(conn, kind, *id)? {
                Some(text) => index(conn, kind, *id, &text)?,
                None => remove(conn, kind, *id)?,
            },
            None => {
                conn.execute(
                    "DELETE FROM search_unindexed WHERE kind = ?1 AND id = ?2",
                    params![code, id],
                )?;
            }
        }
    }
    Ok(unindexed.len() + index_pending_notes(conn)?)
}

/// The notes' part of `index_pending`.
fn index_pending_notes(conn: &Connection) -> Result<usize, Error> {
    let pending: Vec<(i64, Option<String>)> = {
        let mut stmt = conn.prepare_cached(
            "SELECT p.session_id, n.body FROM search_pending p LEFT JOIN notes n ON n.session_id = p.session_id",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (session_id, body) in &pending {
        match body {
            Some(body) => index(conn, HitKind::Note, *session_id, body)?,
            None => remove(conn, HitKind::Note, *session_id)?,
        }
        conn.execute("DELETE FROM search_pending WHERE session_id = ?1", [session_id])?;
    }
    Ok(pending.len())
}

/// Puts `text` in the index for (`kind`, `id`), replacing what was there; it becomes the newest
/// entry (migration 10 says why the order matters).
pub(crate) fn index(conn: &Connection, kind: HitKind, id: i64, text: &str) -> Result<(), Error> {
    remove(conn, kind, id)?;
    conn.execute(
        "INSERT INTO search_rows (kind, id) VALUES (?1, ?2)",
        params![kind.code(), id],
    )?;
    let seq = conn.last_insert_rowid();
    let indexed = index_form(text);
    conn.execute(
        "INSERT INTO search_index (rowid, body) VALUES (?1, ?2)",
        params![kind.row(seq), indexed],
    )?;
    add_terms(conn, &indexed)
}

/// Adds the Latin words of an entry to the vocabulary (`search_terms`, migration 15) exactly as
/// FTS5 holds them: the entry goes through a one-row FTS5 table in memory with the same tokenizer,
/// whose words are then read back, so that no tokenizer is imitated here.
fn add_terms(conn: &Connection, indexed: &str) -> Result<(), Error> {
    conn.execute_batch(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_probe USING fts5 (body, tokenize = 'unicode61 remove_diacritics 2');
         CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_probe_terms USING fts5vocab(temp, search_probe, 'row');",
    )?;
    conn.prepare_cached("INSERT INTO temp.search_probe (rowid, body) VALUES (1, ?1)")?
        .execute([indexed])?;
    conn.prepare_cached(
        "INSERT OR IGNORE INTO search_terms (term)
         SELECT term FROM temp.search_probe_terms WHERE term >= '0' AND term < '{'",
    )?
    .execute([])?;
    conn.prepare_cached("DELETE FROM temp.search_probe")?.execute([])?;
    Ok(())
}

/// Most whole words a typed prefix is written out as; a prefix standing for more is left to FTS5.
const MAX_EXPANSION: usize = 64;

/// The whole words of the vocabulary that start with `prefix`, or `None` when the prefix is not
/// plain lowercase ASCII letters and digits (FTS5 then answers it) or stands for more than
/// `MAX_EXPANSION` words.
fn words_starting(conn: &Connection, prefix: &str) -> Result<Option<Vec<String>>, Error> {
    let folded = prefix.to_ascii_lowercase();
    let Some(last) = folded.bytes().last() else {
        return Ok(None);
    };
    if !folded.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    // Every word from `folded` up to, not including, the prefix with its last byte one higher.
    let mut end = folded[..folded.len() - 1].to_owned();
    end.push(char::from(last + 1));
    let words: Vec<String> = conn
        .prepare_cached("SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT ?3")?
        .query_map(
            params![folded, end, i64::try_from(MAX_EXPANSION + 1).unwrap_or(i64::MAX)],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok((words.len() <= MAX_EXPANSION).then_some(words))
}

/// The MATCH expression for what a person typed, each Latin word typed as a prefix written out as
/// the whole words it stands for (`search_terms`), which FTS5 reads newest first and stops;
/// `Ok(None)` when nothing can match (a prefix no word starts with) or nothing was typed.
pub(crate) fn expanded_expression(conn: &Connection, query: &str) -> Result<Option<String>, Error> {
    let mut terms = Vec::new();
    for phrase in phrases(query) {
        let expansion = match phrase.tokens.split_last() {
            Some((last, _)) if phrase.prefix => words_starting(conn, last)?,
            _ => None,
        };
        match expansion {
            Some(words) if words.is_empty() => return Ok(None),
            Some(words) => {
                let before = &phrase.tokens[..phrase.tokens.len() - 1];
                let alternatives: Vec<String> = words
                    .into_iter()
                    .map(|word| {
                        let mut tokens = before.to_vec();
                        tokens.push(word);
                        quoted(&tokens)
                    })
                    .collect();
                terms.push(format!("({})", alternatives.join(" OR ")));
            }
            None => terms.push(phrase_expression(&phrase)),
        }
    }
    Ok((!terms.is_empty()).then(|| terms.join(" AND ")))
}

/// One part of a snippet: text, marked when it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SnippetPart {
    pub text: String,
    pub hit: bool,
}

/// A ranked search hit.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hit {
    pub kind: HitKind,
    /// The note's session id, the agenda item's, action item's, member topic's or request's id,
    /// or the person's id for a career note.
    pub id: i64,
    /// The session it belongs to; for a member's topic, the session whose agenda took it, or
    /// while it is open the person's next planned 1on1, where Prepare offers it.
    pub session_id: Option<i64>,
    pub person_id: i64,
    pub person_name: String,
    /// The session's local date and time, or when the action item was made, the career note
    /// last changed or the member's topic or request arrived, in local time too
    /// (`YYYY-MM-DDTHH:MM:SS`).
    pub when: String,
    /// Where a member's topic or request stands; none for the manager's own text.
    pub state: Option<HitState>,
    pub snippet: Vec<SnippetPart>,
}

impl Hit {
    /// The snippet with matches wrapped in `open` … `close`.
    pub fn snippet_marked(&self, open: &str, close: &str) -> String {
        self.snippet
            .iter()
            .map(|p| {
                if p.hit {
                    format!("{open}{}{close}", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    }
}

/// The first `limit` hits for `query`: the best of the most recent matches (`search_page`).
pub(crate) fn search(conn: &Connection, query: &str, limit: usize) -> Result<Vec<Hit>, Error> {
    let page = search_page(
        conn,
        query,
        &SearchFilter {
            limit,
            ..SearchFilter::default()
        },
    )?;
    Ok(page.hits)
}

/// What to narrow a search to, and which page of it to answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchFilter {
    /// Only what is about this person.
    pub person_id: Option<i64>,
    /// Only this kind of text.
    pub kind: Option<HitKind>,
    /// Hits to pass over (earlier pages).
    pub offset: usize,
    /// Hits to answer (0 means 50).
    pub limit: usize,
}

/// A person whose name matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PersonMatch {
    pub person_id: i64,
    pub name: String,
    pub snippet: Vec<SnippetPart>,
}

/// One page of search results: people by name (on the first page), then ranked text hits.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SearchPage {
    pub people: Vec<PersonMatch>,
    pub hits: Vec<Hit>,
    /// More hits follow this page.
    pub more: bool,
}

/// Text written in Markdown as it reads: no heading marks, list bullets, quote marks, emphasis
/// stars or link targets, so that a snippet shows words, not syntax.
pub fn plain_text(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let mut rest = line.trim_start();
        loop {
            let before = rest;
            rest = rest.trim_start_matches('>').trim_start();
            let hashes = rest.chars().take_while(|c| *c == '#').count();
            if (1..=6).contains(&hashes) && rest[hashes..].starts_with(' ') {
                rest = rest[hashes..].trim_start();
            }
            for bullet in ["- ", "* ", "+ "] {
                if let Some(r) = rest.strip_prefix(bullet) {
                    rest = r.trim_start();
                }
            }
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 && (rest[digits..].starts_with(". ") || rest[digits..].starts_with(") ")) {
                rest = rest[digits + 2..].trim_start();
            }
            for task in ["[ ] ", "[x] ", "[X] "] {
                if let Some(r) = rest.strip_prefix(task) {
                    rest = r;
                }
            }
            if rest == before {
                break;
            }
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&inline_plain(rest));
    }
    out
}

/// Links and images as their text; emphasis, strike-through and code marks dropped.
fn inline_plain(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let image = c == '!' && chars.get(i + 1) == Some(&'[');
        if c == '[' || image {
            let open = if image { i + 1 } else { i };
            if let Some(close) = (open + 1..chars.len()).find(|&j| chars[j] == ']')
                && chars.get(close + 1) == Some(&'(')
                && let Some(end) = (close + 2..chars.len()).find(|&j| chars[j] == ')')
            {
                out.extend(&chars[open + 1..close]);
                i = end + 1;
                continue;
            }
        }
        let doubled = matches!(c, '_' | '~') && chars.get(i + 1) == Some(&c);
        if matches!(c, '*' | '`') || doubled {
            i += if doubled { 2 } else { 1 };
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// People whose name, or its reading, contains every word of the query (case and width folded;
/// katakana found as hiragana in a reading).
fn people_matching(people: &[(i64, String, Option<String>)], query: &str) -> Vec<PersonMatch> {
    let needles = needles(query);
    let contains = |text: &str, needles: &[Vec<char>]| {
        let folded: Vec<char> = text.nfkc().flat_map(char::to_lowercase).collect();
        !needles.is_empty()
            && needles
                .iter()
                .all(|n| n.len() <= folded.len() && folded.windows(n.len()).any(|w| w == &n[..]))
    };
    let kana: Vec<Vec<char>> = needles
        .iter()
        .map(|n| {
            crate::queries::people::hiragana(&n.iter().collect::<String>())
                .chars()
                .collect()
        })
        .collect();
    people
        .iter()
        .filter(|(_, name, reading)| contains(name, &needles) || reading.as_deref().is_some_and(|r| contains(r, &kana)))
        .map(|(person_id, name, _)| PersonMatch {
            person_id: *person_id,
            snippet: snippet(name, &needles, 200),
            name: name.clone(),
        })
        .collect()
}

/// How many matches are ranked together: the most recent `WINDOW`, best first, then the next
/// `WINDOW` older ones, and so on (`rank` says why).
pub(crate) const WINDOW: usize = 200;
const WINDOW_SQL: i64 = WINDOW as i64;

/// One page of results for `query`, narrowed by `filter`: the most recent matches a window at a
/// time, each window best first (BM25, `rank`).
pub(crate) fn search_page(conn: &Connection, query: &str, filter: &SearchFilter) -> Result<SearchPage, Error> {
    if phrases(query).is_empty() {
        return Err(Error::invalid(
            "search",
            Rule::Empty,
            "the search is empty: type a word to look for",
        ));
    };
    let limit = if filter.limit == 0 { 50 } else { filter.limit };
    let everyone = everyone(conn)?;
    let people = if filter.offset == 0 && filter.kind.is_none() {
        people_matching(&everyone, query)
            .into_iter()
            .filter(|p| filter.person_id.is_none_or(|id| id == p.person_id))
            .collect()
    } else {
        Vec::new()
    };
    let Some(expression) = expanded_expression(conn, query)? else {
        return Ok(SearchPage {
            people,
            hits: Vec::new(),
            more: false,
        });
    };
    let scorer = rank::Scorer::new(&phrases(query), rank::mean_length(conn)?);
    let needles = needles(query);
    let names: std::collections::HashMap<i64, String> = everyone.into_iter().map(|(id, name, _)| (id, name)).collect();
    let mut id_of = conn.prepare_cached("SELECT id FROM search_rows WHERE seq = ?1")?;
    let mut hits = Vec::with_capacity(limit);
    let mut skipped = 0;
    let mut below = i64::MAX;
    loop {
        let (ranked, taken) = ranked_window(conn, &expression, &scorer, below, filter.kind)?;
        let Some(oldest) = ranked.iter().copied().min() else {
            break;
        };
        below = oldest;
        for row in ranked {
            let Some(kind) = HitKind::from_code(row.rem_euclid(KINDS)) else {
                continue;
            };
            let Some(id) = id_of.query_row([row.div_euclid(KINDS)], |r| r.get(0)).optional()? else {
                continue;
            };
            let Some(hit) = resolve(conn, &names, kind, id, &needles)? else {
                continue;
            };
            if filter.person_id.is_some_and(|p| p != hit.person_id) {
                continue;
            }
            if skipped < filter.offset {
                skipped += 1;
                continue;
            }
            if hits.len() == limit {
                return Ok(SearchPage {
                    people,
                    hits,
                    more: true,
                });
            }
            hits.push(hit);
        }
        if taken < WINDOW {
            break;
        }
    }
    Ok(SearchPage {
        people,
        hits,
        more: false,
    })
}

/// The index rows of the `WINDOW` most recent matches older than `below` (of one `kind` if
/// given), best first, and how many there were.
fn ranked_window(
    conn: &Connection,
    expression: &str,
    scorer: &rank::Scorer,
    below: i64,
    kind: Option<HitKind>,
) -> Result<(Vec<i64>, usize), Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT rowid, body FROM search_index WHERE search_index MATCH ?1 AND rowid < ?2
             AND (?3 IS NULL OR rowid % ?5 = ?3) ORDER BY rowid DESC LIMIT ?4",
    )?;
    let mut scored: Vec<(f64, i64)> = stmt
        .query_map(
            params![expression, below, kind.map(HitKind::code), WINDOW_SQL, KINDS],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )?
        .map(|row| row.map(|(row, body)| (scorer.score(&body), row)))
        .collect::<Result<_, _>>()?;
    let taken = scored.len();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    Ok((scored.into_iter().map(|(_, row)| row).collect(), taken))
}

/// Everyone's id and name, by name: read once a search, for the people matched by name and the
/// hits' names.
fn everyone(conn: &Connection) -> Result<Vec<(i64, String, Option<String>)>, Error> {
    let mut stmt = conn.prepare_cached("SELECT id, name, reading FROM people ORDER BY coalesce(reading, name)")?;
    let people = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    Ok(people)
}

/// The row of `sql` for `id`, or `None` when there is none. Each statement reads one table: with
/// SQLite's STAT4 (on in SQLCipher's build), a statement that joins tables is prepared again
/// whenever a bound value changes, which cost a search about a tenth of its time.
fn one<T>(
    conn: &Connection,
    sql: &str,
    id: i64,
    row: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, Error> {
    Ok(conn.prepare_cached(sql)?.query_row([id], row).optional()?)
}

/// What an index entry points to, as a hit shows it.
struct Found {
    text: String,
    session_id: Option<i64>,
    person_id: i64,
    when: String,
    state: Option<HitState>,
}

impl Found {
    fn of(text: String, session_id: Option<i64>, person_id: i64, when: String) -> Found {
        Found {
            text,
            session_id,
            person_id,
            when,
            state: None,
        }
    }
}

/// The hit for an index entry, or `None` when what it pointed to is gone.
fn resolve(
    conn: &Connection,
    names: &std::collections::HashMap<i64, String>,
    kind: HitKind,
    id: i64,
    needles: &[Vec<char>],
) -> Result<Option<Hit>, Error> {
    // The session a note or an agenda item belongs to: its person and time.
    let session = |session_id: i64| {
        one(
            conn,
            "SELECT person_id, planned_at FROM sessions WHERE id = ?1",
            session_id,
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
    };
    let found: Option<Found> = match kind {
        HitKind::Note => match one(conn, "SELECT body FROM notes WHERE session_id = ?1", id, |r| r.get(0))? {
            Some(body) => session(id)?.map(|(person, at)| Found::of(body, Some(id), person, at)),
            None => None,
        },
        HitKind::Agenda => {
            match one(
                conn,
                "SELECT text, session_id FROM agenda_items WHERE id = ?1",
                id,
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )? {
                Some((text, session_id)) => {
                    session(session_id)?.map(|(person, at)| Found::of(text, Some(session_id), person, at))
                }
                None => None,
            }
        }
        HitKind::Action => one(
            conn,
            "SELECT text, session_id, person_id, created_at FROM action_items WHERE id = ?1",
            id,
            |r| Ok(Found::of(r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?,
        HitKind::Career => one(
            conn,
            "SELECT body, updated_at FROM career_notes WHERE person_id = ?1",
            id,
            |r| Ok(Found::of(r.get(0)?, None, id, r.get(1)?)),
        )?,
        HitKind::MemberTopic => {
            let topic = one(
                conn,
                "SELECT text, person_id, received_at, state FROM member_topics WHERE id = ?1",
                id,
                |r| {
                    let state = match r.get_ref(3)?.as_str()? {
                        "taken" => HitState::Taken,
                        "withdrawn" => HitState::Withdrawn,
                        _ => HitState::Open,
                    };
                    Ok((Found::of(r.get(0)?, None, r.get(1)?, r.get(2)?), state))
                },
            )?;
            match topic {
                // Where it went: the first agenda that took it (carried copies come later).
                Some((found, HitState::Taken)) => Some(Found {
                    session_id: one(
                        conn,
                        "SELECT session_id FROM agenda_items WHERE member_topic_id = ?1 ORDER BY id LIMIT 1",
                        id,
                        |r| r.get(0),
                    )?,
                    state: Some(HitState::Taken),
                    ..found
                }),
                Some((found, state)) => Some(Found {
                    state: Some(state),
                    ..found
                }),
                None => None,
            }
        }
        HitKind::MemberRequest => one(
            conn,
            "SELECT note, person_id, received_at, dismissed_at IS NOT NULL FROM member_requests WHERE id = ?1",
            id,
            |r| {
                let (person_id, when, answered): (i64, String, bool) = (r.get(1)?, r.get(2)?, r.get(3)?);
                Ok(r.get::<_, Option<String>>(0)?.map(|note| Found {
                    state: Some(if answered { HitState::Answered } else { HitState::Open }),
                    ..Found::of(note, None, person_id, when)
                }))
            },
        )?
        .flatten(),
    };
    let Some(Found {
        text,
        session_id,
        person_id,
        when,
        state,
    }) = found
    else {
        return Ok(None);
    };
    let Some(person_name) = names.get(&person_id).cloned() else {
        return Ok(None);
    };
    Ok(Some(Hit {
        kind,
        id,
        session_id,
        person_id,
        person_name,
        when,
        state,
        snippet: snippet(&plain_text(&text), needles, 90),
    }))
}

/// The query's words as they are looked for in the original text, lowercased.
fn needles(query: &str) -> Vec<Vec<char>> {
    query
        .split_whitespace()
        .map(|w| w.nfkc().flat_map(char::to_lowercase).collect::<Vec<char>>())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Up to `width` characters of `text` around the first match, with every match marked.
pub(crate) fn snippet(text: &str, needles: &[Vec<char>], width: usize) -> Vec<SnippetPart> {
    let chars: Vec<char> = text.nfkc().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    // One lowercase char per original char keeps positions aligned.
    let folded: Vec<char> = chars.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let mut marks = vec![false; chars.len()];
    let mut first = None;
    for needle in needles {
        if needle.is_empty() || needle.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - needle.len() {
            if folded[start..start + needle.len()] == needle[..] {
                first = Some(first.map_or(start, |f: usize| f.min(start)));
                marks[start..start + needle.len()].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    let begin = first.map_or(0, |f| f.saturating_sub(width / 3));
    let end = (begin + width).min(chars.len());
    let mut parts: Vec<SnippetPart> = Vec::new();
    if begin > 0 {
        parts.push(SnippetPart {
            text: "…".into(),
            hit: false,
        });
    }
    for i in begin..end {
        match parts.last_mut() {
            Some(part) if part.hit == marks[i] && !(i == begin && begin > 0) => part.text.push(chars[i]),
            _ => parts.push(SnippetPart {
                text: chars[i].to_string(),
                hit: marks[i],
            }),
        }
    }
    if end < chars.len() {
        match parts.last_mut() {
            Some(part) if !part.hit => part.text.push('…'),
            _ => parts.push(SnippetPart {
                text: "…".into(),
                hit: false,
            }),
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::tests::schema_at;

    #[test]
    fn a_one_word_search_ranks_a_window_exactly_as_fts5s_bm25() {
        let conn = schema_at(crate::db::MIGRATIONS.len());
        let words = ["評価", "転職", "roadmap", "Feedback", "目標", "résumé", "planning"];
        let filler = ["今日は", "話した", "the", "team", "そして", "meeting", "。", "Q3"];
        let mut seed: u64 = 7;
        let mut below = |n: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % n
        };
        for id in 1..=120 {
            let len = 2 + below(40);
            let text: Vec<&str> = (0..len)
                .map(|_| {
                    if below(4) == 0 {
                        words[below(words.len() as u64) as usize]
                    } else {
                        filler[below(filler.len() as u64) as usize]
                    }
                })
                .collect();
            index(&conn, HitKind::Agenda, id, &text.join(" ")).unwrap();
        }
        let scorer_for = |q: &str| rank::Scorer::new(&phrases(q), rank::mean_length(&conn).unwrap());
        for query in ["評価", "転職", "roadmap", "feedback", "目", "resume", "plan", "q3"] {
            let expression = match_expression(query).unwrap();
            let expected: Vec<i64> = conn
                .prepare("SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY bm25(search_index), rowid DESC")
                .unwrap()
                .query_map([&expression], |r| r.get(0))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert!(
                expected.len() > 5 && expected.len() < WINDOW,
                "{query}: {}",
                expected.len()
            );
            let (got, taken) = ranked_window(&conn, &expression, &scorer_for(query), i64::MAX, None).unwrap();
            assert_eq!(taken, expected.len());
            assert_eq!(got, expected, "{query}");
        }
    }

    /// The rowids an FTS5 expression matches, in order.
    fn matching(conn: &Connection, expression: &str) -> Vec<i64> {
        conn.prepare("SELECT rowid FROM search_index WHERE search_index MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([expression], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A word typed as a prefix and written out as the vocabulary's whole words matches exactly
    /// what FTS5's own prefix matches: mixed case, accents, ligatures, full-width letters,
    /// symbols inside words, digits, Japanese beside Latin, several words.
    #[test]
    fn a_prefix_written_out_as_whole_words_matches_exactly_what_fts5s_prefix_matches() {
        let conn = schema_at(crate::db::MIGRATIONS.len());
        let texts = [
            "Roadmap review",
            "roadmaps for Q3",
            "road trip",
            "ROADMAP2026",
            "ro",
            "résumé sent",
            "Résumé again",
            "resume the work",
            "rÉsumer",
            "über alles",
            "naïve plan",
            "Ærøskøbing",
            "ﬁle the report",
            "ｒｏａｄｍａｐ full width",
            "café™ meeting",
            "100€ budget",
            "x² growth",
            "snake_case names",
            "it's fine",
            "2026q3 goals",
            "roadmapの話",
            "評価 review roadmap",
            "feedback review",
            "feedbacks reviewed",
            "Feedback, reviewer",
            "mentoring",
            "mentor",
        ];
        for (id, text) in (1..).zip(texts) {
            index(&conn, HitKind::Agenda, id, text).unwrap();
        }
        let queries = [
            "r",
            "ro",
            "roa",
            "road",
            "roadm",
            "roadmap",
            "roadmaps",
            "roadmap2",
            "re",
            "res",
            "resu",
            "resume",
            "u",
            "ub",
            "na",
            "nai",
            "ae",
            "aer",
            "fi",
            "fil",
            "ca",
            "caf",
            "cafe",
            "10",
            "100",
            "x",
            "sn",
            "snake",
            "case",
            "it",
            "s",
            "20",
            "2026",
            "2026q",
            "feed",
            "feedback rev",
            "feedback review",
            "Mentor",
            "MENTORING",
            "men",
            "zz",
            "評価 road",
            "road 評",
        ];
        let mut written_out = 0;
        for query in queries {
            let expected = matching(&conn, &match_expression(query).unwrap());
            match expanded_expression(&conn, query).unwrap() {
                Some(expression) => {
                    written_out += usize::from(!expression.contains('*'));
                    assert_eq!(matching(&conn, &expression), expected, "{query}: {expression}");
                }
                None => assert_eq!(expected, Vec::<i64>::new(), "{query}"),
            }
        }
        assert!(written_out > 30, "only {written_out} prefixes were written out");
    }

    /// A prefix that stands for more than `MAX_EXPANSION` words is left to FTS5; one no word
    /// starts with matches nothing, and a search for it answers no hits, not an error.
    #[test]
    fn a_short_prefix_is_left_to_fts5_and_an_unknown_one_matches_nothing() {
        let conn = schema_at(crate::db::MIGRATIONS.len());
        for id in 0..70 {
            index(&conn, HitKind::Agenda, id, &format!("a{id:02} item")).unwrap();
        }
        let short = expanded_expression(&conn, "a").unwrap().unwrap();
        assert!(short.ends_with("\"a\"*"), "{short}");
        assert_eq!(matching(&conn, &short).len(), 70);
        let longer = expanded_expression(&conn, "a1").unwrap().unwrap();
        assert!(!longer.contains('*'), "{longer}");
        assert_eq!(matching(&conn, &longer).len(), 10);
        assert_eq!(expanded_expression(&conn, "item zebra").unwrap(), None);
        let page = search_page(&conn, "zebra", &SearchFilter::default()).unwrap();
        assert!(page.hits.is_empty() && !page.more);
    }

    /// Migration 15 fills the vocabulary from an existing index, so that entries indexed before it
    /// are found by a prefix written out.
    #[test]
    fn migration_15_fills_the_vocabulary_from_the_existing_index() {
        let conn = schema_at(14);
        conn.execute_batch(
            "INSERT INTO search_rows (seq, kind, id) VALUES (1, 2, 7), (2, 2, 8);
             INSERT INTO search_index (rowid, body) VALUES (6, 'Roadmap for Q3'), (10, 'résumé 評価');",
        )
        .unwrap();
        conn.execute_batch(crate::db::MIGRATIONS[14]).unwrap();
        for (query, rows) in [("roa", vec![6]), ("res", vec![10]), ("q", vec![6])] {
            let expression = expanded_expression(&conn, query).unwrap().unwrap();
            assert!(!expression.contains('*'), "{expression}");
            assert_eq!(matching(&conn, &expression), rows, "{query}");
        }
    }

    #[test]
    fn migration_10_numbers_the_old_entries_by_time_and_search_still_finds_them() {
        let conn = schema_at(9);
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at) VALUES (1, 'Aoi', '2020-01-01');
             INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, created_at, updated_at)
                 VALUES (1, 1, '2024-05-01T10:00:00', 'UTC', 30, '', ''),
                        (2, 1, '2021-01-01T10:00:00', 'UTC', 30, '', '');
             INSERT INTO notes VALUES (1, '新しい評価', ''), (2, '古い評価', '');
             INSERT INTO agenda_items (id, session_id, text, created_at) VALUES (7, 2, '評価の話', '');",
        )
        .unwrap();
        for (row, text) in [(4 + 1, "新しい評価"), (2 * 4 + 1, "古い評価"), (7 * 4 + 2, "評価の話")] {
            conn.execute(
                "INSERT INTO search_index (rowid, body) VALUES (?1, ?2)",
                params![row, index_form(text)],
            )
            .unwrap();
        }
        conn.execute_batch(crate::db::MIGRATIONS[9]).unwrap();
        let order: Vec<(i64, i64)> = conn
            .prepare("SELECT kind, id FROM search_rows ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(order, [(1, 2), (2, 7), (1, 1)], "oldest first, by the 1on1's time");
        // Searched as today's code does, over today's schema.
        for later in &crate::db::MIGRATIONS[10..] {
            conn.execute_batch(later).unwrap();
        }
        let page = search_page(&conn, "評価", &SearchFilter::default()).unwrap();
        let mut found: Vec<(HitKind, i64)> = page.hits.iter().map(|h| (h.kind, h.id)).collect();
        found.sort_by_key(|(k, id)| (k.code(), *id));
        assert_eq!(found, [(HitKind::Note, 1), (HitKind::Note, 2), (HitKind::Agenda, 7)]);
        let old: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'search_rekey'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old, 0, "the working copy is gone");
    }

    /// Migration 21 on a real vault file as schema 20 left it: every entry indexed under the old
    /// numbering (`seq * 4 + kind`, as `index` wrote it then) keeps its place in the order and is
    /// found; a note saved but not yet indexed is found; and the members' topics and request notes
    /// that arrived before it, which schema 20 never indexed, are found with their state.
    #[test]
    fn migration_21_renumbers_a_real_vault_and_indexes_what_members_sent_before_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("vault");
        let pass = || crate::Passphrase::new("correct horse battery staple".into());
        crate::db::STOP_AT.set(20);
        let made = crate::Vault::create(&dir, &pass(), taiwa_domain::Zone::UTC);
        crate::db::STOP_AT.set(usize::MAX);
        let (vault, _) = made.unwrap();
        let conn = vault.conn();
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, 20);
        conn.execute_batch(
            "INSERT INTO people (id, name, created_at) VALUES (1, 'Aoi', '2024-01-01'), (2, 'Ben', '2024-01-01');
             INSERT INTO sessions (id, person_id, planned_at, time_zone, planned_minutes, state, held_minutes, created_at, updated_at)
                 VALUES (1, 1, '2024-05-01T10:00:00', 'UTC', 30, 'held', 30, '', ''),
                        (2, 1, '2099-05-01T10:00:00', 'UTC', 30, 'planned', NULL, '', '');
             INSERT INTO notes VALUES (1, '評価の面談 roadmap', ''), (2, '下書きのメモ draft', '');
             INSERT INTO search_pending (session_id) VALUES (2);
             INSERT INTO agenda_items (id, session_id, text, created_at) VALUES (7, 1, '異動の相談', '');
             INSERT INTO action_items (id, person_id, session_id, text, created_at)
                 VALUES (3, 1, 1, '資料を review する', '2024-05-01T10:30:00Z');
             INSERT INTO career_notes VALUES (2, '海外赴任の希望', '2024-05-02T00:00:00Z');
             INSERT INTO member_topics (id, person_id, topic_id, text, kind, wants, state, received_at)
                 VALUES (1, 1, 'a', '昇格の基準を知りたい', 'career', 'advise', 'new', '2024-06-01T01:00:00Z'),
                        (2, 1, 'b', '退職を考えている', 'private', 'listen', 'withdrawn', '2024-06-01T02:00:00Z'),
                        (3, 1, 'c', '研修の希望', 'work', 'decide', 'taken', '2024-06-01T03:00:00Z');
             INSERT INTO agenda_items (id, session_id, text, created_at, member_topic_id) VALUES (8, 2, '研修の希望', '', 3);
             INSERT INTO member_requests (id, person_id, note, received_at)
                 VALUES (1, 1, '体調のことで話したい', '2024-06-02T00:00:00Z'), (2, 2, NULL, '2024-06-02T00:00:00Z');",
        )
        .unwrap();
        // What `index` did at schema 20.
        let index_20 = |kind: i64, id: i64, text: &str| {
            conn.execute("INSERT INTO search_rows (kind, id) VALUES (?1, ?2)", params![kind, id])
                .unwrap();
            let seq = conn.last_insert_rowid();
            let indexed = index_form(text);
            conn.execute(
                "INSERT INTO search_index (rowid, body) VALUES (?1, ?2)",
                params![seq * 4 + kind, indexed],
            )
            .unwrap();
            add_terms(conn, &indexed).unwrap();
        };
        index_20(1, 1, "評価の面談 roadmap");
        index_20(2, 7, "異動の相談");
        index_20(3, 3, "資料を review する");
        index_20(0, 2, "海外赴任の希望");
        index_20(2, 8, "研修の希望");
        let before: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT seq, kind, id FROM search_rows ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        drop(vault);

        let vault = crate::Vault::open(&dir, &pass(), taiwa_domain::Zone::UTC).unwrap();
        let conn = vault.conn();
        let version: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version as usize, crate::db::MIGRATIONS.len());
        let renumbered: Vec<(i64, i64, i64)> = conn
            .prepare("SELECT r.seq, r.kind, r.id FROM search_rows r JOIN search_index i ON i.rowid = r.seq * 16 + r.kind ORDER BY r.seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            renumbered, before,
            "every entry under its new number, in the same order"
        );
        let entries: i64 = conn
            .query_row("SELECT count(*) FROM search_index", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            entries, 5,
            "nothing else yet: the members' words wait for the first search"
        );

        type Seen = (HitKind, i64, Option<i64>, Option<HitState>, String);
        let found = |query: &str| -> Vec<Seen> {
            let mut hits: Vec<_> = vault
                .search(query, 50)
                .unwrap()
                .into_iter()
                .map(|h| (h.kind, h.id, h.session_id, h.state, h.when))
                .collect();
            hits.sort_by_key(|h| (h.0.code(), h.1));
            hits
        };
        let at = |when: &str| when.to_owned();
        assert_eq!(
            found("評価"),
            [(HitKind::Note, 1, Some(1), None, at("2024-05-01T10:00:00"))]
        );
        assert_eq!(
            found("road"),
            [(HitKind::Note, 1, Some(1), None, at("2024-05-01T10:00:00"))]
        );
        assert_eq!(
            found("下書き"),
            [(HitKind::Note, 2, Some(2), None, at("2099-05-01T10:00:00"))]
        );
        assert_eq!(
            found("異動"),
            [(HitKind::Agenda, 7, Some(1), None, at("2024-05-01T10:00:00"))]
        );
        assert_eq!(
            found("review"),
            [(HitKind::Action, 3, Some(1), None, at("2024-05-01T10:30:00"))]
        );
        assert_eq!(
            found("海外"),
            [(HitKind::Career, 2, None, None, at("2024-05-02T00:00:00"))]
        );
        assert_eq!(
            found("昇格"),
            [(
                HitKind::MemberTopic,
                1,
                Some(2),
                Some(HitState::Open),
                at("2024-06-01T01:00:00")
            )]
        );
        assert_eq!(
            found("退職"),
            [(
                HitKind::MemberTopic,
                2,
                None,
                Some(HitState::Withdrawn),
                at("2024-06-01T02:00:00")
            )]
        );
        assert_eq!(
            found("研修"),
            [
                (HitKind::Agenda, 8, Some(2), None, at("2099-05-01T10:00:00")),
                (
                    HitKind::MemberTopic,
                    3,
                    Some(2),
                    Some(HitState::Taken),
                    at("2024-06-01T03:00:00")
                )
            ]
        );
        assert_eq!(
            found("体調"),
            [(
                HitKind::MemberRequest,
                1,
                None,
                Some(HitState::Open),
                at("2024-06-02T00:00:00")
            )]
        );
        let left: i64 = conn
            .query_row(
                "SELECT (SELECT count(*) FROM search_unindexed) + (SELECT count(*) FROM search_pending)
                      + (SELECT count(*) FROM sqlite_master WHERE name = 'search_renumber')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(left, 0, "nothing waits, and the working copy is gone");
        let entries: i64 = conn
            .query_row("SELECT count(*) FROM search_index", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            entries, 10,
            "five old, the pending note, three topics and one request note"
        );
    }

    #[test]
    fn markdown_reads_as_plain_words() {
        assert_eq!(
            plain_text("# Goals\n- **ship** the `v2` [plan](https://x.example)"),
            "Goals ship the v2 plan"
        );
        assert_eq!(plain_text("> 1. [x] ~~old~~ done"), "old done");
        assert_eq!(
            plain_text("snake_case stays, __bold__ goes"),
            "snake_case stays, bold goes"
        );
        assert_eq!(plain_text("![図](a.png) と [不完全なリンク"), "図 と [不完全なリンク");
    }

    #[test]
    fn japanese_is_indexed_as_overlapping_pairs() {
        assert_eq!(
            index_form("転職の相談").split_whitespace().collect::<Vec<_>>(),
            ["転職", "職の", "の相", "相談", "談"]
        );
        assert_eq!(
            index_form("Ｑ３の評価、OK").split_whitespace().collect::<Vec<_>>(),
            ["Q3", "の評", "評価", "価", "、OK"],
            "full-width Latin is folded; punctuation is left to the tokenizer"
        );
    }

    #[test]
    fn queries_become_phrases() {
        assert_eq!(match_expression("転職").as_deref(), Some("\"転職\""));
        assert_eq!(match_expression("転職活動").as_deref(), Some("\"転職 職活 活動\""));
        assert_eq!(match_expression("転").as_deref(), Some("\"転\"*"));
        assert_eq!(match_expression("eval 評価").as_deref(), Some("\"eval\"* AND \"評価\""));
        assert_eq!(
            match_expression("\"quoted\" AND NEAR(").as_deref(),
            Some("\"quoted\" AND \"AND\"* AND \"NEAR\"")
        );
        assert_eq!(match_expression("  、。 "), None);
    }

    #[test]
    fn snippets_mark_matches_in_the_original_text() {
        let text = "先月から転職を考えている。評価に不満があり、転職サイトを見ている。";
        let parts = snippet(text, &needles("転職"), 90);
        let marked: String = parts
            .iter()
            .map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() })
            .collect();
        assert_eq!(
            marked,
            "先月から[転職]を考えている。評価に不満があり、[転職]サイトを見ている。"
        );
        let long = format!("{}Career talk{}", "x".repeat(200), "y".repeat(200));
        let parts = snippet(&long, &needles("career"), 40);
        let marked: String = parts
            .iter()
            .map(|p| if p.hit { format!("[{}]", p.text) } else { p.text.clone() })
            .collect();
        assert!(
            marked.starts_with('…') && marked.ends_with('…') && marked.contains("[Career]"),
            "{marked}"
        );
    }
}
