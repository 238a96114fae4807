//! Every request a device sends is walked through its JSON schema: each string must be an id, a
//! month or an enum. The one exception is the device name given at enrolment, at most 64
//! characters. The member channel's requests add two opaque kinds: a key or token (43 characters
//! of base64url, 32 bytes) and a sealed message's ciphertext, whose sizes the server pins to a few
//! padded buckets (server/tests). A new free-text field anywhere in a request fails this test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use taiwa_protocol::{CompletionBatch, EnrolRequest, WithdrawalRequest};

/// Every string in `schema` that is not an id, a month or an enum, by path.
fn free_text(schema: &Value, root: &Value, path: &str, found: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap();
        let target = root
            .get("$defs")
            .and_then(|d| d.get(name))
            .unwrap_or_else(|| panic!("unresolved {reference}"));
        return free_text(target, root, path, found);
    }
    for key in ["oneOf", "anyOf", "allOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            for (i, option) in options.iter().enumerate() {
                free_text(option, root, &format!("{path}<{key}{i}>"), found);
            }
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.contains(&"string") {
        let is_enum = schema.get("enum").is_some() || schema.get("const").is_some();
        let is_month = schema.get("format").and_then(Value::as_str) == Some("month");
        let kind = schema.get("x-kind").and_then(Value::as_str);
        let device_name =
            kind == Some("device-name") && schema.get("maxLength").and_then(Value::as_u64).is_some_and(|n| n <= 64);
        let key = kind == Some("key") && schema.get("maxLength").and_then(Value::as_u64) == Some(43);
        let sealed = kind == Some("ciphertext");
        if !(is_enum || is_month || kind == Some("id") || device_name || key || sealed) {
            found.push(path.to_owned());
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            free_text(property, root, &format!("{path}.{name}"), found);
        }
    }
    if let Some(items) = schema.get("items") {
        free_text(items, root, &format!("{path}[]"), found);
    }
}

fn check(schema: schemars::Schema) -> Vec<String> {
    let value = schema.as_value().clone();
    let mut found = Vec::new();
    free_text(&value, &value, "", &mut found);
    found
}

#[test]
fn requests_carry_no_free_text_but_the_device_name() {
    assert_eq!(check(schemars::schema_for!(CompletionBatch)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(EnrolRequest)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(WithdrawalRequest)), Vec::<String>::new());
}

#[test]
fn the_member_channel_sends_ids_keys_ciphertext_and_numbers_only() {
    use taiwa_protocol::channel::*;
    assert_eq!(check(schemars::schema_for!(PairingRequest)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(ManagerSend)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(SealedMessage)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(Acks)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(MemberPairRequest)), Vec::<String>::new());
    assert_eq!(check(schemars::schema_for!(RatingRequest)), Vec::<String>::new());
}

#[test]
fn the_walk_finds_a_smuggled_text_field() {
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Smuggler {
        #[schemars(extend("x-kind" = "id"))]
        member_employee_id: String,
        month: taiwa_protocol::Month,
        note: String,
        topics: Vec<String>,
    }
    assert_eq!(check(schemars::schema_for!(Smuggler)), [".note", ".topics[]"]);
}
