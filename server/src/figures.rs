//! The arithmetic of every figure HR reads, as pure functions over plain values: no storage, no
//! clock. Each figure is defined here once, in words (these comments, repeated in the README and
//! on the pages) and in code; the store loads the facts and the pages only format the results.
//!
//! - A **pair** in a month is a (manager, member) pair where the member's manager in that month's
//!   directory is the manager, both being in the directory.
//! - A pair is **met** in a month when at least one 1on1 was held (a line record with one or more
//!   sessions). Nothing else counts as met: not a plan, not a cross-organisation 1on1.
//! - The **completion rate** of a unit is met pairs / pairs whose member is in the unit or below.
//! - A pair is **reporting** when its manager had a device enrolled in that month (enrolled before
//!   the month ended and not revoked before it began) or the server holds a record for it; the
//!   **rate over reporting pairs** is met / reporting pairs. A unit with no reporting pair in a
//!   month has **no data** for it, which the pages say instead of 0%, and a period's figures
//!   leave such months out.
//! - **Coverage** is managers enrolled / managers (managers with at least one pair in the unit)
//!   and reporting pairs / pairs.
//! - **Cross-organisation** 1on1s (a manager with someone not their direct report) are counted
//!   apart, by the member's unit, as sessions and minutes; they never enter a completion rate.
//!
//! What a viewer may see is decided here too ([`disclose`]): hr_admin sees every figure; an org
//! viewer sees their subtree, where every figure comes from at least k reporting pairs (k cross
//! records for cross-organisation figures) and no difference of shown figures tells a smaller
//! group. The rule, in words:
//!
//! - Each unit's **own pairs** (its members' pairs, not its subtree's) form a group. Working up
//!   the tree from the leaves, a unit **pools** its own group with whatever its children passed
//!   up. A pool with at least k reporting pairs, or with none, is **released** at that unit; a pool
//!   with 1 to k−1 reporting pairs is passed up to the parent, and one still that small at the
//!   top of the tree is never released.
//! - An org viewer's figure of a unit adds up the pools released at the unit and below it. So a
//!   unit's shown figure minus its shown children's is exactly the pool released at the unit: 0
//!   or at least k reporting pairs. The pools are decided once for the whole tree, so every
//!   viewer, drill-down and page shows the same figure for a unit, and several viewers together
//!   learn nothing finer than one of them.
//! - A unit with at least k reporting pairs is always shown (some pool below it is released); a
//!   unit with 1 to k−1 is withheld, and says so ("fewer than k reporting"). Where some of a
//!   shown unit's pairs were passed up, the unit says how many pairs are counted above it.
//! - Cross-organisation records are pooled the same way, on their own, by the number of records.
//! - Managers enrolled (distinct people, not a sum) and per-manager figures are hr_admin's alone,
//!   and per-manager figures only while the company has pair-level detail on.
//! - **Over time**, an org viewer reads a month only once it is **released**, [`RELEASE_DAYS`]
//!   days after it ended (UTC), and then from a copy of its records taken once: a figure they
//!   have seen never moves because one pair's record arrived (only a withdrawal, which removes a
//!   pair's records everywhere, changes a released month).
//!
//! The **quality** of 1on1s comes from the members who chose to rate a month's 1on1 on their own
//! page (`store::rate`): a rating is stored under the member's unit and month, apart from the mark
//! that a pair rated, with nothing linking the two. Over a unit's subtree, in a month:
//!
//! - **Raters**: the ratings given (one per pair and month at most).
//! - **Average すっきり度** (clarity, 1–5): the mean over the ratings that answered it.
//! - **Talked about what they wanted**: ratings answering "yes" / ratings answering that question
//!   (the "partly" and "no" counts are kept beside it).
//! - **Response rate**: of the pairs that met in the month (completion's "met"), the share whose
//!   member rated that month's 1on1 (its mark). Pairs that did not meet are in neither part.
//!
//! Quality is never shown by pair or by manager, to anyone, and always under k, whatever the
//! pair-level detail switch says. Its groups are built on completion's ([`disclose_quality`]):
//! each group completion releases is one group here (so that no count of met pairs is finer than
//! completion shows); working up the tree, a group is released when it holds at least k ratings,
//! with 0 or at least k answers to each question (or no rating at all), and otherwise joins the
//! group above; pairs completion counts nowhere are counted nowhere here. A unit's quality adds
//! up the groups released at it and below, so a shown figure minus its shown children is one
//! released group. A unit whose ratings are all counted above is withheld ("fewer than k
//! ratings"). A month's quality is shown only once it is **final** ([`quality_final_day`]): after
//! the last day a rating of it can be given or changed, so that no figure moves by one rating.
//!
//! **The team's すっきり度** is what a manager's app shows of their own team (the members they are
//! the manager of in the rating's pairing): the average すっきり度 of a final month over the members
//! who gave one ([`disclose_team_clarity`]). A manager may also be an org viewer, and knows their
//! own answer about their own 1on1, so the team's figure is decided together with HR's groups:
//!
//! - At least k members rated and at least k gave a すっきり度.
//! - In every HR group that holds any of the team's raters (under both the live figures hr_admin
//!   reads and the released copy org viewers read, and in the ratings counted nowhere), the
//!   team has at least k raters who gave a すっきり度, even if all its raters who gave none were
//!   there.
//! - In every HR group that a shown team reaches, the raters that neither a shown team nor a
//!   shown team's manager's own answer accounts for are 0, or at least k with at least k
//!   answers. Where that fails, the team with the fewest raters in the group is withheld, and
//!   the rule runs again until it holds everywhere.
//!
//! So every figure a manager or HR reads, and any difference of them, adds up whole cells of at
//! least k members; a manager of managers whose direct reports each head their own unit is
//! usually withheld ("it would tell fewer than k"), as their team is split across HR's groups.

use chrono::{DateTime, NaiveDate, Utc};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::statistics::{Data, OrderStatistics, RankTieBreaker, Statistics};
use taiwa_protocol::Month;

/// An org tree over units `0..n`: each unit's parent, if it has one in the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    parent: Vec<Option<usize>>,
    children: Vec<Vec<usize>>,
    /// Parents before children; units in a cycle (a directory error) are left out.
    order: Vec<usize>,
}

impl Tree {
    /// A tree from each unit's parent index. A parent out of range makes a unit a root.
    pub fn new(parent: Vec<Option<usize>>) -> Tree {
        let n = parent.len();
        let parent: Vec<Option<usize>> = parent.into_iter().map(|p| p.filter(|&p| p < n)).collect();
        let mut children = vec![Vec::new(); n];
        for (unit, p) in parent.iter().enumerate() {
            if let Some(p) = p {
                children[*p].push(unit);
            }
        }
        let mut order = Vec::with_capacity(n);
        let mut stack: Vec<usize> = (0..n).filter(|&u| parent[u].is_none()).rev().collect();
        while let Some(u) = stack.pop() {
            order.push(u);
            stack.extend(children[u].iter().rev());
        }
        Tree {
            parent,
            children,
            order,
        }
    }

    pub fn len(&self) -> usize {
        self.parent.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    pub fn parent(&self, unit: usize) -> Option<usize> {
        self.parent[unit]
    }

    pub fn children(&self, unit: usize) -> &[usize] {
        &self.children[unit]
    }

    /// Every unit, parents before children, siblings in index order.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The unit and every unit above it, nearest first.
    pub fn ancestry(&self, unit: usize) -> impl Iterator<Item = usize> + '_ {
        let mut at = Some(unit);
        let mut steps = 0;
        std::iter::from_fn(move || {
            let here = at?;
            steps += 1;
            at = if steps > self.len() { None } else { self.parent[here] };
            Some(here)
        })
    }

    /// The unit and every unit below it, parents first.
    pub fn subtree(&self, unit: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![unit];
        while let Some(u) = stack.pop() {
            if out.len() > self.len() {
                break;
            }
            out.push(u);
            stack.extend(self.children[u].iter().rev());
        }
        out
    }
}

/// One (manager, member) pair in one month, as the directory and the records say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairFact {
    /// The member's unit.
    pub unit: usize,
    /// The manager, as an index into the caller's list of people.
    pub manager: usize,
    /// 1on1s held in the month and their minutes (0 when no record).
    pub sessions: u32,
    pub minutes: u32,
    /// The server holds a record for the pair and month (possibly a correction to zero).
    pub recorded: bool,
    /// The manager has a device enrolled for the month.
    pub manager_enrolled: bool,
}

impl PairFact {
    pub fn met(&self) -> bool {
        self.sessions > 0
    }

    pub fn reporting(&self) -> bool {
        self.manager_enrolled || self.recorded
    }
}

/// A cross-organisation record: counted by the member's unit, apart from completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrossFact {
    pub unit: usize,
    pub sessions: u32,
    pub minutes: u32,
}

/// A unit's figures for one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub pairs: u64,
    pub met: u64,
    pub reporting_pairs: u64,
    /// 1on1s held and their minutes, over the pairs counted here.
    pub sessions: u64,
    pub minutes: u64,
    /// Distinct managers with a pair counted here, and how many of them are enrolled.
    pub managers: u64,
    pub managers_enrolled: u64,
    /// Cross-organisation 1on1s with members counted here (never in `met`), and how many
    /// (manager, member) records they come from.
    pub cross_sessions: u64,
    pub cross_minutes: u64,
    pub cross_records: u64,
}

impl Figures {
    /// Met pairs over all pairs.
    pub fn rate(&self) -> Option<f64> {
        rate(self.met, self.pairs)
    }

    /// Met pairs over reporting pairs.
    pub fn reporting_rate(&self) -> Option<f64> {
        rate(self.met, self.reporting_pairs)
    }

    /// Whether anything is known for the month: at least one reporting pair.
    pub fn has_data(&self) -> bool {
        self.reporting_pairs > 0
    }
}

/// `part / whole`, or `None` when there is nothing to divide by.
pub fn rate(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Each unit's figures over its whole subtree (`subtree = true`) or over its own members only.
///
/// Sums are taken per unit, then added up the tree (children before parents). The distinct
/// managers of a subtree are not a sum (one manager may have reports in several units): each
/// manager counts once in every unit above any of their pairs, found from the union of those
/// pairs' ancestries. Linear in pairs and units, for 100,000 people a month.
pub fn unit_figures(tree: &Tree, pairs: &[PairFact], cross: &[CrossFact], subtree: bool) -> Vec<Figures> {
    let n = tree.len();
    let mut out = vec![Figures::default(); n];
    for p in pairs.iter().filter(|p| p.unit < n) {
        let f = &mut out[p.unit];
        f.pairs += 1;
        f.met += u64::from(p.met());
        f.reporting_pairs += u64::from(p.reporting());
        f.sessions += u64::from(p.sessions);
        f.minutes += u64::from(p.minutes);
    }
    for c in cross.iter().filter(|c| c.unit < n) {
        out[c.unit].cross_sessions += u64::from(c.sessions);
        out[c.unit].cross_minutes += u64::from(c.minutes);
        out[c.unit].cross_records += 1;
    }
    if subtree {
        add_up_the_tree(tree, &mut out);
    }
    // The managers enrolled: each counts once in every unit above their pairs while enrolled.
    let mut places: Vec<(usize, bool, usize)> = pairs
        .iter()
        .filter(|p| p.unit < n)
        .map(|p| (p.manager, p.manager_enrolled, p.unit))
        .collect();
    places.sort_unstable();
    places.dedup();
    // Each group: one manager's units; each unit counted (with those above it) once per group.
    let mut counted: Vec<usize> = Vec::new();
    let mut count_once = |units: &mut dyn Iterator<Item = usize>, add: &mut dyn FnMut(usize)| {
        counted.clear();
        for unit in units {
            if subtree {
                counted.extend(tree.ancestry(unit));
            } else {
                counted.push(unit);
            }
        }
        counted.sort_unstable();
        counted.dedup();
        counted.iter().for_each(|&u| add(u));
    };
    for group in places.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)).filter(|g| g[0].1) {
        count_once(&mut group.iter().map(|p| p.2), &mut |u| out[u].managers_enrolled += 1);
    }
    // Distinct managers regardless of enrolment: the same walk over (manager, unit) alone.
    let mut by_manager: Vec<(usize, usize)> = places.iter().map(|&(m, _, u)| (m, u)).collect();
    by_manager.sort_unstable();
    by_manager.dedup();
    for group in by_manager.chunk_by(|a, b| a.0 == b.0) {
        count_once(&mut group.iter().map(|p| p.1), &mut |u| out[u].managers += 1);
    }
    out
}

/// Adds each unit's additive figures into its parent's, children before parents (managers, which
/// are distinct people and not a sum, are left as they are).
fn add_up_the_tree(tree: &Tree, figures: &mut [Figures]) {
    for &u in tree.order().iter().rev() {
        if let Some(parent) = tree.parent(u) {
            let child = figures[u].clone();
            figures[parent].add_counts(&child);
        }
    }
}

impl Figures {
    /// Adds `other`'s additive figures (everything but the distinct managers).
    fn add_counts(&mut self, other: &Figures) {
        self.add_pair_counts(other);
        self.add_cross_counts(other);
    }

    fn add_pair_counts(&mut self, other: &Figures) {
        self.pairs += other.pairs;
        self.met += other.met;
        self.reporting_pairs += other.reporting_pairs;
        self.sessions += other.sessions;
        self.minutes += other.minutes;
    }

    fn add_cross_counts(&mut self, other: &Figures) {
        self.cross_sessions += other.cross_sessions;
        self.cross_minutes += other.cross_minutes;
        self.cross_records += other.cross_records;
    }
}

/// The figures of everything: the sum over the roots' subtrees.
pub fn company_figures(pairs: &[PairFact], cross: &[CrossFact]) -> Figures {
    let tree = Tree::new(vec![None]);
    let flat: Vec<PairFact> = pairs.iter().map(|p| PairFact { unit: 0, ..*p }).collect();
    let flat_cross: Vec<CrossFact> = cross.iter().map(|c| CrossFact { unit: 0, ..*c }).collect();
    unit_figures(&tree, &flat, &flat_cross, false).pop().unwrap_or_default()
}

/// Days after a month's end (UTC) before org viewers read it: a device sends about once a week
/// (`taiwa_sync::Schedule`: a week and up to a day after its last sync), so the month's last
/// records have arrived by then, with room for a laptop that was closed a day or two.
pub const RELEASE_DAYS: i64 = 10;

/// The day (UTC) from which org viewers read `month`.
pub fn release_day(month: Month) -> Option<NaiveDate> {
    month
        .next()?
        .first_day()
        .checked_add_days(chrono::Days::new(RELEASE_DAYS.unsigned_abs()))
}

/// The latest month org viewers may read at `now`.
pub fn last_released_month(now: DateTime<Utc>) -> Option<Month> {
    Month::of_instant(now - chrono::Duration::days(RELEASE_DAYS), &taiwa_domain::Zone::UTC).prev()
}

/// Who reads the figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// hr_admin while the company has pair-level detail on: every figure as it is.
    Everything,
    /// hr_admin while pair-level detail is off: every unit, small groups pooled as for an org
    /// viewer (a unit of one pair would be that pair's figure), managers enrolled shown.
    Company,
    /// An org viewer: the subtree of `root`, small groups pooled, no managers.
    Org { root: usize },
}

impl Viewer {
    /// hr_admin's view under the company's pair-level detail switch.
    pub fn hr_admin(pair_detail: bool) -> Viewer {
        if pair_detail {
            Viewer::Everything
        } else {
            Viewer::Company
        }
    }
}

/// Why a unit's figures are not shown to a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Withheld {
    /// The unit is outside the viewer's part of the tree.
    OutOfScope,
    /// Its subtree has 1 to k−1 reporting pairs.
    FewerReporting,
}

/// What one viewer may see of one unit in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosed {
    /// The figures shown; `None` when the unit is withheld. For an org viewer these are the
    /// released pools at and below the unit ([`disclose`]), with the managers left at 0.
    pub figures: Option<Figures>,
    pub withheld: Option<Withheld>,
    /// Pairs of the unit's subtree counted in a unit above it (or in none) rather than here.
    pub counted_above: u64,
    /// Whether the cross-organisation figures may be shown: at least k records, or none at all.
    pub cross_shown: bool,
    /// Whether the managers' figures (enrolled, the roll-up by manager) may be shown.
    pub managers_shown: bool,
}

impl Disclosed {
    /// Every figure of `figures`, as hr_admin sees it.
    pub fn everything(figures: Figures) -> Disclosed {
        Disclosed {
            figures: Some(figures),
            withheld: None,
            counted_above: 0,
            cross_shown: true,
            managers_shown: true,
        }
    }

    pub fn shown(&self) -> bool {
        self.figures.is_some()
    }
}

/// For each unit, the unit at which its own group is released (itself or an ancestor), or `None`
/// when it is never released: the pooling rule of this module's docs, over `weight` (reporting
/// pairs, or cross records) of each unit's own group.
pub fn release_points(tree: &Tree, weight: &[u64], k: u64) -> Vec<Option<usize>> {
    let n = tree.len();
    let mut pool = weight.to_vec();
    pool.resize(n, 0);
    let mut released = vec![false; n];
    for &u in tree.order().iter().rev() {
        if pool[u] == 0 || pool[u] >= k {
            released[u] = true;
        } else if let Some(p) = tree.parent(u) {
            pool[p] += pool[u];
        }
    }
    let mut at = vec![None; n];
    for &u in tree.order() {
        at[u] = if released[u] {
            Some(u)
        } else {
            tree.parent(u).and_then(|p| at[p])
        };
    }
    at
}

/// What `viewer` may see of every unit: the one place that decides it for every page, CSV and
/// API answer (see this module's docs for the rule in words). `all` is each unit's figures over
/// its subtree (`unit_figures(tree, pairs, cross, true)`, which a month's view keeps).
pub fn disclose(
    tree: &Tree,
    pairs: &[PairFact],
    cross: &[CrossFact],
    all: &[Figures],
    k: u64,
    viewer: Viewer,
) -> Vec<Disclosed> {
    let root = match viewer {
        Viewer::Everything => return all.iter().cloned().map(Disclosed::everything).collect(),
        Viewer::Company => None,
        Viewer::Org { root } => Some(root),
    };
    let own = unit_figures(tree, pairs, cross, false);
    let n = tree.len();
    let weights = |f: fn(&Figures) -> u64| own.iter().map(f).collect::<Vec<u64>>();
    let pair_points = release_points(tree, &weights(|f| f.reporting_pairs), k);
    let cross_points = release_points(tree, &weights(|f| f.cross_records), k);
    let mut shown = vec![Figures::default(); n];
    for u in 0..n {
        if let Some(r) = pair_points[u] {
            shown[r].add_pair_counts(&own[u]);
        }
        if let Some(r) = cross_points[u] {
            shown[r].add_cross_counts(&own[u]);
        }
    }
    add_up_the_tree(tree, &mut shown);
    let mut in_scope = vec![root.is_none(); n];
    for u in root.map(|r| tree.subtree(r)).unwrap_or_default() {
        in_scope[u] = true;
    }
    let managers_shown = viewer == Viewer::Company;
    (0..n)
        .map(|u| {
            let (f, true_f) = (&mut shown[u], &all[u]);
            if managers_shown {
                (f.managers, f.managers_enrolled) = (true_f.managers, true_f.managers_enrolled);
            }
            let withheld = if !in_scope[u] {
                Some(Withheld::OutOfScope)
            } else if f.reporting_pairs == 0 && true_f.reporting_pairs > 0 {
                Some(Withheld::FewerReporting)
            } else {
                None
            };
            Disclosed {
                figures: withheld.is_none().then(|| f.clone()),
                withheld,
                counted_above: true_f.pairs - f.pairs,
                cross_shown: f.cross_records >= k || true_f.cross_records == 0,
                managers_shown,
            }
        })
        .collect()
}

/// The whole company as `viewer` may see it, given `disclosed` (from [`disclose`] for the same
/// viewer) and the company's figures as they are: everything, or the sum of the roots' shown
/// figures (the pools still under k at the top are counted nowhere).
pub fn disclose_company(
    tree: &Tree,
    disclosed: &[Disclosed],
    everything: Figures,
    k: u64,
    viewer: Viewer,
) -> Disclosed {
    if viewer == Viewer::Everything {
        return Disclosed::everything(everything);
    }
    let mut sum = Figures::default();
    for root in tree.order().iter().copied().filter(|&u| tree.parent(u).is_none()) {
        if let Some(f) = disclosed.get(root).and_then(|d| d.figures.as_ref()) {
            sum.add_counts(f);
        }
    }
    let managers_shown = viewer == Viewer::Company;
    if managers_shown {
        (sum.managers, sum.managers_enrolled) = (everything.managers, everything.managers_enrolled);
    }
    let withheld = (sum.reporting_pairs == 0 && everything.reporting_pairs > 0).then_some(Withheld::FewerReporting);
    Disclosed {
        counted_above: everything.pairs - sum.pairs,
        cross_shown: sum.cross_records >= k || everything.cross_records == 0,
        figures: withheld.is_none().then_some(sum),
        withheld,
        managers_shown,
    }
}

/// Whether figures by manager (the roll-up of a unit's managers, a manager's pairs) may be shown:
/// to hr_admin, and only while the company has pair-level detail turned on.
pub fn by_manager_allowed(viewer: Viewer) -> bool {
    viewer == Viewer::Everything
}

/// Each manager's figures over their pairs among `pairs`, by manager index, ascending.
pub fn by_manager(pairs: &[PairFact]) -> Vec<(usize, Figures)> {
    let mut by: std::collections::BTreeMap<usize, Vec<PairFact>> = Default::default();
    for p in pairs {
        by.entry(p.manager).or_default().push(*p);
    }
    by.into_iter()
        .map(|(m, facts)| (m, company_figures(&facts, &[])))
        .collect()
}

/// The figures of several months, in order, added up for a period: pairs become pair-months and
/// met pair-months, sessions and minutes add up; coverage (managers) is that of the last month.
pub fn add_up<'a>(months: impl IntoIterator<Item = &'a Figures>) -> Figures {
    months.into_iter().fold(Figures::default(), |mut sum, f| {
        sum.pairs += f.pairs;
        sum.met += f.met;
        sum.reporting_pairs += f.reporting_pairs;
        sum.sessions += f.sessions;
        sum.minutes += f.minutes;
        sum.managers = f.managers;
        sum.managers_enrolled = f.managers_enrolled;
        sum.cross_sessions += f.cross_sessions;
        sum.cross_minutes += f.cross_minutes;
        sum.cross_records += f.cross_records;
        sum
    })
}

/// The ratings of a group (one unit's own, or pooled), as counts: nothing in it is one person's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ratings {
    /// Ratings given (each answers at least one question).
    pub ratings: u64,
    /// Ratings with a すっきり度, and the sum of those scores (1–5 each).
    pub clarity_answers: u64,
    pub clarity_sum: u64,
    /// Answers to "did you talk about what you wanted?".
    pub talked_yes: u64,
    pub talked_partly: u64,
    pub talked_no: u64,
}

impl Ratings {
    pub fn add(&mut self, other: &Ratings) {
        self.ratings += other.ratings;
        self.clarity_answers += other.clarity_answers;
        self.clarity_sum += other.clarity_sum;
        self.talked_yes += other.talked_yes;
        self.talked_partly += other.talked_partly;
        self.talked_no += other.talked_no;
    }

    /// `self − other`, field by field (`other` being part of `self`).
    pub fn minus(&self, other: &Ratings) -> Ratings {
        Ratings {
            ratings: self.ratings.saturating_sub(other.ratings),
            clarity_answers: self.clarity_answers.saturating_sub(other.clarity_answers),
            clarity_sum: self.clarity_sum.saturating_sub(other.clarity_sum),
            talked_yes: self.talked_yes.saturating_sub(other.talked_yes),
            talked_partly: self.talked_partly.saturating_sub(other.talked_partly),
            talked_no: self.talked_no.saturating_sub(other.talked_no),
        }
    }

    pub fn talked_answers(&self) -> u64 {
        self.talked_yes + self.talked_partly + self.talked_no
    }

    /// The mean すっきり度 over the ratings that gave one.
    pub fn average_clarity(&self) -> Option<f64> {
        (self.clarity_answers > 0).then(|| self.clarity_sum as f64 / self.clarity_answers as f64)
    }

    /// "Yes" over the answers to the talked question.
    pub fn talked_share(&self) -> Option<f64> {
        rate(self.talked_yes, self.talked_answers())
    }

    /// Whether a group may be shown on its own under `k`: no rating at all, or at least k ratings
    /// with 0 or at least k answers to each question (an average of two answers among k ratings
    /// would be those two people's).
    pub fn releasable(&self, k: u64) -> bool {
        let enough = |n: u64| n == 0 || n >= k;
        self.ratings == 0 || (self.ratings >= k && enough(self.clarity_answers) && enough(self.talked_answers()))
    }
}

/// A unit's quality in a month: its ratings and the response rate's two counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quality {
    pub ratings: Ratings,
    /// Pairs that met in the month, and how many of them the member rated.
    pub met_pairs: u64,
    pub met_pairs_rated: u64,
}

impl Quality {
    fn add(&mut self, other: &Quality) {
        self.ratings.add(&other.ratings);
        self.met_pairs += other.met_pairs;
        self.met_pairs_rated += other.met_pairs_rated;
    }

    /// Met pairs whose member rated / met pairs.
    pub fn response_rate(&self) -> Option<f64> {
        rate(self.met_pairs_rated, self.met_pairs)
    }
}

/// What anyone may see of one unit's quality in one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QualityDisclosed {
    /// The groups released at the unit and below; `None` when withheld (its subtree has ratings
    /// but none can be shown here) or out of the viewer's scope.
    pub quality: Option<Quality>,
    pub withheld: Option<Withheld>,
    /// Ratings of the unit's subtree counted in a unit above it (or in none) rather than here.
    pub counted_above: u64,
}

impl QualityDisclosed {
    /// The part of the unit's shown quality that no shown unit below it shows: the groups
    /// released at the unit itself (what a reader gets by subtracting its shown children).
    pub fn released_here(&self, tree: &Tree, unit: usize, all: &[QualityDisclosed]) -> Option<Quality> {
        let mut here = self.quality?;
        for &c in tree.children(unit) {
            if let Some(q) = all.get(c).and_then(|d| d.quality) {
                here.ratings = here.ratings.minus(&q.ratings);
                here.met_pairs = here.met_pairs.saturating_sub(q.met_pairs);
                here.met_pairs_rated = here.met_pairs_rated.saturating_sub(q.met_pairs_rated);
            }
        }
        Some(here)
    }
}

/// For each unit, the unit at which its quality is released (`None`: never), built on
/// completion's groups: `pairs`' reporting pairs decide completion's release points; every unit
/// of one completion group goes where the group goes; a group is released when its ratings are
/// [`Ratings::releasable`], otherwise it joins the group of its release point's parent.
pub fn quality_release_points(tree: &Tree, pairs: &[PairFact], own: &[Ratings], k: u64) -> Vec<Option<usize>> {
    let n = tree.len();
    let mut reporting = vec![0u64; n];
    for p in pairs.iter().filter(|p| p.unit < n) {
        reporting[p.unit] += u64::from(p.reporting());
    }
    let completion = release_points(tree, &reporting, k);
    // Completion's groups, each at its release unit; the order of `tree` visits them children
    // first when reversed, as the group of a unit's parent is released at or above the parent.
    let mut pool = vec![Ratings::default(); n];
    for (u, at) in completion.iter().enumerate() {
        if let (Some(r), Some(own)) = (at, own.get(u)) {
            pool[*r].add(own);
        }
    }
    let mut released = vec![false; n];
    for &u in tree.order().iter().rev() {
        if completion[u] != Some(u) {
            continue;
        }
        if pool[u].releasable(k) {
            released[u] = true;
        } else if let Some(up) = tree.parent(u).and_then(|p| completion[p]) {
            let moved = pool[u];
            pool[up].add(&moved);
        }
    }
    // Where each completion group ends up: itself if released, else where its upward group does.
    let mut group_at = vec![None; n];
    for &u in tree.order() {
        if completion[u] != Some(u) {
            continue;
        }
        group_at[u] = if released[u] {
            Some(u)
        } else {
            tree.parent(u).and_then(|p| completion[p]).and_then(|up| group_at[up])
        };
    }
    completion.iter().map(|at| at.and_then(|r| group_at[r])).collect()
}

/// Each unit's quality as anyone may see it in one month (the rule in this module's docs):
/// `rated[i]` says whether the member of `pairs[i]` rated the month, `own[u]` is unit `u`'s own
/// ratings. `root` limits the units shown to an org viewer's subtree.
pub fn disclose_quality(
    tree: &Tree,
    pairs: &[PairFact],
    rated: &[bool],
    own: &[Ratings],
    k: u64,
    root: Option<usize>,
) -> Vec<QualityDisclosed> {
    let n = tree.len();
    let mut own_quality: Vec<Quality> = (0..n)
        .map(|u| Quality {
            ratings: own.get(u).copied().unwrap_or_default(),
            ..Quality::default()
        })
        .collect();
    for (i, p) in pairs.iter().enumerate().filter(|(_, p)| p.unit < n && p.met()) {
        own_quality[p.unit].met_pairs += 1;
        own_quality[p.unit].met_pairs_rated += u64::from(rated.get(i).copied().unwrap_or(false));
    }
    let points = quality_release_points(tree, pairs, own, k);
    let mut shown = vec![Quality::default(); n];
    let mut truth = own_quality.clone();
    for u in 0..n {
        if let Some(r) = points[u] {
            let q = own_quality[u];
            shown[r].add(&q);
        }
    }
    for &u in tree.order().iter().rev() {
        if let Some(parent) = tree.parent(u) {
            let (s, t) = (shown[u], truth[u]);
            shown[parent].add(&s);
            truth[parent].add(&t);
        }
    }
    let mut in_scope = vec![root.is_none(); n];
    for u in root.map(|r| tree.subtree(r)).unwrap_or_default() {
        in_scope[u] = true;
    }
    (0..n)
        .map(|u| {
            let (s, t) = (shown[u], truth[u]);
            let withheld = if !in_scope[u] {
                Some(Withheld::OutOfScope)
            } else if s.ratings.ratings == 0 && t.ratings.ratings > 0 {
                Some(Withheld::FewerReporting)
            } else {
                None
            };
            QualityDisclosed {
                quality: withheld.is_none().then_some(s),
                withheld,
                counted_above: t.ratings.ratings - s.ratings.ratings,
            }
        })
        .collect()
}

/// The whole company's quality: the sum of the roots' shown quality (groups still under k at
/// the top are counted nowhere).
pub fn quality_company(tree: &Tree, disclosed: &[QualityDisclosed]) -> Quality {
    let mut sum = Quality::default();
    for &root in tree.order().iter().filter(|&&u| tree.parent(u).is_none()) {
        if let Some(q) = disclosed.get(root).and_then(|d| d.quality) {
            sum.add(&q);
        }
    }
    sum
}

/// The quality of several months added up for a period (each month's shown figures).
pub fn add_up_quality<'a>(months: impl IntoIterator<Item = &'a Quality>) -> Quality {
    months.into_iter().fold(Quality::default(), |mut sum, q| {
        sum.add(q);
        sum
    })
}

/// The first day (UTC) on which `month`'s quality is final and shown: a member rates this month's
/// or last month's 1on1 (so until `month` + 1 ends) and may change a rating for
/// `RATING_CHANGE_DAYS` days, counted in the company's zone, which is at most a day from UTC.
pub fn quality_final_day(month: Month) -> Option<NaiveDate> {
    month.plus(2)?.first_day().checked_add_days(chrono::Days::new(
        (taiwa_protocol::channel::RATING_CHANGE_DAYS + 1).unsigned_abs(),
    ))
}

/// One manager's team's stored sums for a month (`store::team_ratings`): raters, the sum of the
/// すっきり度 given and how many gave one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeamSums {
    pub raters: u64,
    pub clarity_sum: u64,
    pub clarity_n: u64,
}

/// The mark that a member of `team` rated the month; `rater_team` is the team that member
/// manages, if any (a manager who rated knows their own answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TeamMark {
    pub team: usize,
    pub rater_team: Option<usize>,
}

/// How HR's figures group a month's ratings, for [`disclose_team_clarity`]: `groups[u]` is the
/// group unit `u`'s own ratings are counted in (any numbering; `None`: counted nowhere), `own[u]`
/// unit `u`'s own ratings, and `units[i]` the unit of mark `i`'s rater in that month's directory
/// (`None`: not in it). Where HR reads two groupings (the live figures and the released copy),
/// the groups are their intersections, so that nothing either of them shows splits one.
#[derive(Debug, Clone, Copy)]
pub struct TeamGrouping<'a> {
    pub groups: &'a [Option<usize>],
    pub own: &'a [Ratings],
    pub units: &'a [Option<usize>],
}

/// Every manager's own team's average すっきり度 for one **final** month, as their app may show it
/// (the rule in this module's docs, "The team's すっきり度"): `teams[t]` are team `t`'s sums,
/// `marks` say which members of which team rated, and `grouping` how HR's figures group the
/// same ratings. `Ok` is the average; a team is withheld when fewer than k members rated or
/// fewer than k gave a すっきり度 ([`TeamWithheld::FewerThanK`]), or when its average beside HR's
/// figures (and beside the other shown teams and what their managers know of their own answer)
/// would tell the answers of 1 to k−1 members ([`TeamWithheld::WouldTellFewer`]).
pub fn disclose_team_clarity(
    teams: &[TeamSums],
    marks: &[TeamMark],
    grouping: TeamGrouping,
    k: u64,
) -> Vec<Result<f64, taiwa_protocol::channel::TeamWithheld>> {
    use taiwa_protocol::channel::TeamWithheld;
    let k = k.max(1);
    let nt = teams.len();
    let mut result: Vec<Result<f64, TeamWithheld>> = teams
        .iter()
        .map(|t| {
            if t.raters < k || t.clarity_n < k {
                Err(TeamWithheld::FewerThanK)
            } else {
                Ok(t.clarity_sum as f64 / t.clarity_n as f64)
            }
        })
        .collect();
    let mut marks_of = vec![Vec::new(); nt];
    let mut own_mark = vec![None; nt];
    for (i, m) in marks.iter().enumerate() {
        if let Some(list) = marks_of.get_mut(m.team) {
            list.push(i);
        }
        if let Some(slot) = m.rater_team.and_then(|r| own_mark.get_mut(r)) {
            *slot = Some(i);
        }
    }
    // A team whose raters cannot all be placed in HR's groups is not shown.
    let mut places = Places::new(&grouping, marks, nt);
    // Raters a manager who may be shown knows the answer of: their own.
    let may_show: Vec<bool> = result.iter().map(Result::is_ok).collect();
    for t in 0..nt {
        let placed = marks_of[t].len() as u64 == teams[t].raters
            && marks_of[t]
                .iter()
                .chain(own_mark[t].iter())
                .all(|&i| places.group_of_mark[i].is_some());
        // Each cell (the team's raters in one group) holds k raters whose answer no manager who
        // may be shown knows, and who gave a すっきり度, even if every rater of the team who gave
        // none were among them.
        let silent = teams[t].raters - teams[t].clarity_n.min(teams[t].raters);
        let cells_ok = places.cells[t].iter().all(|&(g, c)| {
            let known = marks_of[t]
                .iter()
                .filter(|&&i| places.group_of_mark[i] == Some(g) && marks[i].rater_team.is_some_and(|r| may_show[r]))
                .count() as u64;
            c.saturating_sub(known).saturating_sub(silent) >= k
        });
        if result[t].is_ok() && !(placed && cells_ok) {
            result[t] = Err(TeamWithheld::WouldTellFewer);
        }
    }
    let mut shown: Vec<bool> = result.iter().map(Result::is_ok).collect();
    places.count(&shown, teams, marks);
    // Each group a shown team reaches must keep 0 or at least k raters (and k answers) beside
    // what the shown teams and their managers know; otherwise the team with the fewest raters
    // there is withheld, and the groups it reached are looked at again.
    let mut work: Vec<usize> = (0..places.released).collect();
    while let Some(g) = work.pop() {
        if places.rest_ok(g, k) {
            continue;
        }
        let Some(t) = places.in_group[g]
            .iter()
            .filter(|&&(t, _)| shown[t])
            .min_by_key(|&&(t, c)| (c, t))
            .map(|&(t, _)| t)
        else {
            continue;
        };
        shown[t] = false;
        result[t] = Err(TeamWithheld::WouldTellFewer);
        work.extend(places.withhold(t, &shown, teams, marks, &marks_of[t], own_mark[t]));
        work.push(g);
    }
    result
}

/// HR's groups, and what the shown teams tell of each: the grouping's groups, and one more
/// (`released`) for the ratings counted nowhere.
struct Places {
    released: usize,
    group_of_mark: Vec<Option<usize>>,
    /// Per team, its raters per group; per group, the teams with raters there.
    cells: Vec<Vec<(usize, u64)>>,
    in_group: Vec<Vec<(usize, u64)>>,
    raters: Vec<i64>,
    answers: Vec<i64>,
    /// Raters of each group known to a shown team's manager (in a shown team, or their own),
    /// at most how many of them gave a すっきり度, and how many shown teams reach the group.
    known: Vec<i64>,
    known_answers: Vec<i64>,
    reached: Vec<u32>,
}

impl Places {
    fn new(g: &TeamGrouping, marks: &[TeamMark], teams: usize) -> Places {
        let released = g.groups.iter().flatten().max().map_or(0, |&m| m + 1);
        let group = |u: usize| g.groups.get(u).map(|p| p.unwrap_or(released));
        let group_of_mark: Vec<Option<usize>> = (0..marks.len())
            .map(|i| g.units.get(i).copied().flatten().and_then(group))
            .collect();
        let mut cells = vec![Vec::<(usize, u64)>::new(); teams];
        for (m, at) in marks.iter().zip(&group_of_mark) {
            if let (Some(list), Some(at)) = (cells.get_mut(m.team), at) {
                match list.iter_mut().find(|(x, _)| x == at) {
                    Some(cell) => cell.1 += 1,
                    None => list.push((*at, 1)),
                }
            }
        }
        let mut in_group = vec![Vec::new(); released + 1];
        for (t, list) in cells.iter().enumerate() {
            for &(at, c) in list {
                in_group[at].push((t, c));
            }
        }
        let (mut raters, mut answers) = (vec![0i64; released + 1], vec![0i64; released + 1]);
        for (u, r) in g.own.iter().enumerate() {
            if let Some(at) = group(u) {
                raters[at] += r.ratings as i64;
                answers[at] += r.clarity_answers as i64;
            }
        }
        Places {
            released,
            group_of_mark,
            cells,
            in_group,
            raters,
            answers,
            known: vec![0; released + 1],
            known_answers: vec![0; released + 1],
            reached: vec![0; released + 1],
        }
    }

    fn count(&mut self, shown: &[bool], teams: &[TeamSums], marks: &[TeamMark]) {
        for (t, list) in self.cells.iter().enumerate().filter(|(t, _)| shown[*t]) {
            for &(at, c) in list {
                self.known[at] += c as i64;
                self.known_answers[at] += c.min(teams[t].clarity_n) as i64;
                self.reached[at] += 1;
            }
        }
        for (m, at) in marks.iter().zip(&self.group_of_mark) {
            if let (Some(r), Some(at)) = (m.rater_team, at)
                && shown[r]
                && !shown[m.team]
            {
                self.known[*at] += 1;
                self.known_answers[*at] += 1;
            }
        }
    }

    /// Whether group `g`'s raters unknown to the shown teams' managers are 0, or k with at
    /// least k answers (counting every known rater as having given one).
    fn rest_ok(&self, g: usize, k: u64) -> bool {
        if g >= self.released || self.reached[g] == 0 {
            return true;
        }
        let rest = self.raters[g] - self.known[g];
        let k = k as i64;
        rest == 0 || (rest >= k && self.answers[g] - self.known_answers[g] >= k)
    }

    /// Takes team `t` (now withheld) out of what is known; returns the groups that changed.
    fn withhold(
        &mut self,
        t: usize,
        shown: &[bool],
        teams: &[TeamSums],
        marks: &[TeamMark],
        members: &[usize],
        own: Option<usize>,
    ) -> Vec<usize> {
        let mut changed = Vec::new();
        for &(at, c) in &self.cells[t] {
            self.known[at] -= c as i64;
            self.known_answers[at] -= c.min(teams[t].clarity_n) as i64;
            self.reached[at] -= 1;
            changed.push(at);
        }
        // The manager's own answer is no longer known to a shown team's manager...
        if let Some(i) = own
            && !shown[marks[i].team]
            && let Some(at) = self.group_of_mark[i]
        {
            self.known[at] -= 1;
            self.known_answers[at] -= 1;
            changed.push(at);
        }
        // ...while members of the team who manage a shown team still know their own.
        for &i in members {
            if let (Some(r), Some(at)) = (marks[i].rater_team, self.group_of_mark[i])
                && shown[r]
            {
                self.known[at] += 1;
                self.known_answers[at] += 1;
                changed.push(at);
            }
        }
        changed
    }
}

/// Whether `month`'s quality is final on `today` (UTC).
pub fn quality_is_final(month: Month, today: NaiveDate) -> bool {
    quality_final_day(month).is_some_and(|d| today >= d)
}

/// One unit's point beside a survey score: the ratings released at the unit over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityPoint {
    pub unit_id: String,
    pub path: Vec<String>,
    pub clarity_answers: u64,
    pub average_clarity: f64,
    pub score: f64,
}

/// The quality points of one survey item, and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityPoints {
    pub points: Vec<QualityPoint>,
    /// Units with a score but fewer than k すっきり度 answers released at them in the window.
    pub small: usize,
    /// Scores for units not in the directory of the window's last month.
    pub unknown: usize,
}

/// The points of (average すっきり度, survey score), one per unit: a unit's ratings are those
/// released at it ([`QualityDisclosed::released_here`]) in each final month of the window, so no
/// rating counts in two points and a point tells nothing a dashboard does not. A unit with fewer
/// than k すっきり度 answers so released is left out (counted as small).
pub fn quality_points(
    released: &std::collections::HashMap<String, Ratings>,
    scores: &[(String, f64)],
    path: impl Fn(&str) -> Option<Vec<String>>,
    k: u64,
) -> QualityPoints {
    let mut out = QualityPoints {
        points: Vec::new(),
        small: 0,
        unknown: 0,
    };
    for (unit, score) in scores {
        let Some(path) = path(unit) else {
            out.unknown += 1;
            continue;
        };
        let r = released.get(unit).copied().unwrap_or_default();
        match r.average_clarity().filter(|_| r.clarity_answers >= k) {
            Some(average_clarity) => out.points.push(QualityPoint {
                unit_id: unit.clone(),
                path,
                clarity_answers: r.clarity_answers,
                average_clarity,
                score: *score,
            }),
            None => out.small += 1,
        }
    }
    out
}

/// How many pairs are paired through the member page, per unit over its subtree, as anyone may
/// see it: `paired[u]` is unit `u`'s own count. Pooled like completion (released at a unit
/// when 0 or at least k, else counted in the unit above); `None` for a unit whose count is
/// withheld (1 to k−1 pairs paired that cannot be shown without telling a smaller group).
pub fn disclose_paired(tree: &Tree, paired: &[u64], k: u64) -> Vec<Option<u64>> {
    let n = tree.len();
    let points = release_points(tree, paired, k);
    let mut shown = vec![0u64; n];
    let mut truth = paired.to_vec();
    truth.resize(n, 0);
    for (u, at) in points.iter().enumerate() {
        if let Some(r) = at {
            shown[*r] += paired.get(u).copied().unwrap_or(0);
        }
    }
    for &u in tree.order().iter().rev() {
        if let Some(p) = tree.parent(u) {
            shown[p] += shown[u];
            truth[p] += truth[u];
        }
    }
    (0..n)
        .map(|u| (!(shown[u] == 0 && truth[u] > 0)).then_some(shown[u]))
        .collect()
}

/// One (manager, member) pair in one month of a survey's window, by its unit's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPair<'a> {
    pub unit: &'a str,
    /// (manager id, member id)
    pub pair: (&'a str, &'a str),
    pub met: bool,
    pub reporting: bool,
}

/// One unit's point: its own members' completion in the window and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitPoint {
    pub unit_id: String,
    pub path: Vec<String>,
    pub pairs: u64,
    pub pair_months: u64,
    pub met_pair_months: u64,
    pub rate: f64,
    pub score: f64,
}

/// The points of one survey item, and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    pub points: Vec<UnitPoint>,
    /// Units with a score but fewer than k distinct pairs in the window.
    pub small: usize,
    /// Units with a score and enough pairs but no reporting pair in the window.
    pub no_data: usize,
    /// Scores for units not in the directory of the window's last month.
    pub unknown: usize,
}

/// The engagement points of one survey item. Each point is one unit with its own members' pairs
/// (not its subtree, so that no pair counts in two points); its rate is met pair-months /
/// pair-months over the window. Its own k rule, applied to what the point shows: a unit with
/// fewer than k distinct pairs in the window, or fewer than k distinct pairs that reported in it,
/// is left out (and counted as small), as is one with no reporting pair (no data) and a score for
/// a unit `path` does not know (the window's last directory). A unit of six pairs where one pair
/// reports would otherwise show that pair's months to a reader without pair-level detail.
pub fn engagement_points<'a>(
    window: impl IntoIterator<Item = WindowPair<'a>>,
    scores: &[(String, f64)],
    path: impl Fn(&str) -> Option<Vec<String>>,
    k: u64,
) -> Points {
    #[derive(Default)]
    struct Acc<'a> {
        pairs: std::collections::HashSet<(&'a str, &'a str)>,
        reporting_pairs: std::collections::HashSet<(&'a str, &'a str)>,
        pair_months: u64,
        met: u64,
        reporting: u64,
    }
    let mut acc: std::collections::HashMap<&str, Acc> = std::collections::HashMap::new();
    for p in window {
        let a = acc.entry(p.unit).or_default();
        a.pairs.insert(p.pair);
        if p.reporting {
            a.reporting_pairs.insert(p.pair);
        }
        a.pair_months += 1;
        a.met += u64::from(p.met);
        a.reporting += u64::from(p.reporting);
    }
    let mut out = Points {
        points: Vec::new(),
        small: 0,
        no_data: 0,
        unknown: 0,
    };
    for (unit, score) in scores {
        let Some(path) = path(unit) else {
            out.unknown += 1;
            continue;
        };
        let a = acc.get(unit.as_str());
        let pairs = a.map_or(0, |a| a.pairs.len() as u64);
        if pairs < k {
            out.small += 1;
            continue;
        }
        let Some((a, r)) = a
            .filter(|a| a.reporting > 0)
            .and_then(|a| Some((a, rate(a.met, a.pair_months)?)))
        else {
            out.no_data += 1;
            continue;
        };
        if (a.reporting_pairs.len() as u64) < k {
            out.small += 1;
            continue;
        }
        out.points.push(UnitPoint {
            unit_id: unit.clone(),
            path,
            pairs,
            pair_months: a.pair_months,
            met_pair_months: a.met,
            rate: r,
            score: *score,
        });
    }
    out
}

/// Pearson's r and Spearman's ρ of paired values, each with a 95% interval by Fisher's z.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    pub n: usize,
    pub pearson: f64,
    pub pearson_interval: Option<(f64, f64)>,
    pub spearman: f64,
    pub spearman_interval: Option<(f64, f64)>,
}

/// `None` with fewer than three points or when either variable does not vary.
pub fn correlate(points: &[(f64, f64)]) -> Option<Correlation> {
    let n = points.len();
    if n < 3 {
        return None;
    }
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let ys: Vec<f64> = points.iter().map(|p| p.1).collect();
    let r = pearson(&xs, &ys)?;
    let rx = Data::new(xs).ranks(RankTieBreaker::Average);
    let ry = Data::new(ys).ranks(RankTieBreaker::Average);
    let rho = pearson(&rx, &ry)?;
    // Fisher's z: se = 1/√(n−3) for r; Fieller, Hartley and Pearson's √(1.06/(n−3)) for ρ.
    let z = Normal::standard().inverse_cdf(0.975);
    let interval = |r: f64, variance: f64| {
        (n > 3).then(|| {
            let se = (variance / (n as f64 - 3.0)).sqrt();
            let centre = r.clamp(-0.999_999, 0.999_999).atanh();
            ((centre - z * se).tanh(), (centre + z * se).tanh())
        })
    };
    Some(Correlation {
        n,
        pearson: r,
        pearson_interval: interval(r, 1.0),
        spearman: rho,
        spearman_interval: interval(rho, 1.06),
    })
}

fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    let sx = xs.std_dev();
    let sy = ys.std_dev();
    if !(sx > 0.0 && sy > 0.0) {
        return None;
    }
    Some((xs.covariance(ys) / (sx * sy)).clamp(-1.0, 1.0))
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use proptest::prelude::*;

    use super::*;

    /// One member's rating of a month, for the teams' tests: their unit, their manager's team,
    /// their すっきり度, and the team they manage themselves, if any.
    #[derive(Debug, Clone, Copy)]
    struct Rater {
        unit: usize,
        team: usize,
        clarity: Option<u64>,
        manages: Option<usize>,
    }

    /// The stored sums, marks, units' own ratings and marks' units of `raters` over `units` units
    /// and `teams` teams, as the store would hand them over.
    fn team_month(
        raters: &[Rater],
        units: usize,
        teams: usize,
    ) -> (Vec<TeamSums>, Vec<TeamMark>, Vec<Ratings>, Vec<Option<usize>>) {
        let mut sums = vec![TeamSums::default(); teams];
        let mut own = vec![Ratings::default(); units];
        for r in raters {
            sums[r.team].raters += 1;
            own[r.unit].ratings += 1;
            own[r.unit].talked_yes += 1;
            if let Some(c) = r.clarity {
                sums[r.team].clarity_sum += c;
                sums[r.team].clarity_n += 1;
                own[r.unit].clarity_sum += c;
                own[r.unit].clarity_answers += 1;
            }
        }
        let marks = raters
            .iter()
            .map(|r| TeamMark {
                team: r.team,
                rater_team: r.manages,
            })
            .collect();
        (sums, marks, own, raters.iter().map(|r| Some(r.unit)).collect())
    }

    fn raters(unit: usize, team: usize, clarities: &[u64]) -> Vec<Rater> {
        clarities
            .iter()
            .map(|&c| Rater {
                unit,
                team,
                clarity: Some(c),
                manages: None,
            })
            .collect()
    }

    fn teams_shown(
        raters: &[Rater],
        groups: &[Option<usize>],
        teams: usize,
        k: u64,
    ) -> Vec<Result<f64, taiwa_protocol::channel::TeamWithheld>> {
        let (sums, marks, own, units) = team_month(raters, groups.len(), teams);
        disclose_team_clarity(
            &sums,
            &marks,
            TeamGrouping {
                groups,
                own: &own,
                units: &units,
            },
            k,
        )
    }

    #[test]
    fn a_team_s_clarity_needs_k_answers() {
        use taiwa_protocol::channel::TeamWithheld::*;
        // One unit, its own group, one team: shown from five answers, the plain mean.
        let five = raters(0, 0, &[5, 4, 4, 3, 2]);
        assert_eq!(teams_shown(&five, &[Some(0)], 1, 5), vec![Ok(18.0 / 5.0)]);
        // Four answers are four people's: withheld, however many rated.
        assert_eq!(teams_shown(&five[..4], &[Some(0)], 1, 5), vec![Err(FewerThanK)]);
        let mut quiet = five.clone();
        quiet[4].clarity = None;
        quiet.extend(raters(0, 0, &[3, 3]).into_iter().map(|r| Rater { clarity: None, ..r }));
        assert_eq!(
            teams_shown(&quiet, &[Some(0)], 1, 5),
            vec![Err(FewerThanK)],
            "seven rated, four gave a すっきり度"
        );
        // k of 0 still never shows a month nobody rated.
        assert_eq!(teams_shown(&[], &[Some(0)], 1, 0), vec![Err(FewerThanK)]);
    }

    #[test]
    fn a_team_one_short_of_its_unit_is_withheld() {
        use taiwa_protocol::channel::TeamWithheld::*;
        // The unit holds the team's five and one rater of another team: HR shows the unit's six,
        // the app the team's five; the difference would be that one member's score.
        let mut month = raters(0, 0, &[5, 5, 4, 4, 4]);
        month.extend(raters(0, 1, &[1]));
        assert_eq!(
            teams_shown(&month, &[Some(0)], 2, 5),
            vec![Err(WouldTellFewer), Err(FewerThanK)]
        );
        // With five others the rest of the unit is five people's: both teams may be shown.
        month.extend(raters(0, 1, &[2, 3, 3, 4]));
        assert_eq!(
            teams_shown(&month, &[Some(0)], 2, 5),
            vec![Ok(22.0 / 5.0), Ok(13.0 / 5.0)]
        );
        // Ratings counted nowhere are no figure to subtract, yet the team's cell there is one.
        let split = [raters(0, 0, &[5, 5, 4, 4, 4]), raters(1, 0, &[1, 2])].concat();
        assert_eq!(teams_shown(&split, &[Some(0), None], 1, 5), vec![Err(WouldTellFewer)]);
        // Members who gave no すっきり度 might all be in the smaller cell: 6 and 5 raters, one silent.
        let mut cells = [raters(0, 0, &[5, 5, 4, 4, 4, 3]), raters(1, 0, &[1, 2, 2, 3, 3])].concat();
        assert_eq!(teams_shown(&cells, &[Some(0), Some(1)], 1, 5), vec![Ok(36.0 / 11.0)]);
        cells[0].clarity = None;
        assert_eq!(
            teams_shown(&cells, &[Some(0), Some(1)], 1, 5),
            vec![Err(WouldTellFewer)]
        );
    }

    #[test]
    fn a_manager_of_unit_heads_is_withheld_and_the_heads_are_shown() {
        use taiwa_protocol::channel::TeamWithheld::*;
        // 部 (unit 0) with two 課 (1, 2). Team 0 is the 部長's: five members in the 部 and the two
        // 課長, who manage teams 1 and 2 of five members each in their 課. Everyone rated.
        let mut month = raters(0, 0, &[4, 4, 4, 4, 4]);
        month.push(Rater {
            unit: 1,
            team: 0,
            clarity: Some(2),
            manages: Some(1),
        });
        month.push(Rater {
            unit: 2,
            team: 0,
            clarity: Some(5),
            manages: Some(2),
        });
        month.extend(raters(1, 1, &[3, 3, 4, 4, 5]));
        month.extend(raters(2, 2, &[1, 2, 3, 4, 5]));
        let groups = [Some(0), Some(1), Some(2)];
        // The 部長's average beside the 部's figure (and their own answer, if they rated) is the
        // two 課長's; each 課長's team is their whole 課 but their own answer, which they know.
        assert_eq!(
            teams_shown(&month, &groups, 3, 5),
            vec![Err(WouldTellFewer), Ok(19.0 / 5.0), Ok(3.0)]
        );
        // A sixth member of 課 1 who answers to someone else (a team too small to show) leaves
        // one unknown rater beside 課長 1's team: withheld; 課 2 is untouched.
        month.push(Rater {
            unit: 1,
            team: 3,
            clarity: Some(1),
            manages: None,
        });
        assert_eq!(
            teams_shown(&month, &groups, 4, 5),
            vec![Err(WouldTellFewer), Err(WouldTellFewer), Ok(3.0), Err(FewerThanK)]
        );
        // Where the 課 are pooled into the 部, the 部長's team is one cell of seven, and the rest
        // of the group is the two 課 teams, both shown: everyone is shown.
        month.pop();
        assert_eq!(
            teams_shown(&month, &[Some(0), Some(0), Some(0)], 3, 5),
            vec![Ok(27.0 / 7.0), Ok(19.0 / 5.0), Ok(3.0)]
        );
    }

    #[test]
    fn a_team_with_a_rater_outside_the_directory_is_withheld() {
        use taiwa_protocol::channel::TeamWithheld::*;
        let month = raters(0, 0, &[4, 4, 4, 4, 4]);
        let (sums, marks, own, mut units) = team_month(&month, 1, 1);
        units[2] = None;
        let groups = [Some(0)];
        let shown = disclose_team_clarity(
            &sums,
            &marks,
            TeamGrouping {
                groups: &groups,
                own: &own,
                units: &units,
            },
            5,
        );
        assert_eq!(shown, vec![Err(WouldTellFewer)]);
    }

    fn pair(unit: usize, manager: usize, sessions: u32, enrolled: bool) -> PairFact {
        PairFact {
            unit,
            manager,
            sessions,
            minutes: sessions * 30,
            recorded: sessions > 0,
            manager_enrolled: enrolled,
        }
    }

    /// 0 ← 1, 0 ← 2 ← 3
    fn small_tree() -> Tree {
        Tree::new(vec![None, Some(0), Some(0), Some(2)])
    }

    #[test]
    fn subtree_figures_add_up_by_hand() {
        let pairs = [
            pair(1, 10, 1, true),
            pair(1, 10, 0, true),
            pair(3, 11, 2, true),
            pair(3, 11, 0, true),
            pair(3, 11, 0, true),
            pair(2, 12, 0, false),
        ];
        let cross = [CrossFact {
            unit: 3,
            sessions: 1,
            minutes: 45,
        }];
        let f = unit_figures(&small_tree(), &pairs, &cross, true);
        assert_eq!((f[0].pairs, f[0].met, f[0].reporting_pairs), (6, 2, 5));
        assert_eq!((f[0].managers, f[0].managers_enrolled), (3, 2));
        assert_eq!((f[2].pairs, f[2].met, f[3].pairs, f[3].met), (4, 1, 3, 1));
        assert_eq!(f[3].sessions, 2);
        assert_eq!(f[3].minutes, 60);
        assert_eq!(
            (f[0].cross_sessions, f[0].cross_minutes, f[1].cross_sessions),
            (1, 45, 0)
        );
        assert_eq!(f[0].rate(), Some(2.0 / 6.0));
        assert_eq!(f[0].reporting_rate(), Some(2.0 / 5.0));
        let own = unit_figures(&small_tree(), &pairs, &cross, false);
        assert_eq!((own[0].pairs, own[2].pairs, own[3].pairs), (0, 1, 3));
        assert!(
            !own[2].has_data(),
            "a unit whose only manager is not enrolled has no data"
        );
        assert_eq!(company_figures(&pairs, &cross), f[0]);
    }

    /// What `viewer` sees with k = 5.
    fn seen_by(tree: &Tree, pairs: &[PairFact], cross: &[CrossFact], viewer: Viewer) -> Vec<Disclosed> {
        disclose(tree, pairs, cross, &unit_figures(tree, pairs, cross, true), 5, viewer)
    }

    /// `n` reporting pairs in `unit`, under managers numbered from `first`, each met.
    fn team(unit: usize, first: usize, n: usize) -> Vec<PairFact> {
        (0..n).map(|i| pair(unit, first + i / 8, 1, true)).collect()
    }

    #[test]
    fn a_head_s_own_pair_is_counted_above_and_never_hides_a_large_sibling() {
        // 部 (0) with its head's own pair; 課 A (1) of 68 pairs and 課 B (2) of 10 below it.
        let tree = Tree::new(vec![None, Some(0), Some(0)]);
        let mut pairs = team(0, 0, 1);
        pairs.extend(team(1, 10, 68));
        pairs.extend(team(2, 30, 10));
        let seen = seen_by(&tree, &pairs, &[], Viewer::Org { root: 0 });
        let reporting = |u: usize| seen[u].figures.as_ref().map(|f| f.reporting_pairs);
        assert_eq!(
            (reporting(0), reporting(1), reporting(2)),
            (Some(78), Some(68), Some(10))
        );
        assert_eq!(
            seen[0].counted_above, 1,
            "the head's own pair is left out and said to be"
        );
        // Each 課 viewed alone shows what it shows in the 部's view.
        for u in [1, 2] {
            assert_eq!(seen_by(&tree, &pairs, &[], Viewer::Org { root: u })[u], seen[u]);
        }
        // hr_admin sees everything with pair-level detail on; without it, what org viewers see,
        // and the managers enrolled.
        let admin = seen_by(&tree, &pairs, &[], Viewer::Everything);
        assert_eq!(admin[0].figures.as_ref().unwrap().reporting_pairs, 79);
        let company = seen_by(&tree, &pairs, &[], Viewer::Company);
        let pooled = company[0].figures.as_ref().unwrap();
        assert_eq!((pooled.reporting_pairs, pooled.managers), (78, 12));
        assert!(company[0].managers_shown && !seen[0].managers_shown);
        let whole = disclose_company(&tree, &company, admin[0].figures.clone().unwrap(), 5, Viewer::Company);
        assert_eq!(whole.figures.as_ref().map(|f| f.reporting_pairs), Some(78));
        assert_eq!(whole.counted_above, 1);
    }

    #[test]
    fn a_unit_shows_only_what_reporting_pairs_say() {
        // A unit of six directory pairs where one enrolled manager has one report: withheld.
        let tree = Tree::new(vec![None, Some(0), Some(0)]);
        let mut pairs = team(1, 0, 9);
        pairs.push(pair(2, 5, 2, true));
        pairs.extend((0..5).map(|i| pair(2, 6 + i, 0, false)));
        let seen = seen_by(&tree, &pairs, &[], Viewer::Org { root: 0 });
        assert_eq!(seen[2].withheld, Some(Withheld::FewerReporting));
        assert!(seen[2].figures.is_none());
        // Its one pair is counted in the parent, whose figure minus its shown child is 6 pairs' worth.
        let parent = seen[0].figures.as_ref().unwrap();
        let child = seen[1].figures.as_ref().unwrap();
        assert_eq!(
            parent.reporting_pairs - child.reporting_pairs,
            0,
            "the small group is left out"
        );
        assert_eq!(seen[0].counted_above, 6);
        assert!(!seen[0].managers_shown, "managers are hr_admin's");
        // A unit with no reporting pair at all is shown as having no data, not withheld.
        let idle = vec![pair(1, 0, 0, false), pair(1, 1, 0, false)];
        let seen = seen_by(&tree, &idle, &[], Viewer::Org { root: 0 });
        assert_eq!(seen[1].withheld, None);
        assert!(!seen[1].figures.as_ref().unwrap().has_data());
        assert_eq!(
            seen_by(&tree, &idle, &[], Viewer::Org { root: 1 })[2].withheld,
            Some(Withheld::OutOfScope)
        );
    }

    #[test]
    fn a_month_is_released_ten_days_after_it_ends() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let month = |s: &str| s.parse::<Month>().unwrap();
        assert_eq!(last_released_month(at("2026-12-10T23:59:59Z")), Some(month("2026-10")));
        assert_eq!(last_released_month(at("2026-12-11T00:00:00Z")), Some(month("2026-11")));
        assert_eq!(last_released_month(at("2027-01-01T00:00:00Z")), Some(month("2026-11")));
        assert_eq!(release_day(month("2026-11")), NaiveDate::from_ymd_opt(2026, 12, 11));
        assert_eq!(release_day(month("2026-12")), NaiveDate::from_ymd_opt(2027, 1, 11));
    }

    #[test]
    fn cross_organisation_figures_need_k_records() {
        let tree = Tree::new(vec![None, Some(0)]);
        let pairs = team(1, 0, 10);
        let cross: Vec<CrossFact> = (0..3)
            .map(|_| CrossFact {
                unit: 1,
                sessions: 1,
                minutes: 40,
            })
            .collect();
        let seen = seen_by(&tree, &pairs, &cross, Viewer::Org { root: 0 });
        assert!(seen[0].shown() && !seen[0].cross_shown && !seen[1].cross_shown);
        let none = seen_by(&tree, &pairs, &[], Viewer::Org { root: 0 });
        assert!(none[1].cross_shown, "no cross record at all is a 0 that can be shown");
    }

    /// The example company, every manager enrolled and every pair met: for a viewer at every
    /// unit, no unit of their subtree with at least 2k reporting pairs is withheld.
    #[test]
    fn the_example_company_hides_no_large_unit_from_any_viewer() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
        let open = |name: &str| std::fs::read(dir.join(name)).expect("the example company");
        let directory = crate::directory::parse(&open("org_units.csv"), &open("employees.csv")).unwrap();
        let index: HashMap<&str, usize> = directory
            .org_units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.as_str(), i))
            .collect();
        let tree = Tree::new(
            directory
                .org_units
                .iter()
                .map(|u| u.parent.as_deref().and_then(|p| index.get(p).copied()))
                .collect(),
        );
        let people: HashMap<&str, usize> = directory
            .employees
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.as_str(), i))
            .collect();
        let pairs: Vec<PairFact> = directory
            .employees
            .iter()
            .filter_map(|e| Some(pair(index[e.org_unit.as_str()], people[e.manager.as_deref()?], 1, true)))
            .collect();
        let truth = unit_figures(&tree, &pairs, &[], true);
        let k = 5;
        for root in 0..tree.len() {
            let seen = disclose(&tree, &pairs, &[], &truth, k, Viewer::Org { root });
            for u in tree.subtree(root) {
                let (unit, viewer) = (&directory.org_units[u].id, &directory.org_units[root].id);
                if truth[u].reporting_pairs >= 2 * k {
                    assert!(seen[u].shown(), "{unit} hidden from the viewer of {viewer}");
                }
                if !seen[u].shown() {
                    assert!(
                        truth[u].reporting_pairs < k,
                        "{unit} withheld with {} reporting",
                        truth[u].reporting_pairs
                    );
                }
            }
        }
    }

    #[test]
    fn engagement_points_count_own_pairs_over_the_window_and_leave_out_small_units() {
        let wp = |unit, manager, member, met, reporting| WindowPair {
            unit,
            pair: (manager, member),
            met,
            reporting,
        };
        let mut window = Vec::new();
        for month in 0..2 {
            // Unit A: five pairs, met in the first month by three, in the second by one.
            for (i, member) in ["a1", "a2", "a3", "a4", "a5"].into_iter().enumerate() {
                window.push(wp("A", "ma", member, i < if month == 0 { 3 } else { 1 }, true));
            }
            // Unit B: four pairs (under k = 5); unit C: five pairs, none reporting; unit D: six
            // pairs of which one reports (its rate would be that one pair's).
            for member in ["b1", "b2", "b3", "b4"] {
                window.push(wp("B", "mb", member, true, true));
            }
            for (i, member) in ["d1", "d2", "d3", "d4", "d5", "d6"].into_iter().enumerate() {
                window.push(wp("D", "md", member, i == 0 && month == 0, i == 0));
            }
            for member in ["c1", "c2", "c3", "c4", "c5"] {
                window.push(wp("C", "mc", member, false, false));
            }
        }
        let scores: Vec<(String, f64)> = ["A", "B", "C", "D", "Z"]
            .iter()
            .map(|u| ((*u).to_owned(), 50.0))
            .collect();
        let known = |u: &str| (u != "Z").then(|| vec![u.to_owned()]);
        let p = engagement_points(window, &scores, known, 5);
        assert_eq!(
            (p.small, p.no_data, p.unknown),
            (2, 1, 1),
            "D's one reporting pair is not shown"
        );
        assert_eq!(p.points.len(), 1);
        let a = &p.points[0];
        assert_eq!((a.pairs, a.pair_months, a.met_pair_months), (5, 10, 4));
        assert!((a.rate - 0.4).abs() < 1e-12);
    }

    #[test]
    fn correlation_matches_hand_computed_values() {
        let points = [(1.0, 2.0), (2.0, 4.0), (3.0, 5.0), (4.0, 4.0), (5.0, 5.0)];
        let c = correlate(&points).unwrap();
        // r = cov/(sx sy): Σdx·dy = 6, Σdx² = 10, Σdy² = 6 → 6/√60.
        assert!((c.pearson - 6.0 / 60f64.sqrt()).abs() < 1e-12);
        // ranks of y: 1, 2.5, 4.5, 2.5, 4.5
        let ry = [1.0, 2.5, 4.5, 2.5, 4.5];
        let mean = 3.0;
        let sxy: f64 = ry
            .iter()
            .enumerate()
            .map(|(i, r)| (i as f64 + 1.0 - mean) * (r - mean))
            .sum();
        let syy: f64 = ry.iter().map(|r| (r - mean).powi(2)).sum();
        assert!((c.spearman - sxy / (10f64 * syy).sqrt()).abs() < 1e-12);
        let (lo, hi) = c.pearson_interval.unwrap();
        let z = c.pearson.atanh();
        assert!((lo - (z - 1.959_963_984_540_054 / 2f64.sqrt()).tanh()).abs() < 1e-9);
        assert!((hi - (z + 1.959_963_984_540_054 / 2f64.sqrt()).tanh()).abs() < 1e-9);
        assert!(correlate(&points[..2]).is_none());
        assert!(correlate(&[(1.0, 1.0), (2.0, 1.0), (3.0, 1.0)]).is_none());
    }

    fn rated_by(ratings: u64, clarity: &[u64], yes: u64, no: u64) -> Ratings {
        Ratings {
            ratings,
            clarity_answers: clarity.len() as u64,
            clarity_sum: clarity.iter().sum(),
            talked_yes: yes,
            talked_partly: 0,
            talked_no: no,
        }
    }

    #[test]
    fn quality_is_counted_by_hand_and_a_small_unit_is_counted_above() {
        // 部 (0, five own pairs) ← 課 A (1, 8 pairs), 課 B (2, 8 pairs): every pair reports.
        let tree = Tree::new(vec![None, Some(0), Some(0)]);
        let mut pairs = team(0, 0, 5);
        pairs.extend(team(1, 10, 8));
        pairs.extend(team(2, 20, 8));
        // A's last member did not meet; marks: five of A's met pairs, two of B's, one unmet of A's.
        pairs[12].sessions = 0;
        let rated: Vec<bool> = (0..pairs.len())
            .map(|i| (5..=9).contains(&i) || i == 12 || (13..=14).contains(&i))
            .collect();
        let a_ratings = rated_by(6, &[5, 4, 4, 3, 2], 4, 1);
        let b_ratings = rated_by(2, &[1, 1], 0, 2);
        // The 部's own members gave none: B's two ratings have no group to join, counted nowhere.
        let own = vec![Ratings::default(), a_ratings, b_ratings];
        let seen = disclose_quality(&tree, &pairs, &rated, &own, 5, None);
        let a = seen[1].quality.unwrap();
        // A alone: clarity (5+4+4+3+2)/5 = 3.6, talked 4 of 5, rated 5 of its 7 met pairs.
        assert_eq!(a.ratings.average_clarity(), Some(3.6));
        assert_eq!(a.ratings.talked_share(), Some(0.8));
        assert_eq!((a.met_pairs_rated, a.met_pairs), (5, 7));
        assert_eq!(
            (seen[2].quality, seen[2].withheld),
            (None, Some(Withheld::FewerReporting))
        );
        assert_eq!(seen[0].quality, Some(a), "the 部 shows A's alone");
        assert_eq!(
            (seen[0].counted_above, seen[1].counted_above, seen[2].counted_above),
            (2, 0, 2)
        );
        assert_eq!(quality_company(&tree, &seen), a);
        // Four ratings of the 部's own members: with B's two they make a group of six.
        let own = vec![rated_by(4, &[3, 3, 3, 3], 3, 1), a_ratings, b_ratings];
        let seen = disclose_quality(&tree, &pairs, &rated, &own, 5, None);
        let top = seen[0].quality.unwrap();
        assert_eq!(top.ratings.ratings, 12);
        assert_eq!(top.ratings.average_clarity(), Some((18.0 + 12.0 + 2.0) / 11.0));
        assert_eq!(top.ratings.talked_share(), Some(7.0 / 11.0));
        // Met: 5 + 7 + 8; rated among them: A's 5 and B's 2 (the 部's members' marks are none).
        assert_eq!((top.met_pairs_rated, top.met_pairs), (7, 20));
        let here = seen[0].released_here(&tree, 0, &seen).unwrap();
        assert_eq!(here.ratings, rated_by(6, &[3, 3, 3, 3, 1, 1], 3, 3));
        assert_eq!(seen[2].quality, None, "B is still not shown alone");
        // An org viewer of B sees it withheld; a viewer of A sees A as everyone does.
        assert_eq!(
            disclose_quality(&tree, &pairs, &rated, &own, 5, Some(2))[2].quality,
            None
        );
        assert_eq!(disclose_quality(&tree, &pairs, &rated, &own, 5, Some(1))[1], seen[1]);
        // Ratings with only two すっきり度 answers are not a group of their own.
        let few = vec![Ratings::default(), rated_by(6, &[5, 1], 5, 1), Ratings::default()];
        assert_eq!(disclose_quality(&tree, &pairs, &rated, &few, 5, None)[1].quality, None);
    }

    #[test]
    fn a_month_s_quality_is_final_after_ratings_can_no_longer_change() {
        let month = |s: &str| s.parse::<Month>().unwrap();
        // September's 1on1 is rated until October ends, and changed for a week after.
        assert_eq!(
            quality_final_day(month("2026-09")),
            NaiveDate::from_ymd_opt(2026, 11, 9)
        );
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert!(!quality_is_final(month("2026-09"), day(8)));
        assert!(quality_is_final(month("2026-09"), day(9)));
    }

    #[test]
    fn paired_counts_are_withheld_under_k_and_counted_above() {
        let tree = Tree::new(vec![None, Some(0), Some(0)]);
        let shown = disclose_paired(&tree, &[0, 7, 2], 5);
        assert_eq!(shown, vec![Some(7), Some(7), None]);
        let shown = disclose_paired(&tree, &[3, 7, 2], 5);
        assert_eq!(shown, vec![Some(12), Some(7), None]);
        assert_eq!(disclose_paired(&tree, &[0, 0, 0], 5), vec![Some(0); 3]);
    }

    #[test]
    fn quality_points_leave_out_units_under_k_answers() {
        let mut released = HashMap::new();
        released.insert("A".to_owned(), rated_by(6, &[4, 4, 4, 5, 3], 3, 2));
        released.insert("B".to_owned(), rated_by(4, &[4, 4, 4, 4], 3, 1));
        let scores: Vec<(String, f64)> = ["A", "B", "C", "Z"].iter().map(|u| ((*u).to_owned(), 3.0)).collect();
        let p = quality_points(&released, &scores, |u| (u != "Z").then(|| vec![u.to_owned()]), 5);
        assert_eq!((p.points.len(), p.small, p.unknown), (1, 2, 1));
        assert_eq!(p.points[0].average_clarity, 4.0);
    }

    /// Random trees: each unit's parent is an earlier unit or none.
    /// The rank of a set of vectors (Gaussian elimination; entries are small integers).
    fn rank(mut rows: Vec<Vec<f64>>) -> usize {
        let cols = rows.first().map_or(0, Vec::len);
        let mut rank = 0;
        for c in 0..cols {
            let Some(p) = (rank..rows.len()).find(|&r| rows[r][c].abs() > 1e-9) else {
                continue;
            };
            rows.swap(rank, p);
            let pivot = rows[rank].clone();
            for (r, row) in rows.iter_mut().enumerate() {
                if r != rank && row[c].abs() > 1e-9 {
                    let f = row[c] / pivot[c];
                    for (x, y) in row.iter_mut().zip(&pivot) {
                        *x -= f * y;
                    }
                }
            }
            rank += 1;
        }
        rank
    }

    fn trees() -> impl Strategy<Value = (Vec<Option<usize>>, Vec<u64>)> {
        (1usize..40).prop_flat_map(|n| {
            let parents = (0..n)
                .map(|i| {
                    if i == 0 {
                        Just(None).boxed()
                    } else {
                        prop_oneof![1 => Just(None), 6 => (0..i).prop_map(Some)].boxed()
                    }
                })
                .collect::<Vec<_>>();
            (
                parents,
                prop::collection::vec(prop_oneof![2 => Just(0u64), 3 => 1u64..4, 2 => 4u64..30], n),
            )
        })
    }

    proptest! {
        /// The adversary: every viewer's disclosures of one month together; every shown figure
        /// minus any other shown figure below it, or minus any set of the nearest shown units
        /// below it, tells either nothing or at least k reporting pairs (k cross records).
        #[test]
        fn no_difference_of_shown_figures_tells_a_small_group(
            (parents, _) in trees(),
            raw in prop::collection::vec((0usize..40, 0usize..12, 0u32..3, prop::bool::weighted(0.7)), 0..120),
            raw_cross in prop::collection::vec((0usize..40, 1u32..3), 0..30),
            k in 3u64..8,
        ) {
            let tree = Tree::new(parents);
            let n = tree.len();
            let pairs: Vec<PairFact> = raw.iter().map(|&(u, m, s, e)| pair(u % n, m, s, e)).collect();
            let cross: Vec<CrossFact> = raw_cross
                .iter()
                .map(|&(u, s)| CrossFact { unit: u % n, sessions: s, minutes: s * 25 })
                .collect();
            let truth = unit_figures(&tree, &pairs, &cross, true);
            // What every org viewer sees, unit by unit; a unit is the same to everyone who sees it.
            let mut seen: Vec<Option<Disclosed>> = vec![None; n];
            let company = disclose(&tree, &pairs, &cross, &truth, k, Viewer::Company);
            for root in 0..n {
                for (u, d) in disclose(&tree, &pairs, &cross, &truth, k, Viewer::Org { root }).into_iter().enumerate() {
                    if d.withheld == Some(Withheld::OutOfScope) {
                        continue;
                    }
                    if let Some(before) = &seen[u] {
                        prop_assert_eq!(before, &d, "unit {} differs between viewers", u);
                    }
                    // hr_admin without pair-level detail sees the same, with the managers.
                    prop_assert_eq!(&company[u].figures.as_ref().map(|f| (f.reporting_pairs, f.met, f.sessions, f.cross_records)),
                        &d.figures.as_ref().map(|f| (f.reporting_pairs, f.met, f.sessions, f.cross_records)));
                    // Withheld exactly when 1 to k−1 pairs report.
                    let reporting = truth[u].reporting_pairs;
                    prop_assert_eq!(d.shown(), reporting == 0 || reporting >= k, "unit {} with {} reporting", u, reporting);
                    seen[u] = Some(d);
                }
            }
            let shown: Vec<(usize, &Disclosed, &Figures)> = seen
                .iter()
                .enumerate()
                .filter_map(|(u, d)| d.as_ref().and_then(|d| d.figures.as_ref().map(|f| (u, d, f))))
                .collect();
            let pair_part = |f: &Figures| [f.reporting_pairs, f.met, f.sessions, f.minutes];
            let cross_part = |f: &Figures| [f.cross_records, f.cross_sessions, f.cross_minutes];
            // What subtracting `minus` from `from` tells, figure family by family.
            let check = |from: &Figures, from_d: &Disclosed, minus: &[(&Figures, &Disclosed)], what: &str| -> Result<(), TestCaseError> {
                let mut p = pair_part(from);
                let mut c = cross_part(from);
                for (f, _) in minus {
                    for (a, b) in p.iter_mut().zip(pair_part(f)) { *a = a.wrapping_sub(b); }
                    for (a, b) in c.iter_mut().zip(cross_part(f)) { *a = a.wrapping_sub(b); }
                }
                prop_assert!(p.iter().all(|&x| x == 0) || (p[0] >= k && p[0] < u64::MAX / 2), "{}: pairs {:?}", what, p);
                if from_d.cross_shown && minus.iter().all(|(_, d)| d.cross_shown) {
                    prop_assert!(c.iter().all(|&x| x == 0) || (c[0] >= k && c[0] < u64::MAX / 2), "{}: cross {:?}", what, c);
                }
                Ok(())
            };
            for &(a, da, fa) in &shown {
                // A shown figure never claims more than the truth, nor leaves out k or more.
                prop_assert!(fa.reporting_pairs <= truth[a].reporting_pairs);
                prop_assert!(truth[a].reporting_pairs - fa.reporting_pairs < k);
                let below: Vec<usize> = tree.subtree(a).into_iter().skip(1).collect();
                for &(b, db, fb) in shown.iter().filter(|(b, _, _)| below.contains(b)) {
                    check(fa, da, &[(fb, db)], &format!("{a} − {b}"))?;
                }
                // The nearest shown units below `a`, and every set of them.
                let nearest: Vec<&(usize, &Disclosed, &Figures)> = shown
                    .iter()
                    .filter(|(b, _, _)| below.contains(b) && tree.ancestry(*b).skip(1).take_while(|&x| x != a).all(|x| seen[x].as_ref().is_none_or(|d| !d.shown())))
                    .collect();
                if nearest.len() <= 10 {
                    for set in 1u32..(1 << nearest.len()) {
                        let minus: Vec<(&Figures, &Disclosed)> = nearest
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| set & (1 << i) != 0)
                            .map(|(_, (_, d, f))| (*f, *d))
                            .collect();
                        check(fa, da, &minus, &format!("{a} − {set:b}"))?;
                    }
                }
            }
        }

        /// The adversary for quality: over random trees, pairs, marks and ratings, every shown
        /// figure comes from at least k ratings, every shown figure minus any shown figure below
        /// it (or any set of the nearest shown units below it) is 0 or k ratings with 0 or k
        /// answers to each question, and every group is a union of completion's groups.
        #[test]
        fn no_difference_of_quality_figures_tells_a_small_group(
            (parents, _) in trees(),
            raw in prop::collection::vec((0usize..40, 0usize..12, 0u32..3, prop::bool::weighted(0.8), any::<bool>()), 0..120),
            raw_ratings in prop::collection::vec((0usize..40, prop::option::of(1u64..6), prop::option::of(0u8..3)), 0..80),
            k in 3u64..8,
        ) {
            let tree = Tree::new(parents);
            let n = tree.len();
            let pairs: Vec<PairFact> = raw.iter().map(|&(u, m, s, e, _)| pair(u % n, m, s, e)).collect();
            let rated: Vec<bool> = raw.iter().map(|r| r.4).collect();
            let mut own = vec![Ratings::default(); n];
            for &(u, clarity, talked) in raw_ratings.iter().filter(|r| r.1.is_some() || r.2.is_some()) {
                let r = &mut own[u % n];
                r.ratings += 1;
                if let Some(c) = clarity { r.clarity_answers += 1; r.clarity_sum += c; }
                match talked { Some(0) => r.talked_yes += 1, Some(1) => r.talked_partly += 1, Some(_) => r.talked_no += 1, None => {} }
            }
            let seen = disclose_quality(&tree, &pairs, &rated, &own, k, None);
            // Groups: every unit of one completion group is released at one place.
            let mut reporting = vec![0u64; n];
            for p in &pairs { reporting[p.unit] += u64::from(p.reporting()); }
            let completion = release_points(&tree, &reporting, k);
            let quality = quality_release_points(&tree, &pairs, &own, k);
            for u in 0..n {
                for v in 0..n {
                    if completion[u].is_some() && completion[u] == completion[v] {
                        prop_assert_eq!(quality[u], quality[v], "units {} and {} of one completion group", u, v);
                    }
                }
                if completion[u].is_none() { prop_assert_eq!(quality[u], None); }
            }
            let ok = |r: &Ratings| r.ratings == 0 && r.clarity_answers == 0 && r.talked_answers() == 0 || r.releasable(k) && r.ratings > 0;
            let shown: Vec<(usize, Quality)> = seen.iter().enumerate().filter_map(|(u, d)| d.quality.map(|q| (u, q))).collect();
            for &(a, qa) in &shown {
                prop_assert!(ok(&qa.ratings), "unit {}: {:?}", a, qa.ratings);
                // Withheld only when its ratings cannot be shown; shown whenever no rating is below.
                let below: Vec<usize> = tree.subtree(a).into_iter().skip(1).collect();
                for &(b, qb) in shown.iter().filter(|(b, _)| below.contains(b)) {
                    prop_assert!(ok(&qa.ratings.minus(&qb.ratings)), "{} − {}", a, b);
                }
                let nearest: Vec<&(usize, Quality)> = shown
                    .iter()
                    .filter(|(b, _)| below.contains(b) && tree.ancestry(*b).skip(1).take_while(|&x| x != a).all(|x| seen[x].quality.is_none()))
                    .collect();
                if nearest.len() <= 10 {
                    for set in 1u32..(1 << nearest.len()) {
                        let mut rest = qa.ratings;
                        for (i, (_, q)) in nearest.iter().enumerate() {
                            if set & (1 << i) != 0 { rest = rest.minus(&q.ratings); }
                        }
                        prop_assert!(ok(&rest), "{} − {:b}: {:?}", a, set, rest);
                    }
                }
            }
            for (u, d) in seen.iter().enumerate() {
                let truth: u64 = tree.subtree(u).iter().map(|&v| own[v].ratings).sum();
                prop_assert_eq!(d.quality.is_none(), d.quality.is_none() && truth > 0);
                prop_assert_eq!(d.counted_above + d.quality.map_or(0, |q| q.ratings.ratings), if d.quality.is_some() { truth } else { d.counted_above });
            }
        }

        /// The adversary for the teams' すっきり度: over random groupings of units, teams and
        /// ratings (with managers who rated their own 1on1), the shown teams' sets, HR's groups and
        /// the shown teams' managers' own answers (all of them together, as if every shown manager
        /// were an org viewer and they pooled what they know) cut the answers nobody among them
        /// gave into pieces of 0 or at least k raters with k answers; no single such answer is a
        /// combination of what they hold that HR's figures alone would not give (by
        /// elimination over the sets); and each shown average is its team's mean.
        #[test]
        fn no_team_s_clarity_beside_hr_s_figures_tells_a_small_group(
            groups in prop::collection::vec(prop::option::weighted(0.85, 0usize..4), 1..6),
            raw in prop::collection::vec((0usize..6, 0usize..5, prop::option::weighted(0.85, 1u64..6)), 0..70),
            heads in prop::collection::vec(prop::option::of(0usize..70), 5),
            k in 2u64..6,
        ) {
            use taiwa_protocol::channel::TeamWithheld;
            let n = groups.len();
            let mut raters: Vec<Rater> = raw.iter().map(|&(u, team, clarity)| Rater { unit: u % n, team, clarity, manages: None }).collect();
            for (t, head) in heads.iter().enumerate() {
                if let Some(r) = head.and_then(|i| raters.get_mut(i)).filter(|r| r.team != t && r.manages.is_none()) {
                    r.manages = Some(t);
                }
            }
            let shown = teams_shown(&raters, &groups, 5, k);
            let k = k.max(1);
            let group = |r: &Rater| groups[r.unit];
            let on = |t: usize| shown[t].is_ok();
            let known = |r: &Rater| on(r.team) || r.manages.is_some_and(on);
            let enough = |set: &[&Rater]| set.is_empty() || (set.len() as u64 >= k && set.iter().filter(|r| r.clarity.is_some()).count() as u64 >= k);
            for (t, shown_t) in shown.iter().enumerate() {
                let team: Vec<&Rater> = raters.iter().filter(|r| r.team == t).collect();
                let answers: Vec<u64> = team.iter().filter_map(|r| r.clarity).collect();
                let few = (team.len() as u64) < k || (answers.len() as u64) < k;
                prop_assert_eq!(*shown_t == Err(TeamWithheld::FewerThanK), few, "team {}", t);
                if let Ok(average) = *shown_t {
                    prop_assert!((average - answers.iter().sum::<u64>() as f64 / answers.len() as f64).abs() < 1e-9);
                    for g in team.iter().map(|r| group(r)).collect::<HashSet<_>>() {
                        let cell: Vec<&Rater> = team.iter().copied().filter(|r| group(r) == g && !r.manages.is_some_and(on)).collect();
                        prop_assert!(enough(&cell), "team {} in group {:?}: {:?}", t, g, cell);
                    }
                }
            }
            for g in 0..4 {
                let members: Vec<&Rater> = raters.iter().filter(|r| group(r) == Some(g)).collect();
                if members.iter().any(|r| on(r.team)) {
                    let rest: Vec<&Rater> = members.iter().copied().filter(|r| !known(r)).collect();
                    prop_assert!(enough(&rest), "group {}: the rest {:?}", g, rest);
                }
            }
            // Every set a reader can add up: HR's groups and the shown managers' own answers,
            // then the shown teams too. An answer the teams bring into their span is told.
            let indicator = |f: &dyn Fn(usize, &Rater) -> bool| raters.iter().enumerate().map(|(i, r)| if f(i, r) { 1.0 } else { 0.0 }).collect::<Vec<f64>>();
            let mut hr: Vec<Vec<f64>> = (0..4).map(|g| indicator(&|_, r| group(r) == Some(g))).collect();
            for (i, _) in raters.iter().enumerate().filter(|(_, r)| r.manages.is_some_and(on)) {
                hr.push(indicator(&|j, _| i == j));
            }
            let mut all = hr.clone();
            all.extend((0..5).filter(|&t| on(t)).map(|t| indicator(&|_, r| r.team == t)));
            let (hr_rank, all_rank) = (rank(hr.clone()), rank(all.clone()));
            for (i, r) in raters.iter().enumerate() {
                let one = indicator(&|j, _| i == j);
                let untold = rank([hr.clone(), vec![one.clone()]].concat()) > hr_rank;
                let with = [all.clone(), vec![one]].concat();
                prop_assert!(!untold || rank(with) > all_rank, "rating {} ({:?}) is told by the teams' sums", i, r);
            }
        }

        #[test]
        fn subtree_figures_equal_a_brute_force_count(
            (parents, _) in trees(),
            raw in prop::collection::vec((0usize..40, 0usize..6, 0u32..3, any::<bool>()), 0..80),
        ) {
            let tree = Tree::new(parents);
            let pairs: Vec<PairFact> = raw
                .iter()
                .map(|&(u, m, s, e)| pair(u % tree.len(), m, s, e))
                .collect();
            let figures = unit_figures(&tree, &pairs, &[], true);
            let figures_own = unit_figures(&tree, &pairs, &[], false);
            for (u, f) in figures.iter().enumerate() {
                let below: HashSet<usize> = tree.subtree(u).into_iter().collect();
                let mine: Vec<&PairFact> = pairs.iter().filter(|p| below.contains(&p.unit)).collect();
                prop_assert_eq!(f.pairs, mine.len() as u64);
                prop_assert_eq!(f.met, mine.iter().filter(|p| p.sessions > 0).count() as u64);
                let managers: HashSet<usize> = mine.iter().map(|p| p.manager).collect();
                prop_assert_eq!(f.managers, managers.len() as u64);
                let enrolled: HashSet<usize> = mine.iter().filter(|p| p.manager_enrolled).map(|p| p.manager).collect();
                prop_assert_eq!(f.managers_enrolled, enrolled.len() as u64);
                prop_assert_eq!(f.reporting_pairs, mine.iter().filter(|p| p.reporting()).count() as u64);
                prop_assert_eq!(f.sessions, mine.iter().map(|p| u64::from(p.sessions)).sum::<u64>());
                prop_assert_eq!(f.minutes, mine.iter().map(|p| u64::from(p.minutes)).sum::<u64>());
                let own = &figures_own[u];
                let here: Vec<&PairFact> = pairs.iter().filter(|p| p.unit == u).collect();
                prop_assert_eq!(own.pairs, here.len() as u64);
                let own_managers: HashSet<usize> = here.iter().map(|p| p.manager).collect();
                prop_assert_eq!(own.managers, own_managers.len() as u64);
            }
        }
    }
}
