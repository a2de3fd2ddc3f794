//! JSON exactly as Python's `json.dumps` writes it, and sha1 cache keys over it: the AWS CLI and
//! botocore name cache files by hashing such text, and write the files in that form, so sharing
//! the caches byte for byte means writing what Python would.

use serde_json::Value;
use sha1::{Digest, Sha1};

/// `json.dumps` separators: the default (`", "`, `": "`) or compact (`","`, `":"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separators {
    Default,
    Compact,
}

/// `json.dumps(value, separators=…)` with `ensure_ascii=True`; object keys keep the value's
/// order (serde_json's map is sorted by key, which is what `sort_keys=True` gives).
pub fn dumps(value: &Value, separators: Separators) -> String {
    let mut out = String::new();
    write(value, separators, &mut out);
    out
}

/// `json.dumps` of the pairs in this order (a Python dict keeps insertion order).
pub fn dumps_pairs(pairs: &[(&str, Value)], separators: Separators) -> String {
    let (item, key) = seps(separators);
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push_str(item);
        }
        write(&Value::String((*k).to_string()), separators, &mut out);
        out.push_str(key);
        write(v, separators, &mut out);
    }
    out.push('}');
    out
}

fn seps(separators: Separators) -> (&'static str, &'static str) {
    match separators {
        Separators::Default => (", ", ": "),
        Separators::Compact => (",", ":"),
    }
}

fn write(value: &Value, separators: Separators, out: &mut String) {
    let (item, key) = seps(separators);
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(item);
                }
                write(v, separators, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(item);
                }
                write(&Value::String(k.clone()), separators, out);
                out.push_str(key);
                write(v, separators, out);
            }
            out.push('}');
        }
        scalar => {
            for c in scalar.to_string().chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
    }
}

/// Lower-case hex sha1 of the text's UTF-8 bytes.
pub fn sha1_hex(text: &str) -> String {
    Sha1::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn matches_python_json_dumps() {
        // python3 -c 'import json; print(json.dumps({"b": [1, None], "a": "é"}, sort_keys=True))'
        assert_eq!(
            dumps(&json!({"b": [1, null], "a": "é"}), Separators::Default),
            r#"{"a": "\u00e9", "b": [1, null]}"#
        );
        assert_eq!(
            dumps(&json!({"b": [1, null], "a": "x"}), Separators::Compact),
            r#"{"a":"x","b":[1,null]}"#
        );
        assert_eq!(
            dumps(&json!("😀"), Separators::Default),
            r#""\ud83d\ude00""#
        );
        assert_eq!(
            dumps_pairs(&[("z", json!(1)), ("a", json!("/"))], Separators::Default),
            r#"{"z": 1, "a": "/"}"#
        );
    }

    #[test]
    fn sha1_matches_the_references() {
        assert_eq!(sha1_hex("dev"), "34c6fceca75e456f25e7e99531e2425c6c1de443");
        assert_eq!(
            sha1_hex("https://d-92671207e4.awsapps.com/start"),
            "13f9d35043871d073ab260e020f0ffde092cb14b"
        );
    }
}
