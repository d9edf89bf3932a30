//! Bytes to text the way browsers do it: a byte-order mark, then the charset the server
//! declared (`Content-Type`), then a `<meta>` declaration in the first 1024 bytes, then
//! detection from the bytes themselves (`chardetng`), all decoded with `encoding_rs`.

use chardetng::EncodingDetector;
use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How far into the document a `<meta charset>` counts (the HTML standard's prescan).
const PRESCAN_BYTES: usize = 1024;

/// What decided a page's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CharsetSource {
    /// A UTF-8 or UTF-16 byte-order mark.
    ByteOrderMark,
    /// The `charset` parameter of the HTTP `Content-Type` header.
    ContentType,
    /// A `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 1024 bytes.
    Meta,
    /// Detected from the bytes (`chardetng`), helped by the host's top-level domain.
    Detected,
}

/// A decoded page.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub(crate) text: String,
    pub(crate) encoding: &'static Encoding,
    pub(crate) source: CharsetSource,
}

/// Decodes a page. `content_type` is the HTTP header's value when the page was fetched;
/// `tld` the page host's top-level domain, which sharpens detection (`ru`, `jp`).
pub(crate) fn decode(bytes: &[u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded {
    let (encoding, source, body) = if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        (encoding, CharsetSource::ByteOrderMark, &bytes[bom_len..])
    } else if let Some(encoding) = content_type.and_then(charset_parameter).and_then(usable) {
        (encoding, CharsetSource::ContentType, bytes)
    } else if let Some(encoding) = prescan_meta(&bytes[..bytes.len().min(PRESCAN_BYTES)]) {
        (encoding, CharsetSource::Meta, bytes)
    } else {
        let mut detector = EncodingDetector::new();
        detector.feed(bytes, true);
        let encoding = detector.guess(tld.map(str::as_bytes), true);
        (encoding, CharsetSource::Detected, bytes)
    };
    let (text, _had_errors) = encoding.decode_without_bom_handling(body);
    Decoded {
        text: text.into_owned(),
        encoding,
        source,
    }
}

/// An encoding a page may declare: the standard maps UTF-16 declared in a byte stream
/// that decoded far enough to be read as ASCII to UTF-8, and x-user-defined to windows-1252.
fn usable(encoding: &'static Encoding) -> Option<&'static Encoding> {
    if encoding == encoding_rs::UTF_16BE || encoding == encoding_rs::UTF_16LE {
        Some(UTF_8)
    } else if encoding == encoding_rs::X_USER_DEFINED {
        Some(WINDOWS_1252)
    } else if encoding == encoding_rs::REPLACEMENT {
        None
    } else {
        Some(encoding)
    }
}

/// The `charset=` parameter of a `Content-Type` value, as an encoding.
fn charset_parameter(content_type: &str) -> Option<&'static Encoding> {
    let lower = content_type.to_ascii_lowercase();
    let at = lower.find("charset")?;
    let rest = lower[at + "charset".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let value = rest.trim_start_matches(['"', '\'']);
    let end = value
        .find(['"', '\'', ';', ' ', ','])
        .unwrap_or(value.len());
    Encoding::for_label(&value.as_bytes()[..end])
}

/// The HTML standard's prescan, reduced to what pages use: `<meta charset=X>` and
/// `<meta http-equiv="Content-Type" content="…; charset=X">`.
fn prescan_meta(head: &[u8]) -> Option<&'static Encoding> {
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&lower[from..], b"<meta") {
        let start = from + at + 5;
        let end = lower[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(lower.len(), |e| start + e);
        let tag = String::from_utf8_lossy(&lower[start..end]);
        let declared = attribute(&tag, "charset")
            .and_then(|label| Encoding::for_label(label.as_bytes()))
            .or_else(|| {
                let is_content_type =
                    attribute(&tag, "http-equiv").is_some_and(|v| v == "content-type");
                is_content_type
                    .then(|| attribute(&tag, "content"))
                    .flatten()
                    .and_then(|c| charset_parameter(&c))
            })
            .and_then(usable);
        if declared.is_some() {
            return declared;
        }
        from = end;
    }
    None
}

/// The value of `name=` in the inside of a lowercased tag, quoted or not.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut search = 0;
    while let Some(at) = tag[search..].find(name) {
        let begin = search + at;
        let before_ok = begin == 0
            || tag.as_bytes()[begin - 1].is_ascii_whitespace()
            || tag.as_bytes()[begin - 1] == b'/';
        let rest = tag[begin + name.len()..].trim_start();
        if before_ok && let Some(value) = rest.strip_prefix('=') {
            let value = value.trim_start();
            let unquoted = match value.chars().next() {
                Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
                _ => value.split([' ', '/', '\t', '\n']).next().unwrap_or(""),
            };
            return Some(unquoted.trim().to_owned());
        }
        search = begin + name.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_mark_wins() {
        let d = decode(
            b"\xEF\xBB\xBF<meta charset=windows-1251><p>\xD0\xB4",
            None,
            None,
        );
        assert_eq!(d.source, CharsetSource::ByteOrderMark);
        assert_eq!(d.text, "<meta charset=windows-1251><p>д");
    }

    #[test]
    fn content_type_header_beats_meta() {
        let d = decode(
            b"<meta charset=utf-8><p>\xE4",
            Some("text/html; charset=ISO-8859-1"),
            None,
        );
        assert_eq!(d.source, CharsetSource::ContentType);
        assert_eq!(d.text, "<meta charset=utf-8><p>ä");
    }

    #[test]
    fn meta_charset_and_http_equiv() {
        let d = decode(
            b"<html><head><meta charset=\"windows-1251\"></head><p>\xEF\xF0\xE8\xE2\xE5\xF2",
            None,
            None,
        );
        assert_eq!(
            (d.source, d.encoding.name()),
            (CharsetSource::Meta, "windows-1251")
        );
        assert!(d.text.ends_with("привет"));
        let d = decode(
            b"<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=Shift_JIS'><p>\x83\x65\x83\x58\x83\x67",
            None,
            None,
        );
        assert_eq!(d.encoding.name(), "Shift_JIS");
        assert!(d.text.ends_with("テスト"));
    }

    #[test]
    fn undeclared_pages_are_detected() {
        let text =
            "Это страница портфолио дизайнера: проекты, отзывы и контакты для связи. ".repeat(20);
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
        let d = decode(&bytes, None, Some("ru"));
        assert_eq!(
            (d.source, d.encoding.name()),
            (CharsetSource::Detected, "windows-1251")
        );
        assert_eq!(d.text, text);
        assert_eq!(
            decode("plain ascii é".as_bytes(), None, None).encoding,
            UTF_8
        );
    }

    #[test]
    fn declared_utf16_in_a_meta_means_utf8() {
        let d = decode("<meta charset=utf-16><p>é".as_bytes(), None, None);
        assert_eq!(d.encoding, UTF_8);
    }
}
