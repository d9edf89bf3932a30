//! Phone numbers, found and validated with Google's libphonenumber metadata
//! (`rlibphonenumber`'s port of PhoneNumberMatcher at leniency VALID), so dates, prices,
//! ids and years are not mistaken for numbers. Values are E.164.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rlibphonenumber::phonenumber_matcher::{Leniency, PHONE_MATCHER_FACTORY};
use rlibphonenumber::{PhoneNumber, PhoneNumberFormat};
use url::Url;

use super::{Region, TextMatch};

/// Bounds the matcher's work on pathological digit-heavy text (its `max_tries`).
const MAX_MATCHER_TRIES: u64 = 50_000;

/// Every valid number in `text`, national ones read in `region`. Searches one region at
/// a time: searching all regions turns years and ids into "numbers".
pub(crate) fn find_in_text(text: &str, region: Region) -> Vec<TextMatch> {
    // Lines are block elements; a number never spans two, and most lines have too few
    // digits to hold one, so only the rest go through the (costly) matcher.
    let mut matches = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if may_hold_a_number(line) {
            matches.extend(find_in_line(line, region).into_iter().map(|m| TextMatch {
                start: m.start + line_start,
                end: m.end + line_start,
                value: m.value,
            }));
        }
        line_start += line.len();
    }
    matches
}

/// Digits a phone number needs at least (the shortest valid national numbers) and the
/// most characters they can be spread over once written with separators.
const MIN_DIGITS: usize = 7;
const MAX_SPREAD: usize = 28;

/// Whether the line has seven digits close together, the least a phone number needs.
fn may_hold_a_number(line: &str) -> bool {
    let mut recent = [0usize; MIN_DIGITS];
    let mut seen = 0usize;
    for (i, c) in line.char_indices() {
        if c.is_ascii_digit() || (!c.is_ascii() && is_other_script_digit(c)) {
            recent[seen % MIN_DIGITS] = i;
            seen += 1;
            if seen >= MIN_DIGITS && i - recent[seen % MIN_DIGITS] <= MAX_SPREAD * 4 {
                return true;
            }
        }
    }
    false
}

/// Digits libphonenumber reads besides ASCII: full-width, Arabic-Indic, Persian, Devanagari.
fn is_other_script_digit(c: char) -> bool {
    matches!(c, '\u{FF10}'..='\u{FF19}' | '\u{0660}'..='\u{0669}' | '\u{06F0}'..='\u{06F9}' | '\u{0966}'..='\u{096F}')
}

fn find_in_line(text: &str, region: Region) -> Vec<TextMatch> {
    let prepared = international_prefix_as_plus(text);
    // The matcher is a port of C++ code; a panic on odd input must not take the scan down.
    let found = catch_unwind(AssertUnwindSafe(|| {
        let mut out = Vec::new();
        let matcher = PHONE_MATCHER_FACTORY
            .matcher_builder(&prepared)
            .leniency(Leniency::Valid)
            .max_tries(MAX_MATCHER_TRIES)
            .preferred_region(region.code())
            .build_fallible();
        for result in matcher {
            let Ok(m) = result else { break };
            out.push(TextMatch {
                start: m.start,
                end: m.end(),
                value: m.number.format_as(PhoneNumberFormat::E164).into_owned(),
            });
        }
        out
    }));
    let mut matches = found.unwrap_or_default();
    for m in &mut matches {
        // The rewrite put a space before the `+`; the match starts at the `+`, one byte in.
        if prepared.as_bytes().get(m.start) == Some(&b'+')
            && text.as_bytes().get(m.start) == Some(&b'0')
        {
            m.start -= 1;
        }
    }
    matches
}

/// Rewrites the international call prefix `00` before a country code as ` +`, byte for
/// byte, so offsets still point into the original text. libphonenumber reads `00` as
/// international only for regions whose exit code it is (not in the US, which uses 011).
fn international_prefix_as_plus(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let mut i = 0;
    while i + 2 < bytes.len() {
        if bytes[i] == b'0' && bytes[i + 1] == b'0' {
            let starts_number =
                i == 0 || matches!(bytes[i - 1], b' ' | b'\n' | b'\t' | b'(' | b':');
            let next = if bytes[i + 2] == b' ' {
                bytes.get(i + 3)
            } else {
                bytes.get(i + 2)
            };
            if starts_number && next.is_some_and(|b| (b'1'..=b'9').contains(b)) {
                out[i] = b' ';
                out[i + 1] = b'+';
                i += 2;
                continue;
            }
        }
        i += 1;
    }
    // Only ASCII bytes were replaced by ASCII bytes, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Parses one number written on its own (a `tel:` link, a JSON-LD `telephone`), reading a
/// national number in `region`; `None` unless libphonenumber calls it valid.
pub(crate) fn parse_one(written: &str, region: Region) -> Option<String> {
    let written = written.trim();
    let digits = written.chars().filter(char::is_ascii_digit).count();
    if !(5..=17).contains(&digits) {
        return None;
    }
    let prepared = match written.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => written.to_owned(),
    };
    let number = catch_unwind(|| PhoneNumber::parse(&prepared, Some(region.code())))
        .ok()?
        .ok()?;
    if !catch_unwind(|| number.is_valid()).unwrap_or(false) {
        return None;
    }
    Some(number.format_as(PhoneNumberFormat::E164).into_owned())
}

/// The number in a `tel:`, `callto:` or `sms:` link.
pub(crate) fn from_tel(url: &Url, region: Region) -> Option<String> {
    let path = percent_encoding::percent_decode_str(url.path()).decode_utf8_lossy();
    // RFC 3966 parameters (`;ext=`, `;phone-context=`) follow the number.
    let number = path.split(';').next().unwrap_or("").trim_start_matches('/');
    parse_one(number, region)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> Region {
        "US".parse().unwrap()
    }

    fn values(text: &str, region: Region) -> Vec<String> {
        find_in_text(text, region)
            .into_iter()
            .map(|m| m.value)
            .collect()
    }

    #[test]
    fn national_and_international_numbers() {
        assert_eq!(values("Call (415) 555-0132 today", us()), ["+14155550132"]);
        assert_eq!(
            values("London office +44 20 7946 0958.", us()),
            ["+442079460958"]
        );
    }

    #[test]
    fn double_zero_prefix_reads_as_international() {
        let text = "Tel. 0044 20 7946 0958 or 00 44 20 7946 0959";
        let found = find_in_text(text, us());
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].value, "+442079460958");
        assert_eq!(&text[found[0].start..found[0].end], "0044 20 7946 0958");
    }

    #[test]
    fn region_reads_national_numbers() {
        let de: Region = "DE".parse().unwrap();
        assert_eq!(values("Telefon: 030 901820", de), ["+4930901820"]);
    }

    #[test]
    fn numbers_that_are_not_phones() {
        for trap in [
            "© 2012–2025 Jane Studio",
            "Invoice #20240312-0042",
            "ISBN 978-3-16-148410-0",
            "Price: $1,250.00",
            "Version 2.14.3 released 2024-03-12",
            "40.7128, -74.0060",
            "Order 123456789012345",
            "ZIP 94107",
        ] {
            assert!(values(trap, us()).is_empty(), "{trap}");
        }
    }

    #[test]
    fn tel_links() {
        let url = Url::parse("tel:+1-415-555-0132;ext=12").unwrap();
        assert_eq!(from_tel(&url, us()).as_deref(), Some("+14155550132"));
        let url = Url::parse("tel:0044%2020%207946%200958").unwrap();
        assert_eq!(from_tel(&url, us()).as_deref(), Some("+442079460958"));
        assert_eq!(from_tel(&Url::parse("tel:12").unwrap(), us()), None);
    }
}
