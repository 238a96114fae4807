//! A demonstration company: the directory given, most managers enrolled, and a year of completion
//! records that look like a real roll-out (departments that differ, a rate that rises, pairs that
//! go months without a 1on1), sent through the same checks as a device's. For trying the HR pages
//! and for screenshots; never run against a real company's database.

use std::collections::BTreeMap;

use taiwa_protocol::{CompletionRecord, MAX_BATCH_RECORDS, Relationship};

use crate::Error;
use crate::db::Pool;
use crate::store::{self, MonthView};

/// A small deterministic generator (SplitMix64), so that a demonstration is the same every time.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u32) -> u32 {
        u32::try_from(self.next_u64() % u64::from(n.max(1))).unwrap_or(0)
    }
}

/// What a demonstration created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub managers: usize,
    pub enrolled: usize,
    pub records: usize,
    pub months: usize,
}

/// Enrols `enrolled_share` of the current directory's managers and sends `months` months of
/// records (ending with the current month, which is half done) for them.
pub fn seed(pool: &Pool, months: i32, enrolled_share: f64, seed: u64) -> Result<DemoSummary, Error> {
    let mut rng = Rng::new(seed);
    let reports = store::Reports::default();
    let current = store::current_month();
    let first = current.plus(-(months - 1)).unwrap_or(current);
    let now_view = store::month_view(pool, &reports, current)?;
    let mut managers: Vec<String> = now_view.managers.clone();
    managers.sort();
    // Each top department has its own habit; the company improves over the year.
    let department_of = |view: &MonthView, unit: usize| -> String {
        let chain: Vec<usize> = view.tree.ancestry(unit).collect();
        let top = chain.len().saturating_sub(2);
        view.units[chain[top.min(chain.len() - 1)]].id.clone()
    };
    let mut habit: BTreeMap<String, f64> = BTreeMap::new();
    let mut enrolled = Vec::new();
    for m in &managers {
        if rng.unit() < enrolled_share {
            let code = store::create_enrol_code(pool, m, 1, "demo")?;
            store::enrol(pool, &code, "Demo laptop")?;
            enrolled.push(m.clone());
        }
    }
    // The demonstration's managers enrolled when its history began.
    let since = crate::store::month_start(first);
    pool.write(|conn| {
        conn.execute(
            "UPDATE devices SET created_at = $1 WHERE device_name = 'Demo laptop'",
            &[crate::db::V::Int(since)],
        )?;
        store::touch_months(conn, &[store::EVERY_MONTH], store::Change::Everything)
    })?;
    let enrolled_set: std::collections::HashSet<&str> = enrolled.iter().map(String::as_str).collect();
    // A few pairs that keep not meeting, so that "months in a row" means something.
    let mut stuck: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    let mut records = 0;
    let views = store::month_views(pool, &reports, first, current)?;
    let mut revision = 1u64;
    // Each manager's records of every month go in as one device would send them after a long
    // time offline: batches of up to MAX_BATCH_RECORDS.
    let mut batches: BTreeMap<&str, Vec<CompletionRecord>> = BTreeMap::new();
    for (step, view) in views.iter().enumerate() {
        let progress = step as f64 / f64::from(months.max(2) - 1).max(1.0);
        for (i, p) in view.pairs.iter().enumerate() {
            let (manager, member) = &view.pair_ids[i];
            if !enrolled_set.contains(manager.as_str()) {
                continue;
            }
            let dept = department_of(view, p.unit);
            let base = *habit.entry(dept).or_insert_with(|| 0.55 + 0.4 * rng.unit());
            let mut chance = (base + 0.12 * progress).min(0.98);
            if view.month == current {
                chance *= 0.55; // the month is not over yet
            }
            let key = (manager.clone(), member.clone());
            if stuck.contains(&key) || (step + 3 >= views.len() && rng.unit() < 0.01) {
                stuck.insert(key);
                continue;
            }
            if rng.unit() >= chance {
                continue;
            }
            let sessions = 1 + u32::from(rng.unit() < 0.15);
            let minutes = (0..sessions).map(|_| 20 + 5 * rng.below(9)).sum();
            revision += 1;
            batches.entry(manager.as_str()).or_default().push(CompletionRecord {
                member_employee_id: member.clone(),
                month: view.month,
                relationship: Relationship::Line,
                sessions_held: sessions,
                minutes,
                revision,
            });
        }
        cross_records(pool, view, &enrolled, &mut rng, &mut revision, &mut records)?;
    }
    for (manager, list) in batches {
        for chunk in list.chunks(MAX_BATCH_RECORDS) {
            records += store::ingest(pool, manager, chunk)?.accepted as usize;
        }
    }
    Ok(DemoSummary {
        managers: managers.len(),
        enrolled: enrolled.len(),
        records,
        months: views.len(),
    })
}

/// A handful of cross-organisation 1on1s a month: mentors with someone outside their line.
fn cross_records(
    pool: &Pool,
    view: &MonthView,
    enrolled: &[String],
    rng: &mut Rng,
    revision: &mut u64,
    records: &mut usize,
) -> Result<(), Error> {
    if view.pair_ids.is_empty() || enrolled.is_empty() {
        return Ok(());
    }
    for _ in 0..(enrolled.len() / 20).max(1) {
        let mentor = &enrolled[rng.below(u32::try_from(enrolled.len()).unwrap_or(1)) as usize];
        let (their_manager, member) =
            &view.pair_ids[rng.below(u32::try_from(view.pair_ids.len()).unwrap_or(1)) as usize];
        if their_manager == mentor || member == mentor {
            continue;
        }
        *revision += 1;
        let record = CompletionRecord {
            member_employee_id: member.clone(),
            month: view.month,
            relationship: Relationship::Cross,
            sessions_held: 1,
            minutes: 30,
            revision: *revision,
        };
        // A mentor's record for someone already theirs this month is refused: skip it.
        if let Ok(r) = store::ingest(pool, mentor, &[record]) {
            *records += r.accepted as usize;
        }
    }
    Ok(())
}
