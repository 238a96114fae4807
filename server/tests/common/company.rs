//! The example company copied many times over, for the benchmarks at 100,000 employees, and
//! how the benchmarks print a set of latencies.

use std::fmt::Write as _;

/// The example company copied `copies` times: copy 0 keeps its ids and is the root; copy `c`
/// gets `-cNN` on every id and address, its top unit under the root unit and its head under the
/// root's head. Answers the org-unit and employee CSVs.
pub fn company(copies: usize) -> (String, String) {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/acme-5000");
    let read = |name: &str| std::fs::read_to_string(fixtures.join(name)).expect("server/fixtures/acme-5000");
    let (orgs_in, emps_in) = (read("org_units.csv"), read("employees.csv"));
    let mut orgs = String::from("org_unit_id,name,parent_id\n");
    let mut emps = String::from("employee_id,name,email,org_unit_id,manager_id\n");
    let (root_unit, root_head) = ("ORG0001", "E000001");
    for c in 0..copies {
        let id = |s: &str| {
            if c == 0 || s.is_empty() {
                s.to_owned()
            } else {
                format!("{s}-c{c:02}")
            }
        };
        for line in orgs_in.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let parent = if f[2].is_empty() && c > 0 {
                root_unit.to_owned()
            } else {
                id(f[2])
            };
            let _ = writeln!(orgs, "{},{},{parent}", id(f[0]), f[1]);
        }
        for line in emps_in.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let email = if c == 0 {
                f[2].to_owned()
            } else {
                f[2].replacen('@', &format!(".c{c:02}@"), 1)
            };
            let manager = if f[4].is_empty() && c > 0 {
                root_head.to_owned()
            } else {
                id(f[4])
            };
            let _ = writeln!(emps, "{},{},{email},{},{manager}", id(f[0]), f[1], id(f[3]));
        }
    }
    (orgs, emps)
}

/// `p50 … ms, p95 … ms, max … ms (n = …)` of latencies in milliseconds, or `none`.
pub fn percentiles(mut xs: Vec<f64>) -> String {
    if xs.is_empty() {
        return "none".into();
    }
    xs.sort_by(f64::total_cmp);
    let at = |p: f64| xs[(((p / 100.0) * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1];
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms (n = {})",
        at(50.0),
        at(95.0),
        at(100.0),
        xs.len()
    )
}
