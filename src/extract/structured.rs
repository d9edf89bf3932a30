//! JSON-LD (`<script type="application/ld+json">`): the `email`, `telephone`, `sameAs`,
//! `url` and `contactPoint` a site declares about itself, and its `addressCountry`, which
//! tells the region its phone numbers are in.

use serde_json::Value;

use super::document::ScriptText;
use super::link::{Channel, channels_in_value, channels_of, parse_loose};
use super::{ContactKind, Region};

/// A contact-bearing value as written in a JSON-LD block.
#[derive(Debug)]
struct Declared {
    field: Field,
    raw: String,
    offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Email,
    Telephone,
    Link,
}

/// What the page's JSON-LD blocks declare.
#[derive(Debug, Default)]
pub(crate) struct JsonLd {
    declared: Vec<Declared>,
    pub(crate) address_country: Option<String>,
}

/// A contact read from JSON-LD.
pub(crate) struct DeclaredContact {
    pub(crate) channel: Channel,
    pub(crate) raw: String,
    pub(crate) offset: usize,
}

/// Reads every JSON-LD block; a block that is not valid JSON is skipped, as browsers and
/// search engines skip it.
pub(crate) fn read_json_ld(blocks: &[ScriptText]) -> JsonLd {
    let mut out = JsonLd::default();
    for block in blocks {
        if let Ok(value) = serde_json::from_str::<Value>(block.body.trim()) {
            walk(&value, block.offset, &mut out, 0);
        }
    }
    out
}

/// JSON nests without limit; real JSON-LD is a few levels deep.
const MAX_DEPTH: usize = 32;

fn walk(value: &Value, offset: usize, out: &mut JsonLd, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Array(items) => items.iter().for_each(|v| walk(v, offset, out, depth + 1)),
        Value::Object(map) => {
            for (key, v) in map {
                let field = match key.as_str() {
                    "email" => Some(Field::Email),
                    "telephone" => Some(Field::Telephone),
                    "sameAs" | "url" => Some(Field::Link),
                    "addressCountry" => {
                        let code = match v {
                            Value::String(s) => Some(s.clone()),
                            Value::Object(o) => {
                                o.get("name").and_then(Value::as_str).map(str::to_owned)
                            }
                            _ => None,
                        };
                        if out.address_country.is_none() {
                            out.address_country = code;
                        }
                        None
                    }
                    _ => None,
                };
                match (field, v) {
                    (Some(field), Value::String(s)) => out.declared.push(Declared {
                        field,
                        raw: s.clone(),
                        offset,
                    }),
                    (Some(field), Value::Array(items)) => {
                        for s in items.iter().filter_map(Value::as_str) {
                            out.declared.push(Declared {
                                field,
                                raw: s.to_owned(),
                                offset,
                            });
                        }
                    }
                    _ => walk(v, offset, out, depth + 1),
                }
            }
        }
        _ => {}
    }
}

impl JsonLd {
    /// The declared values that are contacts, phones read in `region`.
    pub(crate) fn contacts(&self, region: Region) -> Vec<DeclaredContact> {
        let mut out = Vec::new();
        for d in &self.declared {
            let channels = match d.field {
                Field::Email => channels_in_value(&d.raw, ContactKind::Email, region),
                Field::Telephone => channels_in_value(&d.raw, ContactKind::Phone, region),
                Field::Link => parse_loose(d.raw.trim())
                    .map(|url| channels_of(&url, region))
                    .unwrap_or_default(),
            };
            out.extend(channels.into_iter().map(|channel| DeclaredContact {
                channel,
                raw: d.raw.clone(),
                offset: d.offset,
            }));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn person_with_contact_point_and_same_as() {
        let body = r#"{"@context":"https://schema.org","@type":"Person","email":"mailto:Jane@Studio.io",
            "telephone":"+1-415-555-0132","sameAs":["https://github.com/jane","https://www.linkedin.com/in/jane/"],
            "address":{"@type":"PostalAddress","addressCountry":"GB"},
            "contactPoint":{"@type":"ContactPoint","email":"press@studio.io"}}"#;
        let ld = read_json_ld(&[ScriptText {
            body: body.into(),
            offset: 7,
        }]);
        assert_eq!(ld.address_country.as_deref(), Some("GB"));
        let mut values: Vec<String> = ld
            .contacts(Region::default())
            .into_iter()
            .map(|c| c.channel.value)
            .collect();
        values.sort();
        assert_eq!(
            values,
            [
                "+14155550132",
                "https://github.com/jane",
                "https://www.linkedin.com/in/jane",
                "jane@studio.io",
                "press@studio.io"
            ]
        );
    }

    #[test]
    fn broken_json_is_skipped() {
        let ld = read_json_ld(&[ScriptText {
            body: "{\"email\": ".into(),
            offset: 0,
        }]);
        assert!(ld.contacts(Region::default()).is_empty());
    }
}
