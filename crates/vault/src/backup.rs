//! Backup to one file and restore from it.
//!
//! A backup holds the key file and a consistent copy of the database, both as they are on disk:
//! encrypted, and opened by the same passphrase or recovery key as the vault was when backed up.
//! Layout: the line `taiwa-backup 1\n`; the key file's length (8 bytes, big-endian) and bytes; the
//! database's length and bytes; then the SHA-256 of everything before it, so damage is named.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ring::digest;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Problem, Rule};
use crate::keyfile::{self, KeyFile};
use crate::secret::Passphrase;
use crate::{Error, Part, Vault, db};

const MAGIC: &[u8] = b"taiwa-backup 1\n";

fn damaged(detail: impl Into<String>) -> Error {
    Error::Damaged {
        part: Part::Backup,
        detail: detail.into(),
    }
}

impl Vault {
    /// Writes a backup of the whole vault to `out`, which must not exist yet.
    pub fn backup(&self, out: &Path) -> Result<u64, Error> {
        if out.exists() {
            return Err(Problem::new(
                "file",
                Rule::FileExists,
                format!(
                    "{} already exists: choose a new file name for the backup",
                    out.display()
                ),
            )
            .value(out.display())
            .into());
        }
        let key_bytes = KeyFile::read(&self.dir)?.to_bytes()?;
        // A consistent copy through SQLite's backup API, into an encrypted file beside the vault.
        let snapshot = self.dir.join("vault.db.backup-tmp");
        let _ = fs::remove_file(&snapshot);
        crate::private_file(&snapshot)?;
        let copied = (|| -> Result<Vec<u8>, Error> {
            let mut dest = Connection::open_with_flags(
                &snapshot,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            )?;
            dest.execute_batch(&self.key.sqlcipher_pragma())?;
            {
                let backup = rusqlite::backup::Backup::new(&self.conn, &mut dest)?;
                backup.run_to_completion(256, std::time::Duration::ZERO, None)?;
            }
            dest.execute_batch("PRAGMA journal_mode = DELETE;")?;
            drop(dest);
            fs::read(&snapshot).map_err(|e| Error::io(&snapshot, e))
        })();
        let _ = fs::remove_file(&snapshot);
        let db_bytes = copied?;

        let mut body = Vec::with_capacity(MAGIC.len() + 16 + key_bytes.len() + db_bytes.len() + 32);
        body.extend_from_slice(MAGIC);
        body.extend_from_slice(&(key_bytes.len() as u64).to_be_bytes());
        body.extend_from_slice(&key_bytes);
        body.extend_from_slice(&(db_bytes.len() as u64).to_be_bytes());
        body.extend_from_slice(&db_bytes);
        let sum = digest::digest(&digest::SHA256, &body);
        body.extend_from_slice(sum.as_ref());

        // Readable by the manager alone, through a temporary file no one can predict, as exports.
        crate::export::write_private_file(out, &body)?;
        Ok(body.len() as u64)
    }
}

struct Parts {
    key_file: Vec<u8>,
    database: Vec<u8>,
}

fn parse(bytes: &[u8]) -> Result<Parts, Error> {
    if !bytes.starts_with(MAGIC) {
        return Err(damaged("this is not a Taiwa backup file"));
    }
    if bytes.len() < MAGIC.len() + 16 + 32 {
        return Err(damaged("the file is truncated"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - 32);
    if digest::digest(&digest::SHA256, body).as_ref() != sum {
        return Err(damaged("its checksum does not match: the file is truncated or altered"));
    }
    let mut rest = &body[MAGIC.len()..];
    let mut take = |what: &str| -> Result<Vec<u8>, Error> {
        let (len, tail) = rest
            .split_at_checked(8)
            .ok_or_else(|| damaged(format!("the {what} length is missing")))?;
        let len = usize::try_from(u64::from_be_bytes(len.try_into().unwrap_or_default()))
            .map_err(|_| damaged(format!("the {what} length is impossible")))?;
        let (value, tail) = tail
            .split_at_checked(len)
            .ok_or_else(|| damaged(format!("the {what} is truncated")))?;
        rest = tail;
        Ok(value.to_vec())
    };
    let key_file = take("key file")?;
    let database = take("database")?;
    Ok(Parts { key_file, database })
}

/// Writes a restored vault's file, readable by its owner only (as a new vault's are).
fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| Error::io(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// Restores the backup `file` into `dir` and opens it with the passphrase it was made with.
///
/// Nothing is written until the backup is checked whole and the passphrase opens it. An existing
/// vault in `dir` is never overwritten: without `replace` that is an error, and with it the old
/// vault is moved aside to `DIR.before-restore-TIMESTAMP`, whose path is returned.
pub fn restore(
    file: &Path,
    dir: &Path,
    passphrase: &Passphrase,
    replace: bool,
    tz: taiwa_domain::Zone,
) -> Result<(Vault, Option<PathBuf>), Error> {
    let bytes = fs::read(file).map_err(|e| Error::io(file, e))?;
    let parts = parse(&bytes)?;
    let key_file = KeyFile::parse(&parts.key_file).map_err(|e| match e {
        Error::Damaged { detail, .. } => damaged(format!("its key file: {detail}")),
        other => other,
    })?;
    key_file.unwrap_with_passphrase(passphrase)?;
    let occupied = crate::exists(dir);
    if occupied && !replace {
        return Err(Error::VaultExists(dir.to_owned()));
    }
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("vault").to_owned();
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let staging = parent.join(format!(".{name}.restoring"));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    crate::restrict_permissions(&staging)?;
    let staged = write_synced(&staging.join(keyfile::KEY_FILE), &parts.key_file)
        .and_then(|()| write_synced(&staging.join(db::DB_FILE), &parts.database))
        .and_then(|()| keyfile::sync_dir(&staging));
    if let Err(e) = staged {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    let mut moved_aside = None;
    if dir.exists() {
        if occupied {
            let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
            let aside = parent.join(format!("{name}.before-restore-{stamp}"));
            fs::rename(dir, &aside).map_err(|e| Error::io(dir, e))?;
            moved_aside = Some(aside);
        } else {
            // An empty folder (or one without a vault in it) is taken over only if empty.
            fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
        }
    }
    fs::rename(&staging, dir).map_err(|e| Error::io(dir, e))?;
    keyfile::sync_dir(parent)?;
    let vault = Vault::open(dir, passphrase, tz)?;
    Ok((vault, moved_aside))
}
