//! The key file: the data key wrapped under the passphrase and under the recovery key.
//!
//! The file is UTF-8 text of two lines. Line 1 is a JSON object; line 2 is `sha256:` and the
//! lowercase hex SHA-256 of line 1's bytes, so that a damaged file is told apart from a wrong
//! passphrase (both would otherwise just fail to unwrap). docs/SECURITY.md gives the format in
//! full, so that the data key can be unwrapped without Taiwa.
//!
//! Writes are atomic: the new file is written beside the old one, flushed, renamed over it and the
//! folder flushed, so a crash at any point leaves either the old or the new file, whole.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use data_encoding::BASE64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::digest;
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::secret::{DataKey, Passphrase, RecoveryKey};
use crate::{Error, Part};

pub(crate) const KEY_FILE: &str = "vault.key";
const KEY_FILE_TMP: &str = "vault.key.tmp";
const FORMAT: &str = "taiwa-vault-key";
const VERSION: u32 = 1;
const RECOVERY_INFO: &str = "taiwa recovery key v1";

/// Argon2id cost for new passphrase slots: above OWASP's minimum (19 MiB, t=2), about a fifth
/// of a second on a laptop. Stored per slot, so it can be raised without breaking old files.
const ARGON2_M_KIB: u32 = 64 * 1024;
const ARGON2_T: u32 = 3;
const ARGON2_P: u32 = 1;
/// The most a key file may ask of Argon2id: 16 times the memory and about 3 times the passes
/// Taiwa writes, room for a future stronger setting, far from a hang.
const ARGON2_MAX_M_KIB: u32 = 1024 * 1024;
const ARGON2_MAX_T: u32 = 10;
const ARGON2_MAX_P: u32 = 8;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    format: String,
    version: u32,
    vault_id: String,
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum SlotKind {
    Passphrase,
    Recovery,
}

impl SlotKind {
    fn as_str(self) -> &'static str {
        match self {
            SlotKind::Passphrase => "passphrase",
            SlotKind::Recovery => "recovery",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Slot {
    kind: SlotKind,
    kdf: Kdf,
    /// Base64 of the 12-byte AES-GCM nonce.
    nonce: String,
    /// Base64 of the 32-byte wrapped key followed by the 16-byte tag.
    wrapped: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "name", deny_unknown_fields)]
enum Kdf {
    #[serde(rename = "argon2id")]
    Argon2id {
        version: u32,
        m_cost_kib: u32,
        t_cost: u32,
        p_cost: u32,
        salt: String,
    },
    #[serde(rename = "hkdf-sha256")]
    HkdfSha256 { salt: String, info: String },
}

/// A parsed, checksum-verified key file.
#[derive(Debug, Clone)]
pub(crate) struct KeyFile {
    body: Body,
}

pub(crate) fn random<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0; N];
    SystemRandom::new().fill(&mut bytes).map_err(|_| Error::Random)?;
    Ok(bytes)
}

fn damaged(detail: impl Into<String>) -> Error {
    Error::Damaged {
        part: Part::KeyFile,
        detail: detail.into(),
    }
}

fn decode(field: &str, text: &str) -> Result<Vec<u8>, Error> {
    BASE64
        .decode(text.as_bytes())
        .map_err(|_| damaged(format!("the field '{field}' is not valid base64")))
}

impl Kdf {
    fn derive_passphrase(passphrase: &Passphrase) -> Result<(Kdf, Zeroizing<[u8; 32]>), Error> {
        let salt = random::<16>()?;
        let kdf = Kdf::Argon2id {
            version: 0x13,
            m_cost_kib: ARGON2_M_KIB,
            t_cost: ARGON2_T,
            p_cost: ARGON2_P,
            salt: BASE64.encode(&salt),
        };
        let key = kdf.derive(&passphrase.normalized_bytes())?;
        Ok((kdf, key))
    }

    fn derive_recovery(recovery: &RecoveryKey) -> Result<(Kdf, Zeroizing<[u8; 32]>), Error> {
        let salt = random::<16>()?;
        let kdf = Kdf::HkdfSha256 {
            salt: BASE64.encode(&salt),
            info: RECOVERY_INFO.into(),
        };
        let key = kdf.derive(recovery.secret_bytes())?;
        Ok((kdf, key))
    }

    /// The 32-byte key-encryption key for `secret` under these parameters.
    fn derive(&self, secret: &[u8]) -> Result<Zeroizing<[u8; 32]>, Error> {
        let mut out = Zeroizing::new([0u8; 32]);
        match self {
            Kdf::Argon2id {
                version,
                m_cost_kib,
                t_cost,
                p_cost,
                salt,
            } => {
                if *version != 0x13 {
                    return Err(damaged(format!("unsupported Argon2 version {version}")));
                }
                let salt = decode("salt", salt)?;
                // A crafted key file (in a backup from elsewhere) cannot make unlocking hang or
                // take gigabytes: its costs are checked before any work.
                if *m_cost_kib > ARGON2_MAX_M_KIB || *t_cost > ARGON2_MAX_T || *p_cost > ARGON2_MAX_P {
                    return Err(damaged(format!(
                        "its Argon2id costs ({} MiB, {t_cost} passes, {p_cost} lanes) are beyond what Taiwa writes (at most {} MiB, {ARGON2_MAX_T} passes, {ARGON2_MAX_P} lanes)",
                        m_cost_kib / 1024,
                        ARGON2_MAX_M_KIB / 1024
                    )));
                }
                let params = Params::new(*m_cost_kib, *t_cost, *p_cost, Some(32))
                    .map_err(|e| damaged(format!("invalid Argon2id parameters: {e}")))?;
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                    .hash_password_into(secret, &salt, out.as_mut())
                    .map_err(|e| damaged(format!("Argon2id failed: {e}")))?;
            }
            Kdf::HkdfSha256 { salt, info } => {
                let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, &decode("salt", salt)?);
                let info = [info.as_bytes()];
                salt.extract(secret)
                    .expand(&info, hkdf::HKDF_SHA256)
                    .and_then(|okm| okm.fill(out.as_mut()))
                    .map_err(|_| damaged("HKDF expansion failed"))?;
            }
        }
        Ok(out)
    }
}

fn aad(vault_id: &str, kind: SlotKind) -> String {
    format!("{FORMAT}/v{VERSION}/{vault_id}/{}", kind.as_str())
}

fn wrap(kek: &[u8; 32], data_key: &DataKey, aad_text: &str) -> Result<(String, String), Error> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, kek).map_err(|_| Error::Random)?);
    let nonce = random::<NONCE_LEN>()?;
    let mut buffer = Zeroizing::new(data_key.raw_bytes().to_vec());
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad_text.as_bytes()),
        &mut *buffer,
    )
    .map_err(|_| Error::Random)?;
    Ok((BASE64.encode(&nonce), BASE64.encode(&buffer)))
}

impl Slot {
    fn create(kind: SlotKind, kdf: Kdf, kek: &[u8; 32], data_key: &DataKey, vault_id: &str) -> Result<Slot, Error> {
        let (nonce, wrapped) = wrap(kek, data_key, &aad(vault_id, kind))?;
        Ok(Slot {
            kind,
            kdf,
            nonce,
            wrapped,
        })
    }

    /// Unwraps the data key; `None` when the secret is not the one this slot was made with.
    fn open(&self, secret: &[u8], vault_id: &str) -> Result<Option<DataKey>, Error> {
        let kek = self.kdf.derive(secret)?;
        let nonce: [u8; NONCE_LEN] = decode("nonce", &self.nonce)?
            .try_into()
            .map_err(|_| damaged("the nonce is not 12 bytes"))?;
        let mut buffer = Zeroizing::new(decode("wrapped", &self.wrapped)?);
        if buffer.len() != 32 + AES_256_GCM.tag_len() {
            return Err(damaged("the wrapped key is not 48 bytes"));
        }
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, kek.as_ref()).map_err(|_| Error::Random)?);
        let aad_text = aad(vault_id, self.kind);
        match key.open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad_text.as_bytes()),
            &mut buffer,
        ) {
            Ok(plain) => {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(plain);
                let data_key = DataKey::from_bytes(bytes);
                zeroize::Zeroize::zeroize(&mut bytes);
                Ok(Some(data_key))
            }
            Err(_) => Ok(None),
        }
    }
}

impl KeyFile {
    /// A new key file for a new vault.
    pub(crate) fn create(
        vault_id: &str,
        data_key: &DataKey,
        passphrase: &Passphrase,
        recovery: &RecoveryKey,
    ) -> Result<KeyFile, Error> {
        let (kdf, kek) = Kdf::derive_passphrase(passphrase)?;
        let pass_slot = Slot::create(SlotKind::Passphrase, kdf, &kek, data_key, vault_id)?;
        let (kdf, kek) = Kdf::derive_recovery(recovery)?;
        let recovery_slot = Slot::create(SlotKind::Recovery, kdf, &kek, data_key, vault_id)?;
        Ok(KeyFile {
            body: Body {
                format: FORMAT.into(),
                version: VERSION,
                vault_id: vault_id.into(),
                slots: vec![pass_slot, recovery_slot],
            },
        })
    }

    pub(crate) fn vault_id(&self) -> &str {
        &self.body.vault_id
    }

    /// Reads and checks `dir/vault.key`; a missing, truncated or altered file is `Damaged`.
    pub(crate) fn read(dir: &Path) -> Result<KeyFile, Error> {
        let path = dir.join(KEY_FILE);
        let bytes = fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => damaged("the key file vault.key is missing"),
            _ => Error::io(&path, e),
        })?;
        KeyFile::parse(&bytes)
    }

    pub(crate) fn parse(bytes: &[u8]) -> Result<KeyFile, Error> {
        let text = std::str::from_utf8(bytes).map_err(|_| damaged("the key file is not UTF-8 text"))?;
        let mut lines = text.split('\n');
        let json = lines.next().unwrap_or_default();
        let sum_line = lines.next().unwrap_or_default();
        if lines.any(|rest| !rest.is_empty()) {
            return Err(damaged("the key file has extra lines"));
        }
        let expected = format!(
            "sha256:{}",
            hex(digest::digest(&digest::SHA256, json.as_bytes()).as_ref())
        );
        if sum_line != expected {
            return Err(damaged("the key file's checksum does not match its content"));
        }
        let body: Body = serde_json::from_str(json).map_err(|e| damaged(format!("the key file is not valid: {e}")))?;
        if body.format != FORMAT {
            return Err(damaged(format!(
                "the key file's format is '{}', not '{FORMAT}'",
                body.format
            )));
        }
        if body.version > VERSION {
            return Err(Error::TooNew {
                what: "key file",
                found: body.version,
                supported: VERSION,
            });
        }
        Ok(KeyFile { body })
    }

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let json = serde_json::to_string(&self.body).map_err(|e| damaged(e.to_string()))?;
        let sum = hex(digest::digest(&digest::SHA256, json.as_bytes()).as_ref());
        Ok(format!("{json}\nsha256:{sum}\n").into_bytes())
    }

    fn slot(&self, kind: SlotKind) -> Result<&Slot, Error> {
        self.body
            .slots
            .iter()
            .find(|s| s.kind == kind)
            .ok_or_else(|| damaged(format!("the key file has no {} slot", kind.as_str())))
    }

    pub(crate) fn unwrap_with_passphrase(&self, passphrase: &Passphrase) -> Result<DataKey, Error> {
        self.slot(SlotKind::Passphrase)?
            .open(&passphrase.normalized_bytes(), &self.body.vault_id)?
            .ok_or(Error::WrongPassphrase)
    }

    pub(crate) fn unwrap_with_recovery(&self, recovery: &RecoveryKey) -> Result<DataKey, Error> {
        self.slot(SlotKind::Recovery)?
            .open(recovery.secret_bytes(), &self.body.vault_id)?
            .ok_or(Error::WrongRecoveryKey)
    }

    /// The same file with a fresh passphrase slot (new salt, nonce and current KDF cost) for `data_key`.
    pub(crate) fn with_passphrase(&self, data_key: &DataKey, passphrase: &Passphrase) -> Result<KeyFile, Error> {
        let (kdf, kek) = Kdf::derive_passphrase(passphrase)?;
        let slot = Slot::create(SlotKind::Passphrase, kdf, &kek, data_key, &self.body.vault_id)?;
        let mut body = self.body.clone();
        body.slots.retain(|s| s.kind != SlotKind::Passphrase);
        body.slots.insert(0, slot);
        Ok(KeyFile { body })
    }

    /// The same file with a fresh recovery slot for `recovery`: the old recovery key stops working
    /// when this file replaces the old one.
    pub(crate) fn with_recovery(&self, data_key: &DataKey, recovery: &RecoveryKey) -> Result<KeyFile, Error> {
        let (kdf, kek) = Kdf::derive_recovery(recovery)?;
        let slot = Slot::create(SlotKind::Recovery, kdf, &kek, data_key, &self.body.vault_id)?;
        let mut body = self.body.clone();
        body.slots.retain(|s| s.kind != SlotKind::Recovery);
        body.slots.push(slot);
        Ok(KeyFile { body })
    }

    /// Replaces `dir/vault.key` atomically (see the module docs).
    pub(crate) fn write(&self, dir: &Path) -> Result<(), Error> {
        let bytes = self.to_bytes()?;
        let tmp = dir.join(KEY_FILE_TMP);
        let path = dir.join(KEY_FILE);
        failpoint("keyfile-before-write");
        {
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&tmp).map_err(|e| Error::io(&tmp, e))?;
            // A temporary file left by a crash with another mode is narrowed before it is reused.
            crate::private_file(&tmp)?;
            failpoint("keyfile-mid-write");
            file.write_all(&bytes[..bytes.len() / 2])
                .map_err(|e| Error::io(&tmp, e))?;
            failpoint("keyfile-half-written");
            file.write_all(&bytes[bytes.len() / 2..])
                .map_err(|e| Error::io(&tmp, e))?;
            file.sync_all().map_err(|e| Error::io(&tmp, e))?;
        }
        failpoint("keyfile-before-rename");
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        failpoint("keyfile-after-rename");
        sync_dir(dir)
    }
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), Error> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// In this crate's own tests, a child process aborts here when asked to, to prove that a crash at
/// each step of a key-file write leaves a working vault. Compiled out of every other build.
#[cfg(test)]
pub(crate) fn failpoint(name: &str) {
    if std::env::var("TAIWA_TEST_FAILPOINT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

#[cfg(not(test))]
#[inline(always)]
pub(crate) fn failpoint(_name: &str) {}

/// Every step at which the key-file write can be interrupted.
#[cfg(test)]
pub(crate) const FAILPOINTS: &[&str] = &[
    "keyfile-before-write",
    "keyfile-mid-write",
    "keyfile-half-written",
    "keyfile-before-rename",
    "keyfile-after-rename",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (KeyFile, DataKey, RecoveryKey) {
        let data_key = DataKey::generate().unwrap();
        let recovery = RecoveryKey::generate().unwrap();
        let file = KeyFile::create(
            "v1",
            &data_key,
            &Passphrase::new("correct horse battery".into()),
            &recovery,
        )
        .unwrap();
        (file, data_key, recovery)
    }

    #[test]
    fn both_slots_unwrap_the_same_key_and_wrong_secrets_do_not() {
        let (file, data_key, recovery) = sample();
        let back = KeyFile::parse(&file.to_bytes().unwrap()).unwrap();
        let by_pass = back
            .unwrap_with_passphrase(&Passphrase::new("correct horse battery".into()))
            .unwrap();
        assert_eq!(by_pass.raw_bytes(), data_key.raw_bytes());
        assert_eq!(
            back.unwrap_with_recovery(&recovery).unwrap().raw_bytes(),
            data_key.raw_bytes()
        );
        assert!(matches!(
            back.unwrap_with_passphrase(&Passphrase::new("correct horse battery!".into())),
            Err(Error::WrongPassphrase)
        ));
        assert!(matches!(
            back.unwrap_with_recovery(&RecoveryKey::generate().unwrap()),
            Err(Error::WrongRecoveryKey)
        ));
    }

    #[test]
    fn a_key_file_asking_argon2_for_too_much_is_refused_before_any_work() {
        let started = std::time::Instant::now();
        for (m, t, p) in [(4 * 1024 * 1024, 3, 1), (64 * 1024, u32::MAX, 1), (64 * 1024, 3, 255)] {
            let kdf = Kdf::Argon2id {
                version: 0x13,
                m_cost_kib: m,
                t_cost: t,
                p_cost: p,
                salt: BASE64.encode(&[0u8; 16]),
            };
            let err = kdf.derive(b"any passphrase").unwrap_err();
            assert!(
                matches!(&err, Error::Damaged { detail, .. } if detail.contains("beyond what Taiwa writes")),
                "{err}"
            );
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused at once");
        // Taiwa's own costs are within the bounds.
        let (file, _, _) = sample();
        assert!(
            file.unwrap_with_passphrase(&Passphrase::new("correct horse battery".into()))
                .is_ok()
        );
    }

    #[test]
    fn a_slot_moved_to_another_vault_does_not_open() {
        let (file, _, _) = sample();
        let mut moved = file.clone();
        moved.body.vault_id = "v2".into();
        let err = moved.unwrap_with_passphrase(&Passphrase::new("correct horse battery".into()));
        assert!(
            matches!(err, Err(Error::WrongPassphrase)),
            "the vault id is bound by the associated data"
        );
    }

    #[test]
    fn any_flipped_byte_is_damage_not_a_wrong_passphrase() {
        let (file, _, _) = sample();
        let bytes = file.to_bytes().unwrap();
        for i in (0..bytes.len()).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x04;
            match KeyFile::parse(&bad) {
                Err(Error::Damaged {
                    part: Part::KeyFile, ..
                }) => {}
                other => panic!("flipping byte {i} gave {other:?}"),
            }
        }
    }
}
