//! The member page's committed TypeScript types (`me/src/lib/wire.ts`) match the Rust types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn wire_types_for_the_member_page_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../me/src/lib/wire.ts");
    let fresh = taiwa_protocol::channel::typescript();
    if std::env::var("TAIWA_UPDATE_BINDINGS").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).expect("write the wire types");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "me/src/lib/wire.ts is stale: run `TAIWA_UPDATE_BINDINGS=1 cargo test -p taiwa-protocol wire` and commit it"
    );
}
