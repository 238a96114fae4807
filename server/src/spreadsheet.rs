//! CSV as HR's spreadsheets write and read it.
//!
//! Writing: every field that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
//! `'` in front, so that a name from the directory such as `=HYPERLINK(…)` is shown as text
//! instead of run as a formula; and, for files HR opens in Excel, a UTF-8 byte-order mark so that
//! Japanese is read as UTF-8.
//!
//! Reading: every upload (the directory, survey scores, the career paths; on the pages and on the
//! command line) goes through `read`, which takes UTF-8 (with or without a byte-order mark) and
//! Excel's default CSV in Japan, Shift_JIS (CP932), and says once how to save as CSV UTF-8 when a
//! file is neither. Problems are named with their file and line in both of the pages' languages.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::Error;

/// A field as it is written: defused when a spreadsheet would read it as a formula.
pub fn defuse(field: &str) -> Cow<'_, str> {
    match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{field}")),
        _ => Cow::Borrowed(field),
    }
}

/// A CSV document being written.
#[derive(Debug)]
pub struct CsvOut {
    writer: csv::Writer<Vec<u8>>,
    bom: bool,
}

impl CsvOut {
    /// `bom`: start with a UTF-8 byte-order mark (for Excel).
    pub fn new(bom: bool) -> CsvOut {
        CsvOut {
            writer: csv::Writer::from_writer(Vec::new()),
            bom,
        }
    }

    /// Writes one row, each field defused.
    pub fn row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), Error> {
        self.writer
            .write_record(fields.iter().map(|f| defuse(f.as_ref()).into_owned()))
            .map_err(|e| Error::Internal(e.to_string()))
    }

    pub fn finish(self) -> Result<String, Error> {
        let bytes = self.writer.into_inner().map_err(|e| Error::Internal(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(if self.bom { format!("\u{feff}{text}") } else { text })
    }
}

// ---------------------------------------------------------------------------------------------
// Reading uploads

/// The file an upload's problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CsvFile {
    OrgUnits,
    Employees,
    Survey,
    CareerPaths,
}

impl CsvFile {
    fn en(self) -> &'static str {
        match self {
            CsvFile::OrgUnits => "org units",
            CsvFile::Employees => "employees",
            CsvFile::Survey => "survey",
            CsvFile::CareerPaths => "career paths",
        }
    }

    fn ja(self) -> &'static str {
        match self {
            CsvFile::OrgUnits => "組織ファイル",
            CsvFile::Employees => "社員ファイル",
            CsvFile::Survey => "調査ファイル",
            CsvFile::CareerPaths => "キャリアパスファイル",
        }
    }
}

/// One problem of an uploaded file, named with its file and line (0: the file as a whole), in
/// English (the command line's, and `Display`) and in Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: CsvFile,
    pub line: u64,
    en: String,
    ja: String,
}

impl Problem {
    pub fn new(file: CsvFile, line: u64, en: impl AsRef<str>, ja: impl AsRef<str>) -> Problem {
        let (en, ja) = (en.as_ref(), ja.as_ref());
        if line == 0 {
            Problem {
                file,
                line,
                en: format!("{}: {en}", file.en()),
                ja: format!("{}：{ja}", file.ja()),
            }
        } else {
            Problem {
                file,
                line,
                en: format!("{}, line {line}: {en}", file.en()),
                ja: format!("{}の{line}行目：{ja}", file.ja()),
            }
        }
    }

    pub fn en(&self) -> &str {
        &self.en
    }

    pub fn ja(&self) -> &str {
        &self.ja
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

/// What to do with a file Excel saved in another encoding, said once.
const SAVE_AS_UTF8_EN: &str =
    "In Excel, choose File › Save As with the file type \"CSV UTF-8 (Comma delimited) (*.csv)\" and upload that file.";
const SAVE_AS_UTF8_JA: &str = "Excelで［ファイル］→［名前を付けて保存］を選び、ファイルの種類を「CSV UTF-8 (コンマ区切り) (*.csv)」にして保存したファイルを取り込んでください。";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text of an uploaded file: UTF-8 (a byte-order mark dropped) when it is valid UTF-8, else
/// Shift_JIS (CP932, Excel's "CSV (comma delimited)" on a Japanese Windows) when it is valid
/// Shift_JIS; otherwise one problem that says how to save the file as CSV UTF-8. A file that
/// declares itself UTF-8 (a byte-order mark, or Japanese already read as UTF-8 before the bad
/// byte) is never read as Shift_JIS: a damaged byte is named with its line rather than every name
/// after it turned into other characters.
pub fn decode(file: CsvFile, bytes: &[u8]) -> Result<Cow<'_, str>, Problem> {
    let (bom, body) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let bad_at = match std::str::from_utf8(body) {
        Ok(text) => return Ok(Cow::Borrowed(text)),
        Err(e) => e.valid_up_to(),
    };
    let read_so_far = &body[..bad_at];
    // A character of three or four bytes (all of Japanese) read as UTF-8 before the bad byte.
    let utf8_japanese = read_so_far.iter().any(|b| *b >= 0xE0);
    if bom || utf8_japanese {
        let line = read_so_far.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        return Err(Problem::new(
            file,
            line,
            format!(
                "the file is UTF-8 but this line holds bytes that are not UTF-8 (is the file damaged?). {SAVE_AS_UTF8_EN}"
            ),
            format!(
                "UTF-8のファイルですが、この行にUTF-8として読めないバイトがあります（ファイルが壊れていませんか）。{SAVE_AS_UTF8_JA}"
            ),
        ));
    }
    encoding_rs::SHIFT_JIS
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|text| Cow::Owned(text.into_owned()))
        .ok_or_else(|| {
            Problem::new(
                file,
                0,
                format!("the file is neither UTF-8 nor Shift_JIS (CP932), so it cannot be read. {SAVE_AS_UTF8_EN}"),
                format!("文字コードがUTF-8でもShift_JIS（CP932）でもないため、読み取れません。{SAVE_AS_UTF8_JA}"),
            )
        })
}

/// An uploaded CSV file read row by row.
#[derive(Debug, Default)]
pub struct Rows {
    /// Each row's line and its fields (trimmed), with as many fields as the header.
    pub rows: Vec<(u64, Vec<String>)>,
    /// The problems of the rows that could not be read, each with its line.
    pub problems: Vec<Problem>,
    /// The first field of each line with a broken quote, where it can be read: a reference to it
    /// elsewhere in the upload is not a second problem.
    pub broken_ids: HashSet<String>,
}

/// Reads an uploaded CSV file with the `header` row: its rows, and the problems of the rows that
/// cannot be read, each on its line; `Err` for a file that cannot be read at all (its encoding or
/// its header). Unless `multiline` (a field may hold line breaks), a quote left open is a problem
/// of its own line and reading carries on with the next line, so that one broken quote hides no
/// other problem of the file.
pub fn read(file: CsvFile, bytes: &[u8], header: &[&str], multiline: bool) -> Result<Rows, Vec<Problem>> {
    read_with_optional(file, bytes, header, &[], multiline)
}

/// `read`, where the header may go on with some of the `optional` columns, in their order: each
/// row then has as many fields as the header the file has (a caller reads an optional column at
/// its index when the row has it).
pub fn read_with_optional(
    file: CsvFile,
    bytes: &[u8],
    header: &[&str],
    optional: &[&str],
    multiline: bool,
) -> Result<Rows, Vec<Problem>> {
    let mut text = decode(file, bytes).map_err(|p| vec![p])?.into_owned();
    // A quote left open on the last line is then seen as one, like on any other line.
    if !multiline && !text.ends_with('\n') {
        text.push('\n');
    }
    let mut out = Rows::default();
    let mut header_read = false;
    // The columns the file's header names: `header`, then some of `optional`.
    let mut width = header.len();
    // Where the current reader started: its byte offset in `text` and the line before it.
    let (mut offset, mut line_before) = (0usize, 0u64);
    'readers: loop {
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(&text.as_bytes()[offset..]);
        let mut record = csv::StringRecord::new();
        loop {
            match csv.read_record(&mut record) {
                Ok(false) => break 'readers,
                Ok(true) => {}
                Err(e) => {
                    let line = line_before + e.position().map_or(1, csv::Position::line);
                    out.problems.push(Problem::new(
                        file,
                        line,
                        e.to_string(),
                        format!("CSVとして読み取れません（{e}）"),
                    ));
                    continue;
                }
            }
            let (line, start) = record.position().map_or((line_before + 1, offset), |p| {
                (line_before + p.line(), offset + usize::try_from(p.byte()).unwrap_or(0))
            });
            let open_quote = !multiline && record.iter().any(|f| f.contains(['\n', '\r']));
            if !header_read {
                header_read = true;
                let found: Vec<&str> = record.iter().map(|h| h.trim_start_matches('\u{feff}').trim()).collect();
                let extra = found.len().saturating_sub(header.len());
                let fits = found.len() >= header.len()
                    && found[..header.len()] == *header
                    && extra <= optional.len()
                    && found[header.len()..] == optional[..extra];
                if open_quote || !fits {
                    let (expected, found) = (header.join(","), found.join(","));
                    let found = if open_quote {
                        text.lines().next().unwrap_or_default()
                    } else {
                        &found
                    };
                    return Err(vec![Problem::new(
                        file,
                        line,
                        format!("the header must be '{expected}', found '{found}'"),
                        format!("見出し行は「{expected}」でなければなりませんが、「{found}」でした"),
                    )]);
                }
                width = found.len();
                continue;
            }
            if open_quote {
                out.problems.push(Problem::new(
                    file,
                    line,
                    "a field opens with a quote (\") that is not closed on this line; close it, and write a quote inside a field as two (\"\")",
                    "引用符（\"）で始まる項目がこの行で閉じていません。閉じる \" を補ってください（項目の中の \" は \"\" と2つ重ねて書きます）",
                ));
                let rest = &text[start..];
                let this_line = rest.split('\n').next().unwrap_or_default();
                if let Some(first) = this_line.split(',').next().map(str::trim)
                    && !first.contains('"')
                    && !first.is_empty()
                {
                    out.broken_ids.insert(first.to_owned());
                }
                // Carry on with the next line, as a file of its own.
                match rest.find('\n') {
                    Some(end) => {
                        offset = start + end + 1;
                        line_before = line;
                        continue 'readers;
                    }
                    None => break 'readers,
                }
            }
            if record.len() != width {
                out.problems.push(Problem::new(
                    file,
                    line,
                    format!("expected {width} fields, found {}", record.len()),
                    format!("項目の数が{}個です（{width}個必要です）", record.len()),
                ));
                continue;
            }
            out.rows
                .push((line, record.iter().map(|f| f.trim().to_owned()).collect()));
        }
    }
    if !header_read {
        return Err(vec![Problem::new(
            file,
            1,
            format!("the file is empty: the header must be '{}'", header.join(",")),
            format!("ファイルが空です。見出し行「{}」が必要です", header.join(",")),
        )]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_numbers_are_not() {
        let mut out = CsvOut::new(true);
        out.row(&["=HYPERLINK(\"http://x\")", "+1", "-2", "@a", "\tb", "木村", "0.9"])
            .unwrap();
        let text = out.finish().unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://x\"\")\",'+1,'-2,'@a,'\tb,木村,0.9"),
            "{text}"
        );
    }
}
