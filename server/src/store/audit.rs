//! The audit log: who viewed named pairs or a unit's managers, and who changed what.

use crate::Error;
use crate::db::{Pool, V};
use crate::store::now;

pub fn audit(pool: &Pool, actor: &str, action: &str, detail: &str) -> Result<(), Error> {
    pool.write(|conn| {
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4)",
            &[V::Int(now()), V::from(actor), V::from(action), V::from(detail)],
        )?;
        Ok(())
    })
}

/// The audit log, newest first.
pub fn audit_entries(pool: &Pool, limit: i64) -> Result<Vec<(i64, String, String, String)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT at, actor, action, detail FROM audit_log ORDER BY id DESC LIMIT $1",
            &[V::Int(limit)],
        )
    })?;
    rows.into_iter()
        .map(|r| Ok((r.int("at")?, r.text("actor")?, r.text("action")?, r.text("detail")?)))
        .collect()
}
