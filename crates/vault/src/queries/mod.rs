//! Query code, one module per table, each with its rows as plain structs.

pub mod actions;
pub mod agenda;
pub mod career;
pub mod directory;
pub mod member;
pub mod notes;
pub mod people;
pub mod sessions;
pub mod status;
pub mod sync;

use std::str::FromStr;

use chrono::{NaiveDate as Date, NaiveDateTime as DateTime};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};

use crate::Error;
use crate::error::{Problem, Rule};

/// A column holding the text form of a `FromStr` type (vocabulary words, dates, months).
pub(crate) struct Parsed<T>(pub T);

impl<T: FromStr> FromSql for Parsed<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        text.parse()
            .map(Parsed)
            .map_err(|_| FromSqlError::Other(format!("unexpected stored value '{text}'").into()))
    }
}

pub(crate) fn parsed<T: FromStr>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<T> {
    Ok(row.get::<_, Parsed<T>>(index)?.0)
}

pub(crate) fn parsed_opt<T: FromStr>(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<T>> {
    Ok(row.get::<_, Option<Parsed<T>>>(index)?.map(|p| p.0))
}

/// Trims `value` and checks it is neither empty nor longer than `max` characters nor has control
/// characters (tabs and newlines allowed only where `multiline`).
pub(crate) fn clean_text(field: &str, value: &str, max: usize, multiline: bool) -> Result<String, Error> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid(field, Rule::Empty, format!("the {field} is empty")));
    }
    let count = value.chars().count();
    if count > max {
        return Err(Problem::new(
            field,
            Rule::TooLong,
            format!("the {field} is too long: {count} characters, at most {max}"),
        )
        .limit(max)
        .value(count)
        .into());
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
    {
        return Err(Error::invalid(
            field,
            Rule::ControlCharacters,
            format!("the {field} contains control characters"),
        ));
    }
    Ok(value.to_owned())
}

/// Like `clean_text` for an optional field: `None` or blank means "none".
pub(crate) fn clean_optional(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, Error> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => clean_text(field, v, max, false).map(Some),
    }
}

pub(crate) fn date_text(date: Date) -> String {
    date.to_string()
}

pub(crate) fn datetime_text(at: DateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Maps "no such row" to a `NotFound` naming the thing and its id.
pub(crate) fn found<T>(result: rusqlite::Result<T>, what: &'static str, id: i64) -> Result<T, Error> {
    match result {
        Err(rusqlite::Error::QueryReturnedNoRows) => Err(Error::NotFound { what, id }),
        other => Ok(other?),
    }
}
