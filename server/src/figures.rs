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

use statrs::distribution::{ContinuousCDF, Normal};
use statrs::statistics::{Data, OrderStatistics, RankTieBreaker, Statistics};

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
    /// Cross-organisation 1on1s with members counted here (never in `met`).
    pub cross_sessions: u64,
    pub cross_minutes: u64,
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
    }
    if subtree {
        for &u in tree.order().iter().rev() {
            if let Some(parent) = tree.parent(u) {
                let child = out[u].clone();
                let f = &mut out[parent];
                f.pairs += child.pairs;
                f.met += child.met;
                f.reporting_pairs += child.reporting_pairs;
                f.sessions += child.sessions;
                f.minutes += child.minutes;
                f.cross_sessions += child.cross_sessions;
                f.cross_minutes += child.cross_minutes;
            }
        }
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

/// The figures of everything: the sum over the roots' subtrees.
pub fn company_figures(pairs: &[PairFact], cross: &[CrossFact]) -> Figures {
    let tree = Tree::new(vec![None]);
    let flat: Vec<PairFact> = pairs.iter().map(|p| PairFact { unit: 0, ..*p }).collect();
    let flat_cross: Vec<CrossFact> = cross.iter().map(|c| CrossFact { unit: 0, ..*c }).collect();
    unit_figures(&tree, &flat, &flat_cross, false).pop().unwrap_or_default()
}

/// Which units may be shown when groups under `k` must not be revealed, given each unit's
/// subtree total (pairs). A unit is shown only when its total is at least `k` and, for every
/// shown unit, its total minus the totals of its shown children is 0 or at least `k`: where it
/// would not be, the smallest shown child is hidden as well, until it is. A hidden unit hides its
/// whole subtree (its children's figures would otherwise tell its own).
pub fn suppress(tree: &Tree, totals: &[u64], k: u64) -> Vec<bool> {
    let mut shown = vec![false; tree.len()];
    for &u in tree.order() {
        let parent_shown = tree.parent(u).is_none_or(|p| shown[p]);
        shown[u] = parent_shown && totals.get(u).copied().unwrap_or(0) >= k;
    }
    for &u in tree.order() {
        if !shown[u] {
            continue;
        }
        let mut visible: Vec<usize> = tree.children(u).iter().copied().filter(|&c| shown[c]).collect();
        visible.sort_by_key(|&c| (totals[c], c));
        let mut rest = totals[u].saturating_sub(visible.iter().map(|&c| totals[c]).sum::<u64>());
        let mut next = 0;
        while rest > 0 && rest < k && next < visible.len() {
            let hide = visible[next];
            next += 1;
            rest += totals[hide];
            for d in tree.subtree(hide) {
                shown[d] = false;
            }
        }
    }
    shown
}

/// [`suppress`] over the subtree of `root` alone, as if it were the whole tree (what an org viewer
/// sees); units outside it are not shown.
pub fn suppress_under(tree: &Tree, root: usize, totals: &[u64], k: u64) -> Vec<bool> {
    let units = tree.subtree(root);
    let position: std::collections::HashMap<usize, usize> = units.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    let parents = units
        .iter()
        .map(|&u| {
            if u == root {
                None
            } else {
                tree.parent(u).and_then(|p| position.get(&p).copied())
            }
        })
        .collect();
    let sub_totals: Vec<u64> = units.iter().map(|&u| totals.get(u).copied().unwrap_or(0)).collect();
    let shown_sub = suppress(&Tree::new(parents), &sub_totals, k);
    let mut shown = vec![false; tree.len()];
    for (i, &u) in units.iter().enumerate() {
        shown[u] = shown_sub[i];
    }
    shown
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
        sum
    })
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
    use std::collections::HashSet;

    use proptest::prelude::*;

    use super::*;

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

    #[test]
    fn suppression_hides_a_sibling_when_the_difference_would_tell() {
        // 0 (12) ← 1 (5), 0 ← 2 (5): 12 − 5 − 5 = 2 own pairs, fewer than 5: hide one child.
        let tree = Tree::new(vec![None, Some(0), Some(0)]);
        let shown = suppress(&tree, &[12, 5, 5], 5);
        assert_eq!(shown.iter().filter(|s| **s).count(), 2);
        assert!(shown[0]);
        // With no own pairs, both children can stay.
        assert_eq!(suppress(&tree, &[10, 5, 5], 5), vec![true, true, true]);
        // A small unit hides its whole subtree.
        let chain = Tree::new(vec![None, Some(0), Some(1)]);
        assert_eq!(suppress(&chain, &[20, 4, 4], 5), vec![true, false, false]);
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

    /// Random trees: each unit's parent is an earlier unit or none.
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

    fn totals(tree: &Tree, own: &[u64]) -> Vec<u64> {
        (0..tree.len())
            .map(|u| tree.subtree(u).iter().map(|&d| own[d]).sum())
            .collect()
    }

    proptest! {
        #[test]
        fn no_shown_difference_reveals_a_small_group((parents, own) in trees(), k in 3u64..8) {
            let tree = Tree::new(parents);
            let totals = totals(&tree, &own);
            let shown = suppress(&tree, &totals, k);
            for u in 0..tree.len() {
                if !shown[u] {
                    continue;
                }
                prop_assert!(totals[u] >= k, "unit {u} shown with {} pairs", totals[u]);
                if let Some(p) = tree.parent(u) {
                    prop_assert!(shown[p], "unit {u} shown under a hidden parent");
                }
                let children: u64 = tree.children(u).iter().filter(|&&c| shown[c]).map(|&c| totals[c]).sum();
                let rest = totals[u] - children;
                prop_assert!(rest == 0 || rest >= k, "unit {u}: {} − {children} = {rest}", totals[u]);
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
