//! Embeds the member's page (`me/dist`, built by `cd me && npm ci && npm run build`, which
//! `scripts/setup` and `scripts/test` run) into the server binary: each file with its content
//! type and, for text, a gzip copy made here once, so the page costs its compressed size on the
//! wire. A server built without the page would serve members nothing: the build stops instead.

use std::env;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" | "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn main() {
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let dist = root.join("../me/dist");
    println!("cargo::rerun-if-changed={}", dist.display());
    let index = dist.join("index.html");
    if !index.exists() {
        panic!(
            "the member's page is not built ({} is missing): run `cd me && npm ci && npm run build` (scripts/setup does)",
            index.display()
        );
    }
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap_or_default());
    let mut all = Vec::new();
    files(&dist, &mut all);
    // An array of `Embedded` (server/src/web/member.rs), one per file.
    let mut code = String::from("[\n");
    for (i, path) in all.iter().enumerate() {
        println!("cargo::rerun-if-changed={}", path.display());
        let relative = path
            .strip_prefix(&dist)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let kind = content_type(path);
        let bytes = std::fs::read(path).unwrap_or_default();
        let gz = if kind.starts_with("text/") || kind.starts_with("image/svg") || kind.contains("json") {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            let _ = encoder.write_all(&bytes);
            let zipped = encoder.finish().unwrap_or_default();
            (!zipped.is_empty() && zipped.len() < bytes.len()).then_some(zipped)
        } else {
            None
        };
        let gz_expr = match gz {
            Some(zipped) => {
                let gz_path = out_dir.join(format!("me-{i}.gz"));
                std::fs::write(&gz_path, zipped).unwrap_or_default();
                format!("Some(include_bytes!({:?}))", gz_path.display().to_string())
            }
            None => "None".to_owned(),
        };
        let _ = writeln!(
            code,
            "    Embedded {{ path: {relative:?}, kind: {kind:?}, bytes: include_bytes!({:?}), gzip: {gz_expr} }},",
            path.canonicalize().unwrap_or(path.clone()).display().to_string()
        );
    }
    code.push_str("]\n");
    std::fs::write(out_dir.join("member_page.rs"), code).unwrap_or_default();
}
