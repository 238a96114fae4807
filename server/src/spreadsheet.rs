//! CSV that opens safely and correctly in a spreadsheet: every field that begins with `=`, `+`,
//! `-`, `@`, a tab or a carriage return gets a `'` in front, so that a name from the directory
//! such as `=HYPERLINK(…)` is shown as text instead of run as a formula; and, for files HR opens
//! in Excel, a UTF-8 byte-order mark so that Japanese is read as UTF-8.

use std::borrow::Cow;

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
