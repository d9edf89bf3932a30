//! Phone numbers, found and validated with Google's libphonenumber metadata
//! (`rlibphonenumber`'s port of PhoneNumberMatcher at leniency VALID), so dates, prices,
//! ids and years are not mistaken for numbers. Values are E.164.

use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use regex::Regex;

use rlibphonenumber::phonenumber_matcher::{Leniency, PHONE_MATCHER_FACTORY};
use rlibphonenumber::{PhoneNumber, PhoneNumberFormat};
use url::Url;

use super::{Region, TextMatch};

/// Bounds the matcher's work on pathological digit-heavy text (its `max_tries`).
const MAX_MATCHER_TRIES: u64 = 50_000;

/// Every valid number in `text`, national ones read in `region`. Searches one region at
/// a time: searching all regions turns years and ids into "numbers".
pub(crate) fn find_in_text(text: &str, region: Region) -> Vec<TextMatch> {
    let mut matches = find_valid_numbers(text, region);
    matches
        .retain(|m| !is_labelled_as_an_id(&text[..m.start]) && !is_a_date(&text[m.start..m.end]));
    matches
}

/// `02/2021`, `09.2017`, `12/05/2021`, `2021-05-12`: month-year and full dates, which pass
/// as short landlines in regions with two-digit area codes (Milan's 02).
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:(?:0?[1-9]|[12][0-9]|3[01])[./-])?(?:0?[1-9]|1[0-2])[./-](?:19|20)[0-9]{2}$|^(?:19|20)[0-9]{2}[./-](?:0?[1-9]|1[0-2])(?:[./-](?:0?[1-9]|[12][0-9]|3[01]))?$",
    )
    .expect("static regex")
});

/// A date, or a range of them (`06.2013 – 08.2017`, which the matcher reads as one number).
fn is_a_date(written: &str) -> bool {
    let written = written.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    DATE.is_match(written)
        || written
            .split(['–', '—'])
            .flat_map(|part| part.split(" - "))
            .all(|part| DATE.is_match(part.trim()))
}

/// Words that say the number after them is an identifier or a price, not a phone number.
const ID_WORDS: &[&str] = &[
    "order",
    "invoice",
    "ref",
    "reference",
    "id",
    "sku",
    "isbn",
    "issn",
    "ticket",
    "tracking",
    "account",
    "acct",
    "iban",
    "vat",
    "inn",
    "ogrn",
    "cnpj",
    "cpf",
    "gstin",
    "npwp",
    "nip",
    "siret",
    "siren",
    "ust-idnr",
    "hrb",
    "pedido",
    "factura",
    "fatura",
    "rechnung",
    "commande",
    "ordine",
    "заказ",
    "счет",
    "счёт",
    "рахунок",
    "замовлення",
    "pesanan",
    "transaction",
    "booking",
    "case",
    // Tax numbers Italian and Spanish sites must show (P.IVA 07812340722 passes as a landline).
    "iva",
    "p.iva",
    "piva",
    "fiscale",
    "nif",
    "cif",
    "abn",
    // A currency before the digits makes them a price (`Rp 1.500.000`).
    "rp",
    "rs",
    "r$",
    "idr",
    "inr",
    "usd",
    "eur",
    "brl",
    "mxn",
    "cop",
    "$",
    "€",
    "£",
    "₹",
    "₦",
];

/// Whether the words just before a number name it an id (`Order #4155550132`,
/// `Invoice no. 2125550199`, `ИНН 7707083893`).
fn is_labelled_as_an_id(before: &str) -> bool {
    let before = before.trim_end();
    if before.ends_with(['#', '№']) {
        return true;
    }
    // Chinese sites must show their licence numbers: `浙ICP备2021038465号`, `京公网安备…`.
    let six_chars_back = before.char_indices().rev().nth(5).map_or(0, |(at, _)| at);
    let tail = before[six_chars_back..].to_uppercase();
    if ["ICP备", "ICP证", "网安备", "ICP 备"]
        .iter()
        .any(|id| tail.ends_with(id))
    {
        return true;
    }
    let mut words = before
        .rsplit(|c: char| c.is_whitespace() || matches!(c, ':' | '#' | '№' | '(' | ','))
        .filter(|w| !w.is_empty())
        .map(|w| w.trim_end_matches('.').to_lowercase());
    let Some(mut word) = words.next() else {
        return false;
    };
    // "Order no. 123…", "Invoice number 123…": look past the word for number.
    if matches!(
        word.as_str(),
        "no" | "nr" | "num" | "number" | "n°" | "nº" | "número" | "numero" | "nummer" | "номер"
    ) {
        let Some(previous) = words.next() else {
            return false;
        };
        word = previous;
    }
    ID_WORDS.contains(&word.as_str())
}

/// Every number libphonenumber calls valid in `text`.
fn find_valid_numbers(text: &str, region: Region) -> Vec<TextMatch> {
    // The matcher is costly per character, and a page holds few numbers: it reads only
    // the words around each run that could be one.
    let mut matches = Vec::new();
    for window in number_windows(text) {
        let offset = window.start;
        matches.extend(
            find_in_window(&text[window], region)
                .into_iter()
                .map(|m| TextMatch {
                    start: m.start + offset,
                    end: m.end + offset,
                    value: m.value,
                }),
        );
    }
    matches
}

/// Digits a phone number needs at least: the shortest valid national numbers.
const MIN_DIGITS: usize = 7;

/// How far the matcher may see on either side of a run: enough for the characters it
/// checks next to a number, and a bound on its work inside a giant token.
const CONTEXT_BYTES: usize = 32;

/// A run with more digits than this is a blob of data, not phone numbers.
const MAX_RUN_DIGITS: usize = 64;

/// The stretches of `text` that could hold a phone number: each run of digits and phone
/// punctuation with at least seven digits (anything libphonenumber matches has one),
/// widened to the whole words around it (at most [`CONTEXT_BYTES`] either side) so the
/// matcher sees the characters next to the number, which it checks. Overlapping
/// stretches are merged. One pass, so linear in the text whatever its shape.
fn number_windows(text: &str) -> Vec<Range<usize>> {
    let mut windows: Vec<Range<usize>> = Vec::new();
    // The last window's end is open until whitespace or its deadline comes.
    let mut open_until: Option<usize> = None;
    let mut run_start = 0;
    let mut digits_in_run = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if digits_in_run == 0 && open_until.is_none() {
            // Nothing open: skip in bulk to the next digit. Prose is normalised before it
            // gets here, so digits of other scripts are already ASCII.
            let skip = bytes[i..]
                .iter()
                .position(u8::is_ascii_digit)
                .unwrap_or(bytes.len() - i);
            i += skip;
            if i >= bytes.len() {
                break;
            }
        }
        let c = if bytes[i] < 0x80 {
            bytes[i] as char
        } else {
            text[i..].chars().next().unwrap_or(' ')
        };
        let next = i + c.len_utf8();
        if let Some(deadline) = open_until
            && (c.is_whitespace() || i >= deadline)
            && digits_in_run == 0
        {
            if let Some(last) = windows.last_mut() {
                last.end = i;
            }
            open_until = None;
        }
        let is_digit = c.is_ascii_digit();
        if is_digit {
            if digits_in_run == 0 {
                run_start = i;
            }
            digits_in_run += 1;
        }
        let run_continues = is_digit || (digits_in_run > 0 && is_phone_punctuation(c));
        let at_end = next >= bytes.len();
        if digits_in_run > 0 && (!run_continues || at_end) {
            let run_end = if run_continues { text.len() } else { i };
            if (MIN_DIGITS..=MAX_RUN_DIGITS).contains(&digits_in_run) {
                let start = word_start_before(text, run_start);
                match windows.last_mut() {
                    Some(last) if start <= last.end || open_until.is_some() => last.end = run_end,
                    _ => windows.push(start..run_end),
                }
                open_until = Some(run_end + CONTEXT_BYTES);
            }
            digits_in_run = 0;
        }
        i = next;
    }
    if open_until.is_some()
        && let Some(last) = windows.last_mut()
    {
        last.end = text.len();
    }
    windows
}

/// Where the word holding `at` starts, looking back at most [`CONTEXT_BYTES`].
fn word_start_before(text: &str, at: usize) -> usize {
    let from = ceil_char_boundary(text, at.saturating_sub(CONTEXT_BYTES));
    text[from..at]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(from, |(i, c)| from + i + c.len_utf8())
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    while at < text.len() && !text.is_char_boundary(at) {
        at += 1;
    }
    at.min(text.len())
}

/// The separators libphonenumber accepts inside a number (its VALID_PUNCTUATION, spaces
/// and the plus signs).
fn is_phone_punctuation(c: char) -> bool {
    matches!(
        c,
        ' ' | '-'
            | '.'
            | '('
            | ')'
            | '/'
            | '+'
            | '['
            | ']'
            | '~'
            | '\u{00A0}'
            | '\u{00AD}'
            | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{2053}'
                | '\u{223C}'
                | '\u{3000}'
                | '\u{30FC}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{FF0B}'
                | '\u{FF0D}'
                | '\u{FF0E}'
                | '\u{FF0F}'
                | '\u{FF3B}'
                | '\u{FF3D}'
                | '\u{FF5E}'
                | '\u{200B}'
                | '\u{2060}'
    )
}

fn find_in_window(text: &str, region: Region) -> Vec<TextMatch> {
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
            // After a space, a bracket or a label's punctuation (`Tel.0044`, `Tel/0044`),
            // never inside a number or an amount (`1.005`, `2005`).
            let starts_number = i == 0
                || matches!(
                    bytes[i - 1],
                    b' ' | b'\n' | b'\t' | b'(' | b':' | b'/' | 0xA0
                )
                || (bytes[i - 1] == b'.' && i >= 2 && bytes[i - 2].is_ascii_alphabetic());
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
        assert_eq!(values("Phone no. 415 555 0132", us()), ["+14155550132"]);
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
    fn tax_numbers_and_prices_are_not_phones() {
        let it: Region = "IT".parse().unwrap();
        assert!(values("Studio Rossi · P.IVA 07812340722", it).is_empty());
        let id: Region = "ID".parse().unwrap();
        assert!(values("Paket logo: Rp 1.500.000", id).is_empty());
    }

    #[test]
    fn region_reads_national_numbers() {
        let de: Region = "DE".parse().unwrap();
        assert_eq!(values("Telefon: 030 901820", de), ["+4930901820"]);
    }

    #[test]
    fn windows_start_after_wide_spaces() {
        for space in ['\u{00A0}', '\u{202F}', '\u{3000}'] {
            let text = format!("Call{space}(415) 555-0132");
            assert_eq!(values(&text, us()), ["+14155550132"], "{space:?}");
        }
    }

    #[test]
    fn giant_tokens_and_digit_blobs_stay_linear_and_bounded() {
        let token = "ab1234567".repeat(20_000);
        let windows = number_windows(&token);
        assert!(windows.iter().all(|w| w.len() <= token.len()));
        let blob = "7".repeat(100_000);
        assert!(number_windows(&blob).is_empty());
    }

    #[test]
    fn windows_cover_whole_words_around_digit_runs() {
        let text = "Founded in 2014.\nCall us: Tel.+44 20 7946 0958, any time; 9:00-17:30.";
        let windows: Vec<&str> = number_windows(text).into_iter().map(|w| &text[w]).collect();
        assert_eq!(windows, ["Tel.+44 20 7946 0958,"]);
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
            "Order #4155550132",
            "Invoice no. 2125550199 paid",
            "Booking ref: 4155550133",
            "ZIP 94107",
        ] {
            assert!(values(trap, us()).is_empty(), "{trap}");
        }
    }

    #[test]
    fn dates_and_licence_numbers_are_not_phones() {
        for (trap, region) in [
            ("09/2017 – 02/2021", "IT"),
            ("Mai 2019 · 06.2013 – 08.2017", "DE"),
            ("浙ICP备2021038465号-1", "CN"),
            ("京公网安备 2023007714号", "CN"),
            ("<li>2.4.0 (03.09.2024) – neuer Regeltyp</li>", "DE"),
        ] {
            let found = values(trap, region.parse().unwrap());
            assert!(found.is_empty(), "{trap}: {found:?}");
        }
        // A Milan number written with a slash is still one.
        assert_eq!(
            values("Tel. 02/7214 3390", "IT".parse().unwrap()),
            ["+390272143390"]
        );
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
