//! Prometheus metrics at `/metrics`: requests, latencies, records rejected. Labels are route
//! templates and status codes only: no token, id or body ever becomes a label. Nothing here
//! moves when a device's push or withdrawal succeeds (`api::observe::QUIET_ROUTES`), so whoever
//! reads `/metrics` cannot time one manager's sync, nor count the records it changed.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 10] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    records_rejected: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        let Ok(mut m) = self.inner.lock() else { return };
        *m.requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = m.latency.entry(route.to_owned()).or_default();
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
    }

    /// Records of a batch refused whole (an operator's signal of a broken client).
    pub fn rejected(&self, records: u64) {
        if let Ok(mut m) = self.inner.lock() {
            m.records_rejected += records;
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let Ok(m) = self.inner.lock() else { return String::new() };
        let mut out = String::new();
        out.push_str("# HELP taiwa_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE taiwa_http_requests_total counter\n");
        for ((method, route, status), n) in &m.requests {
            let _ = writeln!(
                out,
                "taiwa_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP taiwa_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE taiwa_http_request_duration_seconds histogram\n");
        for (route, h) in &m.latency {
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "taiwa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "taiwa_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "taiwa_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "taiwa_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        out.push_str("# HELP taiwa_records_rejected_total Completion records in batches refused whole.\n");
        out.push_str("# TYPE taiwa_records_rejected_total counter\n");
        let _ = writeln!(out, "taiwa_records_rejected_total {}", m.records_rejected);
        out
    }
}
