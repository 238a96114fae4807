//! HR accounts (roles, passwords, invitations), their browser sessions and their API tokens.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use super::{hash_secret, new_token, now, random_bytes};
use crate::Error;
use crate::db::{Pool, V};

/// What an account may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Everything, company-wide.
    HrAdmin,
    /// Aggregates of one org subtree, small groups suppressed, never a name of a pair.
    OrgViewer { org_unit_id: String },
}

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::HrAdmin => "hr_admin",
            Role::OrgViewer { .. } => "org_viewer",
        }
    }

    /// `hr_admin`, or `org_viewer` with the unit it may see.
    pub fn parse(name: &str, org: Option<&str>) -> Result<Role, Error> {
        match (name, org.map(str::trim).filter(|o| !o.is_empty())) {
            ("hr_admin", None) => Ok(Role::HrAdmin),
            ("hr_admin", Some(_)) => Err(Error::refused(
                "an hr_admin sees the whole company: give no org unit",
                "人事管理者は会社全体を見るため、組織は指定しません。",
            )),
            ("org_viewer", Some(org)) => Ok(Role::OrgViewer {
                org_unit_id: org.to_owned(),
            }),
            ("org_viewer", None) => Err(Error::refused(
                "an org_viewer needs the org unit they may see (--org)",
                "組織閲覧者には、見られる組織を選んでください。",
            )),
            (other, _) => Err(Error::refused(
                format!("the role is hr_admin or org_viewer, not '{other}'"),
                format!("役割は人事管理者か組織閲覧者です（「{other}」は使えません）。"),
            )),
        }
    }
}

/// An HR account as the pages list it.
#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub invited: bool,
    pub lang: Option<String>,
    pub created_at: i64,
}

/// The shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

fn check_email(email: &str) -> Result<(), Error> {
    if !taiwa_domain::is_email(email) {
        return Err(Error::refused(
            format!("'{email}' is not an email address"),
            format!("「{email}」はメールアドレスではありません。"),
        ));
    }
    Ok(())
}

fn hash_password(password: &str) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::refused(
            format!("the password is too short: use at least {MIN_PASSWORD_CHARS} characters"),
            format!("パスワードが短すぎます。{MIN_PASSWORD_CHARS}文字以上にしてください。"),
        ));
    }
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Internal(e.to_string()))?
        .to_string())
}

/// A unit must exist in the current directory before an org_viewer can be given it.
fn check_role(conn: &mut dyn crate::db::Conn, role: &Role) -> Result<(), Error> {
    if let Role::OrgViewer { org_unit_id } = role {
        let found = conn.query(
            "SELECT org_unit_id FROM org_units WHERE org_unit_id = $1 AND valid_to IS NULL",
            &[V::from(org_unit_id.as_str())],
        )?;
        if found.is_empty() {
            return Err(Error::missing(
                format!("no org unit {org_unit_id} in the current directory"),
                format!("現在の組織図に組織 {org_unit_id} はありません。"),
            ));
        }
    }
    Ok(())
}

fn role_values(role: &Role) -> (V, V) {
    match role {
        Role::HrAdmin => (V::from("hr_admin"), V::NullText),
        Role::OrgViewer { org_unit_id } => (V::from("org_viewer"), V::from(org_unit_id.as_str())),
    }
}

/// Creates an account with a password (the command line's way).
pub fn create_admin(pool: &Pool, email: &str, password: &str, role: &Role) -> Result<(), Error> {
    check_email(email)?;
    let hash = hash_password(password)?;
    let (role_name, org) = role_values(role);
    pool.write(|conn| {
        check_role(conn, role)?;
        let taken = conn.query("SELECT email FROM admins WHERE email = $1", &[V::from(email)])?;
        if !taken.is_empty() {
            return Err(Error::refused(
                format!("an account {email} already exists"),
                format!("アカウント {email} はすでにあります。"),
            ));
        }
        conn.execute(
            "INSERT INTO admins (email, password_hash, created_at, role, org_unit_id) VALUES ($1, $2, $3, $4, $5)",
            &[V::from(email), V::from(hash), V::Int(now()), role_name, org],
        )?;
        Ok(())
    })
}

/// How long an invitation link stays valid.
pub const INVITE_DAYS: i64 = 7;

/// Invites an account (the pages' way): the account exists without a password until the person
/// opens the returned one-time link token and chooses one.
pub fn invite_admin(pool: &Pool, email: &str, role: &Role) -> Result<String, Error> {
    check_email(email)?;
    let token = new_token("twi_")?;
    let (role_name, org) = role_values(role);
    pool.write(|conn| {
        check_role(conn, role)?;
        let taken = conn.query("SELECT email FROM admins WHERE email = $1", &[V::from(email)])?;
        if !taken.is_empty() {
            return Err(Error::refused(
                format!("an account {email} already exists"),
                format!("アカウント {email} はすでにあります。"),
            ));
        }
        conn.execute(
            "INSERT INTO admins (email, password_hash, created_at, role, org_unit_id, invite_hash, invite_expires)
             VALUES ($1, '', $2, $3, $4, $5, $6)",
            &[
                V::from(email),
                V::Int(now()),
                role_name,
                org,
                V::from(hash_secret(&token)),
                V::Int(now() + INVITE_DAYS * 86_400),
            ],
        )?;
        Ok(())
    })?;
    Ok(token)
}

/// Resets another account's access: its password, its browser sessions and its API tokens stop
/// working at once, and the account is invited again (the returned one-time link token, valid
/// `INVITE_DAYS`), keeping its role. For a person who forgot their password or whose access may
/// have leaked.
pub fn reset_access(pool: &Pool, email: &str) -> Result<String, Error> {
    let token = new_token("twi_")?;
    pool.write(|conn| {
        let changed = conn.execute(
            "UPDATE admins SET password_hash = '', invite_hash = $2, invite_expires = $3 WHERE email = $1",
            &[
                V::from(email),
                V::from(hash_secret(&token)),
                V::Int(now() + INVITE_DAYS * 86_400),
            ],
        )?;
        if changed == 0 {
            return Err(no_account(email));
        }
        conn.execute("DELETE FROM web_sessions WHERE email = $1", &[V::from(email)])?;
        conn.execute(
            "UPDATE admin_tokens SET revoked_at = $2 WHERE email = $1 AND revoked_at IS NULL",
            &[V::from(email), V::Int(now())],
        )?;
        Ok(())
    })?;
    Ok(token)
}

/// The email an unexpired invitation is for.
pub fn invitation(pool: &Pool, token: &str) -> Result<Option<String>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT email FROM admins WHERE invite_hash = $1 AND invite_expires > $2 AND disabled_at IS NULL",
            &[V::from(hash_secret(token)), V::Int(now())],
        )
    })?;
    rows.first().map(|r| r.text("email")).transpose()
}

/// Sets the password of an invited account; the link then stops working.
pub fn accept_invitation(pool: &Pool, token: &str, password: &str) -> Result<String, Error> {
    let hash = hash_password(password)?;
    pool.write(|conn| {
        let rows = conn.query(
            "SELECT email FROM admins WHERE invite_hash = $1 AND invite_expires > $2 AND disabled_at IS NULL",
            &[V::from(hash_secret(token)), V::Int(now())],
        )?;
        let email = rows.first().map(|r| r.text("email")).transpose()?.ok_or_else(|| {
            Error::missing(
                "this invitation is unknown, used or expired: ask HR for a new one",
                "この招待は無効か、使用済みか、期限切れです。人事に新しい招待を依頼してください。",
            )
        })?;
        conn.execute(
            "UPDATE admins SET password_hash = $2, invite_hash = NULL, invite_expires = NULL WHERE email = $1",
            &[V::from(email.as_str()), V::from(hash)],
        )?;
        Ok(email)
    })
}

/// A hash to verify against when the account does not exist, so that a wrong email takes as long
/// as a wrong password and the answer tells nothing about which emails exist.
fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2sRkL0ExK5lzIYzJEnTK6nk5vb1Y7Oos2zHPTqC1yqw"
}

/// Checks a password; `Some(account)` only for an enabled account whose password matches.
pub fn check_admin_password(pool: &Pool, email: &str, password: &str) -> Result<Option<Account>, Error> {
    let account = account(pool, email)?;
    let stored =
        pool.with(|conn| conn.query("SELECT password_hash FROM admins WHERE email = $1", &[V::from(email)]))?;
    let hash = stored
        .first()
        .map(|r| r.text("password_hash"))
        .transpose()?
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let parsed = PasswordHash::new(&hash).map_err(|e| Error::Internal(e.to_string()))?;
    let matches = argon2::Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    Ok(account.filter(|a| matches && !a.disabled && !a.invited))
}

/// What a wrong current password is told (the pages count it as a failed sign-in).
pub fn wrong_current_password() -> crate::Said {
    crate::Said::new(
        "the current password is not right",
        "現在のパスワードが正しくありません。",
    )
}

fn no_account(email: &str) -> Error {
    Error::missing(
        format!("no account {email}"),
        format!("アカウント {email} はありません。"),
    )
}

/// Changes a password after checking the current one.
pub fn change_password(pool: &Pool, email: &str, current: &str, new: &str) -> Result<(), Error> {
    if check_admin_password(pool, email, current)?.is_none() {
        return Err(Error::Refused(wrong_current_password()));
    }
    let hash = hash_password(new)?;
    pool.write(|conn| {
        conn.execute(
            "UPDATE admins SET password_hash = $2 WHERE email = $1",
            &[V::from(email), V::from(hash)],
        )?;
        // Every other session of the account ends with the old password.
        conn.execute("DELETE FROM web_sessions WHERE email = $1", &[V::from(email)])?;
        Ok(())
    })
}

/// An account as stored; an account whose role this server does not know (the schema refuses
/// one, but a database can be written by other hands) is no account at all, never an hr_admin.
fn account_from(r: &crate::db::Row) -> Result<Option<Account>, Error> {
    let role = match (r.text("role")?.as_str(), r.opt_text("org_unit_id")?) {
        ("hr_admin", _) => Role::HrAdmin,
        ("org_viewer", Some(org_unit_id)) => Role::OrgViewer { org_unit_id },
        (other, _) => {
            tracing::warn!(role = %crate::web::strip_controls(other), "an account with an unknown role is refused");
            return Ok(None);
        }
    };
    Ok(Some(Account {
        email: r.text("email")?,
        role,
        disabled: r.opt_int("disabled_at")?.is_some(),
        invited: r.opt_text("invite_hash")?.is_some(),
        lang: r.opt_text("lang")?,
        created_at: r.int("created_at")?,
    }))
}

const ACCOUNT_COLUMNS: &str = "email, role, org_unit_id, disabled_at, invite_hash, lang, created_at";

pub fn account(pool: &Pool, email: &str) -> Result<Option<Account>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM admins WHERE email = $1"),
            &[V::from(email)],
        )
    })?;
    Ok(rows.first().map(account_from).transpose()?.flatten())
}

pub fn accounts(pool: &Pool) -> Result<Vec<Account>, Error> {
    let rows = pool.with(|conn| conn.query(&format!("SELECT {ACCOUNT_COLUMNS} FROM admins ORDER BY email"), &[]))?;
    rows.iter().filter_map(|r| account_from(r).transpose()).collect()
}

/// Changes an account's role; an hr_admin cannot take the role away from the last enabled hr_admin.
pub fn set_role(pool: &Pool, email: &str, role: &Role) -> Result<(), Error> {
    let (role_name, org) = role_values(role);
    pool.write(|conn| {
        check_role(conn, role)?;
        if *role != Role::HrAdmin {
            last_admin_guard(conn, email)?;
        }
        let changed = conn.execute(
            "UPDATE admins SET role = $2, org_unit_id = $3 WHERE email = $1",
            &[V::from(email), role_name, org],
        )?;
        if changed == 0 {
            return Err(no_account(email));
        }
        conn.execute("DELETE FROM web_sessions WHERE email = $1", &[V::from(email)])?;
        Ok(())
    })
}

fn last_admin_guard(conn: &mut dyn crate::db::Conn, email: &str) -> Result<(), Error> {
    let others = conn.query(
        "SELECT email FROM admins WHERE role = 'hr_admin' AND disabled_at IS NULL AND email <> $1",
        &[V::from(email)],
    )?;
    if others.is_empty() {
        return Err(Error::refused(
            format!("{email} is the last enabled hr_admin: give another account that role first"),
            format!("{email} は有効な最後の人事管理者です。先に別のアカウントを人事管理者にしてください。"),
        ));
    }
    Ok(())
}

/// Disables (or enables again) an account; disabling ends its sessions and API tokens.
pub fn set_disabled(pool: &Pool, email: &str, disabled: bool) -> Result<(), Error> {
    pool.write(|conn| {
        if disabled {
            last_admin_guard(conn, email)?;
        }
        let changed = conn.execute(
            "UPDATE admins SET disabled_at = $2 WHERE email = $1",
            &[V::from(email), if disabled { V::Int(now()) } else { V::NullInt }],
        )?;
        if changed == 0 {
            return Err(no_account(email));
        }
        if disabled {
            conn.execute("DELETE FROM web_sessions WHERE email = $1", &[V::from(email)])?;
            conn.execute(
                "UPDATE admin_tokens SET revoked_at = $2 WHERE email = $1 AND revoked_at IS NULL",
                &[V::from(email), V::Int(now())],
            )?;
        }
        Ok(())
    })
}

pub fn set_language(pool: &Pool, email: &str, lang: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "UPDATE admins SET lang = $2 WHERE email = $1",
            &[V::from(email), V::from(lang)],
        )?;
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// API tokens

/// How long an admin API token is valid unless told otherwise.
pub const TOKEN_DAYS: u32 = 90;

/// A new bearer token for the admin API, valid for `days`; only its hash is stored.
pub fn create_admin_token(pool: &Pool, email: &str, days: u32) -> Result<String, Error> {
    if !(1..=365).contains(&days) {
        return Err(Error::Invalid(format!(
            "{days} days: a token may be valid for 1 to 365 days"
        )));
    }
    let token = new_token("twa_")?;
    pool.write(|conn| {
        let rows = conn.query(
            "SELECT role, disabled_at FROM admins WHERE email = $1",
            &[V::from(email)],
        )?;
        let Some(row) = rows.first() else {
            return Err(Error::NotFound(format!(
                "no account {email}: create one with `admin create`"
            )));
        };
        if row.text("role")? != "hr_admin" || row.opt_int("disabled_at")?.is_some() {
            return Err(Error::Invalid(format!(
                "{email} cannot have an API token: tokens are for enabled hr_admin accounts"
            )));
        }
        conn.execute(
            "INSERT INTO admin_tokens (token_hash, email, created_at, expires_at) VALUES ($1, $2, $3, $4)",
            &[
                V::from(hash_secret(&token)),
                V::from(email),
                V::Int(now()),
                V::Int(now() + i64::from(days) * 86_400),
            ],
        )?;
        Ok(())
    })?;
    Ok(token)
}

/// The account of a valid token: not revoked, not expired, an enabled hr_admin.
pub fn admin_for_token(pool: &Pool, token: &str) -> Result<Option<String>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT t.email FROM admin_tokens t JOIN admins a ON a.email = t.email
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
               AND a.disabled_at IS NULL AND a.role = 'hr_admin'",
            &[V::from(hash_secret(token)), V::Int(now())],
        )
    })?;
    rows.first().map(|r| r.text("email")).transpose()
}

/// A token as listed: its id is the first 12 characters of its hash, never the token.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TokenInfo {
    pub id: String,
    pub email: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub fn admin_tokens(pool: &Pool) -> Result<Vec<TokenInfo>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT token_hash, email, created_at, expires_at, revoked_at FROM admin_tokens ORDER BY created_at DESC",
            &[],
        )
    })?;
    rows.into_iter()
        .map(|r| {
            Ok(TokenInfo {
                id: r.text("token_hash")?.chars().take(12).collect(),
                email: r.text("email")?,
                created_at: r.int("created_at")?,
                expires_at: r.int("expires_at")?,
                revoked_at: r.opt_int("revoked_at")?,
            })
        })
        .collect()
}

/// Revokes the token whose id (a prefix of its hash, at least 8 characters) is given.
pub fn revoke_admin_token(pool: &Pool, id: &str) -> Result<(), Error> {
    super::end_listed(
        pool,
        ("token", "APIトークン"),
        id,
        "admin_tokens",
        "token_hash",
        "revoked_at IS NULL",
        "revoked_at",
    )
}

// ---------------------------------------------------------------------------------------------
// Browser sessions

/// A session ends after this long without a request…
pub const SESSION_IDLE_SECS: i64 = 30 * 60;
/// …and after this long in any case.
pub const SESSION_MAX_SECS: i64 = 12 * 3600;

/// A signed-in browser: the account and the session's CSRF token.
#[derive(Clone)]
pub struct WebSession {
    pub account: Account,
    pub csrf: String,
}

impl std::fmt::Debug for WebSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSession")
            .field("email", &self.account.email)
            .field("csrf", &"***")
            .finish()
    }
}

/// Starts a session after a successful sign-in: a new random id every time (no fixation); the
/// cookie holds the id, the database only its hash.
pub fn start_session(pool: &Pool, email: &str) -> Result<String, Error> {
    let id = new_token("tws_")?;
    let csrf = new_token("")?;
    let t = now();
    pool.write(|conn| {
        conn.execute(
            "DELETE FROM web_sessions WHERE seen_at < $1 OR created_at < $2",
            &[V::Int(t - SESSION_IDLE_SECS), V::Int(t - SESSION_MAX_SECS)],
        )?;
        super::purge_pending(conn)?;
        conn.execute(
            "INSERT INTO web_sessions (id_hash, email, csrf, created_at, seen_at) VALUES ($1, $2, $3, $4, $4)",
            &[V::from(hash_secret(&id)), V::from(email), V::from(csrf), V::Int(t)],
        )?;
        Ok(())
    })?;
    Ok(id)
}

/// The session of a cookie, if it is neither idle nor too old and its account is enabled; its
/// idle clock restarts.
pub fn session(pool: &Pool, id: &str) -> Result<Option<WebSession>, Error> {
    let t = now();
    let hash = hash_secret(id);
    // A read first: an unknown or expired cookie (anyone can send one) never takes the writer's
    // turn. A known session's last-seen time is written at most once a minute.
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT email, csrf, seen_at FROM web_sessions WHERE id_hash = $1 AND seen_at >= $2 AND created_at >= $3",
            &[
                V::from(hash.as_str()),
                V::Int(t - SESSION_IDLE_SECS),
                V::Int(t - SESSION_MAX_SECS),
            ],
        )
    })?;
    let Some(row) = rows.first() else { return Ok(None) };
    let (email, csrf, seen) = (row.text("email")?, row.text("csrf")?, row.int("seen_at")?);
    if t - seen >= SESSION_SEEN_STEP_SECS {
        pool.write(|conn| {
            conn.execute(
                "UPDATE web_sessions SET seen_at = $2 WHERE id_hash = $1",
                &[V::from(hash.as_str()), V::Int(t)],
            )
        })?;
    }
    Ok(account(pool, &email)?
        .filter(|a| !a.disabled && !a.invited)
        .map(|account| WebSession { account, csrf }))
}

/// How often a session's last-seen time is written (its idle expiry is 30 minutes).
const SESSION_SEEN_STEP_SECS: i64 = 60;

pub fn end_session(pool: &Pool, id: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "DELETE FROM web_sessions WHERE id_hash = $1",
            &[V::from(hash_secret(id))],
        )?;
        Ok(())
    })
}
