//! Relevance: FTS5's BM25, computed here for one window of matches at a time.
//!
//! FTS5's own `bm25()` first counts, for each word, every entry that holds it (the word's IDF);
//! for a common word in 100,000 notes that is a walk over tens of thousands of entries before the
//! first hit comes back (over 100 ms here, plain SQLite included). A search instead takes the most
//! recent matches a window at a time (the index's rowids follow the order entries were written,
//! migration 10) and ranks each window with the same formula and constants as FTS5, reading each
//! entry's tokens from the index's own copy of its text. One simplification: every word of a
//! query weighs the same (FTS5 weighs a rarer word higher). All words must match anyway, so for a
//! one-word query the order is exactly FTS5's, which a test checks against `bm25()` itself.

use std::borrow::Cow;

use rusqlite::{Connection, OptionalExtension};
use unicode_normalization::UnicodeNormalization;

use super::Phrase;
use crate::Error;

/// FTS5's BM25 constants.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The mean length of an entry in tokens, from FTS5's own averages record (row 1 of
/// `search_index_data`: the number of rows, then the number of tokens in the column, as
/// SQLite varints); `None` when the index is empty.
pub(crate) fn mean_length(conn: &Connection) -> Result<Option<f64>, Error> {
    let block: Option<Vec<u8>> = conn
        .query_row("SELECT block FROM search_index_data WHERE id = 1", [], |r| r.get(0))
        .optional()?;
    let Some(block) = block else { return Ok(None) };
    let mut at = 0;
    let rows = varint(&block, &mut at);
    let tokens = varint(&block, &mut at);
    #[allow(clippy::cast_precision_loss)]
    Ok(match (rows, tokens) {
        (Some(rows), Some(tokens)) if rows > 0 => Some(tokens as f64 / rows as f64),
        _ => None,
    })
}

/// A SQLite varint (big-endian, seven bits a byte, the ninth byte whole).
fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value: u64 = 0;
    for i in 0..9 {
        let byte = *bytes.get(*at)?;
        *at += 1;
        if i == 8 {
            return Some((value << 8) | u64::from(byte));
        }
        value = (value << 7) | u64::from(byte & 0x7f);
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    Some(value)
}

/// A token as FTS5's `unicode61` tokenizer with `remove_diacritics 2` compares it: lowercase,
/// Latin letters without their accents. Most tokens (Japanese pairs, lowercase words) are already
/// so and are not copied.
fn fold(token: &str) -> Cow<'_, str> {
    if token
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || super::is_cjk(c))
    {
        return Cow::Borrowed(token);
    }
    Cow::Owned(
        token
            .chars()
            .flat_map(char::to_lowercase)
            .map(|c| {
                if matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}') {
                    c.nfd().next().unwrap_or(c)
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// Whether `c` belongs to a token (FTS5's `unicode61`: letters and numbers), the common cases
/// first.
fn in_token(c: char) -> bool {
    c.is_ascii_alphanumeric() || (!c.is_ascii() && (super::is_cjk(c) || c.is_alphanumeric()))
}

/// The query's words with their tokens folded, ready to count in entries.
pub(crate) struct Scorer {
    phrases: Vec<(Vec<String>, bool)>,
    mean_length: f64,
}

impl Scorer {
    pub(crate) fn new(phrases: &[Phrase], mean_length: Option<f64>) -> Scorer {
        Scorer {
            phrases: phrases
                .iter()
                .map(|p| (p.tokens.iter().map(|t| fold(t).into_owned()).collect(), p.prefix))
                .collect(),
            mean_length: mean_length.unwrap_or(1.0).max(1e-9),
        }
    }

    /// BM25 of an entry given its indexed text (`index_form`), higher is better.
    pub(crate) fn score(&self, indexed: &str) -> f64 {
        // ASCII tokens stay as written and are compared ignoring case (no copy); the others are
        // folded (most, Japanese pairs, without a copy either).
        let tokens: Vec<Cow<'_, str>> = indexed
            .split(|c: char| !in_token(c))
            .filter(|t| !t.is_empty())
            .map(|t| if t.is_ascii() { Cow::Borrowed(t) } else { fold(t) })
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let norm = K1 * (1.0 - B + B * tokens.len() as f64 / self.mean_length);
        self.phrases
            .iter()
            .map(|(words, prefix)| {
                let hits = occurrences(&tokens, words, *prefix);
                #[allow(clippy::cast_precision_loss)]
                let f = hits as f64;
                f * (K1 + 1.0) / (f + norm)
            })
            .sum()
    }
}

/// How many times `words` appear one after another in `tokens`, the last as a prefix if `prefix`.
fn occurrences<T: AsRef<str>>(tokens: &[T], words: &[String], prefix: bool) -> usize {
    let n = words.len();
    if n == 0 || n > tokens.len() {
        return 0;
    }
    tokens
        .windows(n)
        .filter(|w| {
            w.iter()
                .zip(words)
                .enumerate()
                .all(|(i, (t, q))| same(t.as_ref(), q, prefix && i + 1 == n))
        })
        .count()
}

/// Whether token `t` (folded, or ASCII as written) is the folded word `q`, or starts with it when
/// `prefix`.
fn same(t: &str, q: &str, prefix: bool) -> bool {
    match (t.is_ascii(), prefix) {
        (true, false) => t.eq_ignore_ascii_case(q),
        (true, true) => t.len() >= q.len() && t.as_bytes()[..q.len()].eq_ignore_ascii_case(q.as_bytes()),
        (false, false) => t == q,
        (false, true) => t.starts_with(q),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_read_as_sqlite_writes_them() {
        let mut at = 0;
        assert_eq!(varint(&[0x05], &mut at), Some(5));
        let mut at = 0;
        assert_eq!(varint(&[0x81, 0x00], &mut at), Some(128));
        let mut at = 0;
        assert_eq!(varint(&[0x86, 0xC3, 0x17], &mut at), Some(106_903));
        let mut at = 0;
        assert_eq!(varint(&[0x81], &mut at), None, "cut short");
    }

    #[test]
    fn phrases_and_prefixes_are_counted_in_order() {
        let t: Vec<String> = ["転職", "職の", "の相", "相談", "談", "転職"]
            .map(String::from)
            .to_vec();
        let w = |s: &[&str]| s.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert_eq!(occurrences(&t, &w(&["転職"]), false), 2);
        assert_eq!(occurrences(&t, &w(&["相談", "談"]), false), 1);
        assert_eq!(occurrences(&t, &w(&["相", "談"]), false), 0);
        assert_eq!(occurrences(&t, &w(&["転"]), true), 2);
        assert_eq!(fold("Évaluation"), "evaluation");
        let latin: Vec<&str> = vec!["Roadmap", "ROADMAPS", "road", "Évaluation"];
        assert_eq!(occurrences(&latin, &w(&["roadmap"]), false), 1);
        assert_eq!(occurrences(&latin, &w(&["roadmap"]), true), 2);
        assert_eq!(occurrences(&latin, &w(&["roadmaps", "road"]), false), 1);
        assert_eq!(occurrences(&latin, &w(&["roadmapsx"]), true), 0);
    }
}
