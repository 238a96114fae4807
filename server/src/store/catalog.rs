//! HR's imported data beside the directory: engagement-survey scores and the career-path
//! catalogue. Both are imported all or nothing, checked against the directory.

use std::collections::HashSet;

use taiwa_protocol::{CareerPath, CareerPaths, Month};

use super::{month_from_index, month_index, now};
use crate::Error;
use crate::db::{Conn, Pool, V};
use crate::spreadsheet::{CsvFile, Problem};

/// Scores are stored in thousandths, so both backends keep them as integers.
const SCORE_SCALE: f64 = 1000.0;

/// What a survey import stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveySummary {
    pub rows: usize,
    pub months: Vec<Month>,
    pub items: usize,
}

/// A survey month whose stored scores an import would replace: how many are stored, and how
/// many the file brings for that month.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Replacement {
    pub month: Month,
    pub stored: usize,
    pub incoming: usize,
}

/// Whether a survey import may replace months that already have scores.
#[derive(Debug, Clone, Copy)]
pub enum Replace<'a> {
    /// No: an import that would replace any is not done, and says what it would replace.
    No,
    /// Exactly what HR was shown and confirmed; if the stored scores changed since, nothing is
    /// done and the new figures are said.
    Exactly(&'a [Replacement]),
    /// Whatever is stored (the command line's `--replace`).
    Any,
}

/// What a survey import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyImport {
    Stored(SurveySummary),
    /// Nothing was stored: the file replaces these months' scores, and that was not confirmed.
    WouldReplace(Vec<Replacement>),
}

fn units_in(conn: &mut dyn Conn, month: Option<Month>) -> Result<HashSet<String>, Error> {
    let rows = match month {
        Some(m) => conn.query(
            "SELECT org_unit_id FROM org_units WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to >= $1)",
            &[V::Int(month_index(m))],
        )?,
        None => conn.query("SELECT org_unit_id FROM org_units WHERE valid_to IS NULL", &[])?,
    };
    rows.into_iter().map(|r| r.text("org_unit_id")).collect()
}

/// Imports a survey file (UTF-8 or Shift_JIS): the file's own problems, every score outside the
/// survey's scale (the settings) and every score for a unit not in the directory of its survey
/// month, all named with their lines, or everything stored. The months in the file replace what
/// was stored for them, only as `replace` allows: otherwise nothing is stored and the answer says
/// how many scores of which month the file would replace. The command line and the page both
/// call this.
pub fn import_survey_file(pool: &Pool, file: &[u8], replace: Replace<'_>) -> Result<SurveyImport, Error> {
    let scale = super::settings(pool)?.survey_scale();
    let (scores, mut problems) = crate::survey::parse(file, scale).map_err(|p| Error::Import("survey", p))?;
    pool.write(|conn| {
        let mut months: Vec<Month> = scores.iter().map(|(_, s)| s.survey_month).collect();
        months.sort();
        months.dedup();
        let mut units = std::collections::HashMap::new();
        for &month in &months {
            units.insert(month, units_in(conn, Some(month))?);
        }
        problems.extend(
            scores
                .iter()
                .filter(|(_, s)| !units.get(&s.survey_month).is_some_and(|u| u.contains(&s.org_unit_id)))
                .map(|(line, s)| {
                    Problem::new(
                        CsvFile::Survey,
                        *line,
                        format!("no org unit {} in the directory of {}", s.org_unit_id, s.survey_month),
                        format!("{} の組織図に組織 {} がありません", s.survey_month, s.org_unit_id),
                    )
                }),
        );
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(Error::Import("survey", problems));
        }
        let mut replacements = Vec::new();
        for &month in &months {
            let stored = conn
                .query(
                    "SELECT CAST(count(*) AS BIGINT) AS n FROM survey_scores WHERE survey_month = $1",
                    &[V::Int(month_index(month))],
                )?
                .first()
                .map_or(Ok(0), |r| r.int("n"))?;
            if stored > 0 {
                replacements.push(Replacement {
                    month,
                    stored: usize::try_from(stored).unwrap_or(0),
                    incoming: scores.iter().filter(|(_, s)| s.survey_month == month).count(),
                });
            }
        }
        let go = match replace {
            Replace::No => replacements.is_empty(),
            Replace::Exactly(confirmed) => confirmed == replacements.as_slice(),
            Replace::Any => true,
        };
        if !go {
            return Ok(SurveyImport::WouldReplace(replacements));
        }
        for &month in &months {
            conn.execute(
                "DELETE FROM survey_scores WHERE survey_month = $1",
                &[V::Int(month_index(month))],
            )?;
        }
        for (_, s) in &scores {
            conn.execute(
                "INSERT INTO survey_scores (org_unit_id, survey_month, item, score_milli) VALUES ($1, $2, $3, $4)",
                &[
                    V::from(s.org_unit_id.as_str()),
                    V::Int(month_index(s.survey_month)),
                    V::from(s.item.as_str()),
                    V::Int((s.score * SCORE_SCALE).round() as i64),
                ],
            )?;
        }
        let items: HashSet<&str> = scores.iter().map(|(_, s)| s.item.as_str()).collect();
        Ok(SurveyImport::Stored(SurveySummary {
            rows: scores.len(),
            months,
            items: items.len(),
        }))
    })
}

/// The survey months stored, newest first, with their items.
pub fn surveys(pool: &Pool) -> Result<Vec<(Month, Vec<String>)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT DISTINCT survey_month, item FROM survey_scores ORDER BY survey_month DESC, item",
            &[],
        )
    })?;
    let mut out: Vec<(Month, Vec<String>)> = Vec::new();
    for r in rows {
        let Some(month) = month_from_index(r.int("survey_month")?) else {
            continue;
        };
        let item = r.text("item")?;
        match out.last_mut() {
            Some((m, items)) if *m == month => items.push(item),
            _ => out.push((month, vec![item])),
        }
    }
    Ok(out)
}

/// Each unit's score for one survey month and item.
pub fn survey_scores(pool: &Pool, month: Month, item: &str) -> Result<Vec<(String, f64)>, Error> {
    let rows = pool.with(|conn| {
        conn.query(
            "SELECT org_unit_id, score_milli FROM survey_scores WHERE survey_month = $1 AND item = $2 ORDER BY org_unit_id",
            &[V::Int(month_index(month)), V::from(item)],
        )
    })?;
    rows.into_iter()
        .map(|r| Ok((r.text("org_unit_id")?, r.int("score_milli")? as f64 / SCORE_SCALE)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Career paths

const VERSION_KEY: &str = "career_paths_version";

fn bump_version(conn: &mut dyn Conn) -> Result<(), Error> {
    let current = catalog_version(conn)?;
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[V::from(VERSION_KEY), V::from((current + 1).to_string())],
    )?;
    Ok(())
}

fn catalog_version(conn: &mut dyn Conn) -> Result<u64, Error> {
    Ok(conn
        .query("SELECT value FROM meta WHERE key = $1", &[V::from(VERSION_KEY)])?
        .first()
        .map(|r| r.text("value"))
        .transpose()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The catalogue's version alone: what an `If-None-Match` is checked against.
pub fn career_paths_version(pool: &Pool) -> Result<u64, Error> {
    pool.with(catalog_version)
}

/// Every entry whose unit is not in the current directory, with its line (0 for a page's edit).
fn unit_problems(conn: &mut dyn Conn, paths: &[(u64, CareerPath)]) -> Result<Vec<Problem>, Error> {
    let units = units_in(conn, None)?;
    Ok(paths
        .iter()
        .filter(|(_, p)| !units.contains(&p.org_unit_id))
        .map(|(line, p)| {
            Problem::new(
                CsvFile::CareerPaths,
                *line,
                format!("no org unit {} in the current directory", p.org_unit_id),
                format!("現在の組織図に組織 {} がありません", p.org_unit_id),
            )
        })
        .collect())
}

fn insert_path(conn: &mut dyn Conn, p: &CareerPath) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO career_paths (path_id, org_unit_id, title, description, skills, next_roles, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (path_id) DO UPDATE SET org_unit_id = excluded.org_unit_id, title = excluded.title,
           description = excluded.description, skills = excluded.skills, next_roles = excluded.next_roles,
           updated_at = excluded.updated_at",
        &[
            V::from(p.path_id.as_str()),
            V::from(p.org_unit_id.as_str()),
            V::from(p.title.as_str()),
            V::from(p.description.as_str()),
            V::from(p.skills.join(";")),
            V::from(p.next_roles.join(";")),
            V::Int(now()),
        ],
    )?;
    Ok(())
}

/// What a catalogue import did, or would do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatalogImport {
    /// The catalogue was replaced by this many entries.
    Stored(usize),
    /// Nothing changed: the file would replace the `stored` entries with its `incoming` ones.
    WouldReplace { stored: usize, incoming: usize },
}

/// Imports a catalogue file (UTF-8 or Shift_JIS), replacing the whole catalogue: the file's own
/// problems and every entry for a unit not in the current directory, all named with their lines,
/// or everything stored. `replacing`: `None` replaces whatever is stored (the command line);
/// `Some(n)` only a catalogue of `n` entries now (0: an empty one), else nothing is stored and the
/// answer says what it would replace (the page asks first). The command line and the page both
/// call this.
pub fn import_career_paths_file(pool: &Pool, file: &[u8], replacing: Option<usize>) -> Result<CatalogImport, Error> {
    const WHAT: &str = "career-path catalogue";
    let (paths, mut problems) = crate::career::parse(file).map_err(|p| Error::Import(WHAT, p))?;
    pool.write(|conn| {
        problems.extend(unit_problems(conn, &paths)?);
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(Error::Import(WHAT, problems));
        }
        let stored = conn
            .query("SELECT CAST(count(*) AS BIGINT) AS n FROM career_paths", &[])?
            .first()
            .map_or(Ok(0), |r| r.int("n"))?;
        let stored = usize::try_from(stored).unwrap_or(0);
        if replacing.is_some_and(|n| n != stored) {
            return Ok(CatalogImport::WouldReplace {
                stored,
                incoming: paths.len(),
            });
        }
        conn.execute("DELETE FROM career_paths", &[])?;
        for (_, p) in &paths {
            insert_path(conn, p)?;
        }
        bump_version(conn)?;
        Ok(CatalogImport::Stored(paths.len()))
    })
}

/// Adds or changes one entry, checked like a file's row.
pub fn save_career_path(pool: &Pool, path: &CareerPath) -> Result<(), Error> {
    let problems = crate::career::check(path);
    if !problems.is_empty() {
        let (en, ja): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
        return Err(Error::refused(en.join("; "), ja.join("\n")));
    }
    pool.write(|conn| {
        if unit_problems(conn, &[(0, path.clone())])?.is_empty() {
            insert_path(conn, path)?;
            bump_version(conn)
        } else {
            Err(Error::refused(
                format!("no org unit {} in the current directory", path.org_unit_id),
                format!("現在の組織図に組織 {} はありません。", path.org_unit_id),
            ))
        }
    })
}

pub fn delete_career_path(pool: &Pool, path_id: &str) -> Result<(), Error> {
    pool.write(|conn| {
        if conn.execute("DELETE FROM career_paths WHERE path_id = $1", &[V::from(path_id)])? == 0 {
            return Err(Error::missing(
                format!("no career path {path_id}"),
                format!("キャリアパス {path_id} はありません。"),
            ));
        }
        bump_version(conn)
    })
}

/// The catalogue, with each unit's current name.
pub fn career_paths(pool: &Pool) -> Result<CareerPaths, Error> {
    pool.with(|conn| {
        let version = catalog_version(conn)?;
        let rows = conn.query(
            "SELECT c.path_id, c.org_unit_id, o.name AS org_unit_name, c.title, c.description, c.skills, c.next_roles
             FROM career_paths c LEFT JOIN org_units o ON o.org_unit_id = c.org_unit_id AND o.valid_to IS NULL
             ORDER BY c.org_unit_id, c.path_id",
            &[],
        )?;
        let paths = rows
            .into_iter()
            .map(|r| {
                Ok(CareerPath {
                    path_id: r.text("path_id")?,
                    org_unit_id: r.text("org_unit_id")?,
                    // A unit no longer in the directory: no name (the LEFT JOIN found none).
                    org_unit_name: r.opt_text("org_unit_name")?.unwrap_or_default(),
                    title: r.text("title")?,
                    description: r.text("description")?,
                    skills: crate::career::split_list(&r.text("skills")?),
                    next_roles: crate::career::split_list(&r.text("next_roles")?),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(CareerPaths { version, paths })
    })
}
