//! Secret values: the data key, the passphrase and the recovery key.
//!
//! None of them is `Clone`, `Serialize` or printable: `Debug` shows `***`, the bytes are wiped when
//! the value is dropped, and the raw bytes are reached only through accessors named for it.

use std::fmt;

use data_encoding::{Encoding, Specification};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::Error;
use crate::error::{Problem, Rule};

/// The random 256-bit key that opens the SQLCipher database.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    pub(crate) fn generate() -> Result<DataKey, Error> {
        let mut key = DataKey([0; 32]);
        SystemRandom::new().fill(&mut key.0).map_err(|_| Error::Random)?;
        Ok(key)
    }

    pub(crate) fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(bytes)
    }

    pub(crate) fn raw_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The SQLCipher raw-key pragma value, `x'…'`, in memory that is wiped after use.
    pub(crate) fn sqlcipher_pragma(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(96));
        text.push_str("PRAGMA key = \"x'");
        for byte in &self.0 {
            text.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            text.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
        text.push_str("'\";");
        text
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(***)")
    }
}

/// A passphrase as the person typed it. Normalised to Unicode NFC before use, so that the same
/// Japanese passphrase typed on macOS (which decomposes) and elsewhere opens the same vault.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Passphrase(String);

/// The shortest passphrase accepted for a new vault or a change.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

impl Passphrase {
    pub fn new(text: String) -> Passphrase {
        Passphrase(text)
    }

    /// The NFC-normalised UTF-8 bytes fed to the key derivation.
    pub(crate) fn normalized_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.0.nfc().collect::<String>().into_bytes())
    }

    /// Refuses a passphrase too short to protect a vault; names the rule.
    pub fn check_strength(&self) -> Result<(), Error> {
        let chars = self.0.nfc().count();
        if self.0.trim().is_empty() || chars < MIN_PASSPHRASE_CHARS {
            return Err(Problem::new(
                "passphrase",
                Rule::PassphraseTooShort,
                format!("the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters (a few words work well)"),
            )
            .limit(MIN_PASSPHRASE_CHARS)
            .into());
        }
        Ok(())
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(***)")
    }
}

/// The recovery key: 144 random bits and a 16-bit checksum, written as 32 characters of Crockford
/// base32 in eight groups of four (`XXXX-XXXX-…`), shown once when the vault is created.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct RecoveryKey([u8; RECOVERY_SECRET_BYTES]);

pub(crate) const RECOVERY_SECRET_BYTES: usize = 18;

fn crockford() -> Result<Encoding, Error> {
    let mut spec = Specification::new();
    spec.symbols.push_str("0123456789ABCDEFGHJKMNPQRSTVWXYZ");
    // Crockford's forgiving reading: lowercase, and letters easily mistaken for digits.
    spec.translate.from.push_str("abcdefghjkmnpqrstvwxyzOoIiLl");
    spec.translate.to.push_str("ABCDEFGHJKMNPQRSTVWXYZ001111");
    spec.encoding().map_err(|_| Error::Random)
}

fn checksum(secret: &[u8]) -> [u8; 2] {
    let digest = digest::digest(&digest::SHA256, secret);
    let bytes = digest.as_ref();
    [bytes[0], bytes[1]]
}

impl RecoveryKey {
    pub(crate) fn generate() -> Result<RecoveryKey, Error> {
        let mut key = RecoveryKey([0; RECOVERY_SECRET_BYTES]);
        SystemRandom::new().fill(&mut key.0).map_err(|_| Error::Random)?;
        Ok(key)
    }

    /// Reads a recovery key as a person typed it: case, spaces and dashes do not matter, and
    /// O/I/L read as 0/1/1. A typo is caught by the checksum and reported as such.
    pub fn parse(text: &str) -> Result<RecoveryKey, Error> {
        let compact: Zeroizing<String> =
            Zeroizing::new(text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect());
        let bad = || {
            Error::invalid(
                "recovery_key",
                Rule::NotARecoveryKey,
                "this is not a recovery key: it has 32 letters and digits in groups of four, like ABCD-EFGH-…",
            )
        };
        if compact.len() != 32 {
            return Err(bad());
        }
        let bytes = Zeroizing::new(crockford()?.decode(compact.as_bytes()).map_err(|_| bad())?);
        let (secret, sum) = bytes.split_at(RECOVERY_SECRET_BYTES);
        if checksum(secret) != sum {
            return Err(Error::invalid(
                "recovery_key",
                Rule::RecoveryKeyTypo,
                "the recovery key has a typo: check each group against what you wrote down",
            ));
        }
        let mut key = RecoveryKey([0; RECOVERY_SECRET_BYTES]);
        key.0.copy_from_slice(secret);
        Ok(key)
    }

    /// The written form, to show once. The caller owns wiping it.
    pub fn display_form(&self) -> Result<Zeroizing<String>, Error> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(RECOVERY_SECRET_BYTES + 2));
        bytes.extend_from_slice(&self.0);
        bytes.extend_from_slice(&checksum(&self.0));
        let plain = Zeroizing::new(crockford()?.encode(&bytes));
        let mut grouped = Zeroizing::new(String::with_capacity(40));
        for (i, c) in plain.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                grouped.push('-');
            }
            grouped.push(c);
        }
        Ok(grouped)
    }

    pub(crate) fn secret_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let pass = Passphrase::new("correct horse battery staple".into());
        assert_eq!(format!("{pass:?}"), "Passphrase(***)");
        let key = DataKey::generate().unwrap();
        assert_eq!(format!("{key:?}"), "DataKey(***)");
        let recovery = RecoveryKey::generate().unwrap();
        assert_eq!(format!("{recovery:?}"), "RecoveryKey(***)");
    }

    #[test]
    fn recovery_key_round_trips_through_a_sloppy_transcription() {
        let key = RecoveryKey::generate().unwrap();
        let shown = key.display_form().unwrap();
        assert_eq!(shown.len(), 39);
        assert_eq!(shown.matches('-').count(), 7);
        let typed = shown
            .to_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(RecoveryKey::parse(&typed).unwrap().secret_bytes(), key.secret_bytes());
    }

    #[test]
    fn a_typo_in_the_recovery_key_is_called_a_typo() {
        let key = RecoveryKey::generate().unwrap();
        let mut shown: Vec<char> = key.display_form().unwrap().chars().collect();
        shown[5] = if shown[5] == 'A' { 'B' } else { 'A' };
        let typo: String = shown.into_iter().collect();
        let err = RecoveryKey::parse(&typo).unwrap_err().to_string();
        assert!(err.contains("typo"), "{err}");
        assert!(
            RecoveryKey::parse("hello")
                .unwrap_err()
                .to_string()
                .contains("not a recovery key")
        );
    }

    #[test]
    fn short_passphrases_are_refused_with_the_rule() {
        let err = Passphrase::new("short".into())
            .check_strength()
            .unwrap_err()
            .to_string();
        assert!(err.contains("at least 12 characters"), "{err}");
        assert!(Passphrase::new("            ".into()).check_strength().is_err());
        assert!(
            Passphrase::new("四月の桜が咲く川沿いの道で".into())
                .check_strength()
                .is_ok()
        );
    }

    #[test]
    fn composed_and_decomposed_passphrases_are_the_same() {
        let composed = Passphrase::new("パスフレーズがいい".into());
        let decomposed = Passphrase::new("パスフレーズがいい".nfd().collect());
        assert_eq!(*composed.normalized_bytes(), *decomposed.normalized_bytes());
    }
}
