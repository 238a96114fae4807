//! Embeds every `migrations/NNNN_name.sql` file, in order, so that a new migration is never left out.

use std::fmt::Write as _;
use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=migrations");
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("migrations");
    let mut files: Vec<(u32, PathBuf)> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            let number = stem.split('_').next().and_then(|n| n.parse().ok());
            (
                number.unwrap_or_else(|| panic!("migration {} must start with a number", p.display())),
                p,
            )
        })
        .collect();
    files.sort();
    for (i, (number, path)) in files.iter().enumerate() {
        assert_eq!(
            *number as usize,
            i + 1,
            "migrations must be numbered 1, 2, 3… without gaps: {}",
            path.display()
        );
    }
    let mut code = String::from("pub(crate) const MIGRATIONS: &[&str] = &[\n");
    for (_, path) in &files {
        // Relative to the crate at compile time, so a build cache shared between checkouts still works.
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        writeln!(
            code,
            "    include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/migrations/{name}\")),"
        )
        .unwrap_or_default();
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_default()).join("migrations.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
