//! The committed TypeScript bindings match the Rust types.

use std::path::Path;

#[test]
fn bindings_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/lib/bindings.ts");
    let fresh = taiwa_ipc::typescript_bindings();
    if std::env::var("TAIWA_UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &fresh).expect("write the bindings");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/lib/bindings.ts is stale: run `TAIWA_UPDATE_BINDINGS=1 cargo test -p taiwa-ipc bindings` and commit it"
    );
}
