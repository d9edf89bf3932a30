//! Phone numbers written without (all) digits: digits spelled as words in the languages
//! freelancers write ("four one five…", "nueve", "девять", "nau aath", "تسعة", French
//! pairs like "trente-quatre"), and letters standing in for digits inside a number
//! (`77OO 9OO l23`). A run is reported only when it validates as a phone number.

use std::collections::HashMap;

use std::sync::LazyLock;

use super::{Obfuscation, Region, TextMatch, phone};

/// Digit words, by language (policy §3d, E1).
const DIGIT_WORDS: &[(&str, &[&str])] = &[
    (
        "0",
        &[
            "zero",
            "oh",
            "cero",
            "zéro",
            "null",
            "nol",
            "kosong",
            "ноль",
            "нуль",
            "shunya",
            "शून्य",
            "صفر",
        ],
    ),
    (
        "1",
        &[
            "one", "uno", "um", "uma", "un", "une", "eins", "satu", "один", "одна", "ek", "एक",
            "واحد",
        ],
    ),
    (
        "2",
        &[
            "two",
            "dos",
            "dois",
            "duas",
            "deux",
            "zwei",
            "zwo",
            "due",
            "dua",
            "два",
            "две",
            "дві",
            "do",
            "दो",
            "اثنان",
            "اثنين",
        ],
    ),
    (
        "3",
        &[
            "three",
            "tres",
            "três",
            "trois",
            "drei",
            "tre",
            "tiga",
            "три",
            "teen",
            "तीन",
            "ثلاثة",
        ],
    ),
    (
        "4",
        &[
            "four",
            "cuatro",
            "quatro",
            "quatre",
            "vier",
            "quattro",
            "empat",
            "четыре",
            "чотири",
            "chaar",
            "char",
            "चार",
            "أربعة",
            "اربعة",
        ],
    ),
    (
        "5",
        &[
            "five",
            "cinco",
            "cinq",
            "fünf",
            "fuenf",
            "cinque",
            "lima",
            "пять",
            "п'ять",
            "пʼять",
            "paanch",
            "panch",
            "पाँच",
            "पांच",
            "خمسة",
        ],
    ),
    (
        "6",
        &[
            "six",
            "seis",
            "meia",
            "sechs",
            "sei",
            "enam",
            "шесть",
            "шість",
            "chhah",
            "chhe",
            "che",
            "छह",
            "छः",
            "ستة",
        ],
    ),
    (
        "7",
        &[
            "seven",
            "siete",
            "sete",
            "sept",
            "sieben",
            "sette",
            "tujuh",
            "семь",
            "сім",
            "saat",
            "सात",
            "سبعة",
        ],
    ),
    (
        "8",
        &[
            "eight",
            "ocho",
            "oito",
            "huit",
            "acht",
            "otto",
            "delapan",
            "восемь",
            "вісім",
            "aath",
            "आठ",
            "ثمانية",
        ],
    ),
    (
        "9",
        &[
            "nine",
            "nueve",
            "nove",
            "neuf",
            "neun",
            "sembilan",
            "девять",
            "дев'ять",
            "девʼять",
            "nau",
            "नौ",
            "تسعة",
        ],
    ),
];

/// Spanish and French numbers from ten to ninety-nine, said in pairs when reading phone
/// numbers aloud ("doce", "trente-quatre").
const PAIR_WORDS: &[(&str, u32)] = &[
    ("diez", 10),
    ("once", 11),
    ("doce", 12),
    ("trece", 13),
    ("catorce", 14),
    ("quince", 15),
    ("dieciséis", 16),
    ("dieciseis", 16),
    ("diecisiete", 17),
    ("dieciocho", 18),
    ("diecinueve", 19),
    ("veinte", 20),
    ("treinta", 30),
    ("cuarenta", 40),
    ("cincuenta", 50),
    ("sesenta", 60),
    ("setenta", 70),
    ("ochenta", 80),
    ("noventa", 90),
    ("dix", 10),
    ("onze", 11),
    ("douze", 12),
    ("treize", 13),
    ("quatorze", 14),
    ("quinze", 15),
    ("seize", 16),
    ("vingt", 20),
    ("trente", 30),
    ("quarante", 40),
    ("cinquante", 50),
    ("soixante", 60),
];

/// Words that repeat the next digit ("double five" = 55).
const REPEATERS: &[(&str, usize)] = &[("double", 2), ("doble", 2), ("triple", 3), ("triplo", 3)];

/// Words that join the parts of a pair ("treinta y cuatro", "vingt et un").
const JOINERS: &[&str] = &["y", "et", "e", "и", "і"];

/// The first letters of every word the lexicons know, lowercase: most words of a page can
/// be passed over without lowercasing them.
static FIRST_LETTERS: LazyLock<Vec<char>> = LazyLock::new(|| {
    let mut letters: Vec<char> = DIGIT_WORDS
        .iter()
        .flat_map(|(_, words)| words.iter())
        .chain(PAIR_WORDS.iter().map(|(w, _)| w))
        .chain(REPEATERS.iter().map(|(w, _)| w))
        .chain(JOINERS.iter())
        .filter_map(|w| w.chars().next())
        .collect();
    letters.sort_unstable();
    letters.dedup();
    letters
});

static WORD_VALUES: LazyLock<HashMap<&'static str, u32>> = LazyLock::new(|| {
    let mut values = HashMap::new();
    for (digit, words) in DIGIT_WORDS {
        for word in *words {
            values.insert(*word, digit.parse().unwrap_or(0));
        }
    }
    for (word, value) in PAIR_WORDS {
        values.insert(*word, *value);
    }
    values
});

/// What one word of a run stands for.
enum Piece {
    /// Digits, and whether they were spelled or had letters for digits.
    Digits(String, Option<Obfuscation>),
    /// A tens word waiting for a joiner and a unit ("treinta" … "y" … "cuatro").
    Tens(u32),
    Repeat(usize),
    Joiner,
}

/// Digits in a run this many or more may be a phone number; more than this is not one.
const MIN_DIGITS: usize = 7;
const MAX_DIGITS: usize = 15;

/// Phone numbers in `text` written at least partly in words or with letters for digits.
#[cfg(test)]
pub(crate) fn find_in_text(text: &str, region: Region) -> Vec<(TextMatch, Obfuscation)> {
    find_in_text_at(text, &super::lexicon::find(text).numbers, region)
}

/// Phone numbers written in words, around the number-word hits of the shared word search.
pub(crate) fn find_in_text_at(
    text: &str,
    number_words: &[std::ops::Range<usize>],
    region: Region,
) -> Vec<(TextMatch, Obfuscation)> {
    // Reading every word of a page is costly and numbers in words are rare: only the
    // stretches around clusters of number words, or digits mixed with O/l/I, are read.
    let mut found = Vec::new();
    for window in candidate_windows(text, number_words) {
        let offset = window.start;
        found.extend(
            find_in_window(&text[window], region)
                .into_iter()
                .map(|(m, t)| {
                    let m = TextMatch {
                        start: m.start + offset,
                        end: m.end + offset,
                        value: m.value,
                    };
                    (m, t)
                }),
        );
    }
    found
}

/// The number words to search for, lowercase and capitalised; Latin words of two letters
/// (`do`, `un`, `ek`) hide inside too many other words to search for, and a spelled
/// number has longer ones too.
pub(crate) fn searched_words() -> impl Iterator<Item = String> {
    DIGIT_WORDS
        .iter()
        .flat_map(|(_, words)| words.iter().copied())
        .chain(PAIR_WORDS.iter().map(|(w, _)| *w))
        .chain(REPEATERS.iter().map(|(w, _)| *w))
        .filter(|w| !w.is_ascii() || w.len() >= 3)
        .flat_map(|word| {
            let mut chars = word.chars();
            let capitalised: String = chars
                .next()
                .map(|f| f.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            let mut forms = vec![word.to_owned()];
            if capitalised != word {
                forms.push(capitalised);
            }
            // Capitals, which the search folds only for ASCII letters (`ВОСЕМЬ`).
            let upper = word.to_uppercase();
            if !word.is_ascii() && !forms.contains(&upper) {
                forms.push(upper);
            }
            forms
        })
}

/// Searched number words that stand next to each other (only spaces, punctuation,
/// joiners, digits or two-letter number words between them) this many times may spell a
/// phone number.
const MIN_CLUSTER: usize = 2;

/// The stretches of `text` worth reading word by word.
fn candidate_windows(
    text: &str,
    number_words: &[std::ops::Range<usize>],
) -> Vec<std::ops::Range<usize>> {
    let mut windows: Vec<std::ops::Range<usize>> = Vec::new();
    let mut cluster: Option<(usize, usize, usize)> = None; // start, end, hits
    let close = |cluster: (usize, usize, usize), windows: &mut Vec<std::ops::Range<usize>>| {
        if cluster.2 >= MIN_CLUSTER {
            push_window(text, cluster.0, cluster.1, windows);
        }
    };
    for hit in number_words {
        let whole_word = !text[..hit.start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphabetic)
            && !text[hit.end..]
                .chars()
                .next()
                .is_some_and(char::is_alphabetic);
        if !whole_word {
            continue;
        }
        cluster = match cluster {
            Some((start, end, hits)) if only_glue(&text[end..hit.start]) => {
                Some((start, hit.end, hits + 1))
            }
            Some(previous) => {
                close(previous, &mut windows);
                Some((hit.start, hit.end, 1))
            }
            None => Some((hit.start, hit.end, 1)),
        };
    }
    if let Some(last) = cluster {
        close(last, &mut windows);
    }
    // Digits with letters for some of them: `9845O`, `6l2O7`.
    let bytes = text.as_bytes();
    for (i, pair) in bytes.windows(2).enumerate() {
        let letter = |b: u8| matches!(b, b'O' | b'o' | b'l' | b'I');
        if (pair[0].is_ascii_digit() && letter(pair[1]))
            || (letter(pair[0]) && pair[1].is_ascii_digit())
        {
            push_window(text, i, i + 2, &mut windows);
        }
    }
    windows.sort_by_key(|w| w.start);
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for window in windows {
        match merged.last_mut() {
            Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
            _ => merged.push(window),
        }
    }
    merged
}

/// What may stand between the words of one spelled number.
fn only_glue(between: &str) -> bool {
    between.len() <= 24
        && between.split_whitespace().all(|w| {
            let w = w.trim_matches([
                ',', ';', '.', '-', '–', '—', '·', '•', '➜', '→', '(', ')', ':',
            ]);
            w.is_empty()
                || JOINERS.iter().any(|j| j.eq_ignore_ascii_case(w))
                || w.bytes().all(|b| b.is_ascii_digit() || b == b'+')
                || (w.chars().count() <= 2 && WORD_VALUES.contains_key(w.to_lowercase().as_str()))
        })
}

/// A window around `start..end`, widened over neighbouring digits and separators (numbers
/// often mix words and digit groups) to whole words.
fn push_window(text: &str, start: usize, end: usize, windows: &mut Vec<std::ops::Range<usize>>) {
    const REACH: usize = 48;
    let is_number_char =
        |c: char| c.is_ascii_digit() || c.is_whitespace() || "+()-–—·•.,/OolI".contains(c);
    let mut from = start;
    for (i, c) in text[..start].char_indices().rev() {
        if start - i > REACH || !is_number_char(c) {
            break;
        }
        from = i;
    }
    // A spelled `+` (`плюс три восемь…`) belongs to the number after it.
    let before = text[..from].trim_end();
    if let Some(plus) = PLUS_WORDS.iter().find(|p| {
        before.len() >= p.len()
            && before.is_char_boundary(before.len() - p.len())
            && is_word(&before[before.len() - p.len()..], p)
    }) {
        from = before.len() - plus.len();
    }
    let mut to = end;
    for (i, c) in text[end..].char_indices() {
        if i > REACH || !(is_number_char(c) || c.is_alphabetic()) {
            break;
        }
        to = end + i + c.len_utf8();
    }
    windows.push(from..to);
}

fn find_in_window(text: &str, region: Region) -> Vec<(TextMatch, Obfuscation)> {
    let mut found = Vec::new();
    let mut run = Run::default();
    for (start, word) in words(text) {
        // A dash or dot between digit groups (`2 lima 7 0 – sembilan`, `tres uno cinco ·
        // cuatro`) is punctuation, not a word.
        if !word.is_empty()
            && word
                .chars()
                .all(|c| matches!(c, '-' | '–' | '—' | '·' | '•' | '|'))
        {
            continue;
        }
        match read(word) {
            Some(piece) => {
                run.push(start, start + word.len(), piece);
                // No phone number is longer; a run of number words that goes on is prose
                // or a list, and is closed so its cost stays linear.
                if run.digits.len() > 2 * MAX_DIGITS {
                    found.extend(run.finish(region));
                    run = Run::default();
                }
            }
            None => {
                found.extend(run.finish(region));
                run = Run::default();
            }
        }
    }
    found.extend(run.finish(region));
    found
}

/// Whitespace-separated words with their offsets, trailing punctuation trimmed.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_inclusive(char::is_whitespace)
        .scan(0usize, |offset, chunk| {
            let start = *offset;
            *offset += chunk.len();
            let word = chunk
                .trim_end()
                .trim_end_matches([',', ';', '.', '!', '?', ')', '、', '،']);
            let lead = word.len() - word.trim_start_matches('(').len();
            Some((start + lead, &word[lead..]))
        })
}

/// Words for `+` before a spelled-out international number.
const PLUS_WORDS: &[&str] = &["plus", "плюс", "más", "mais", "più", "प्लस", "بلس"];

/// Whether `written` is the lowercase `word` in any case, without allocating: this runs on
/// every word of a candidate window.
fn is_word(written: &str, word: &str) -> bool {
    written
        .chars()
        .flat_map(char::to_lowercase)
        .eq(word.chars())
}

fn read(word: &str) -> Option<Piece> {
    if word.is_empty() {
        return None;
    }
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.' | '/'))
    {
        let digits: String = word
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        return (!digits.is_empty()).then_some(Piece::Digits(digits, None));
    }
    if let Some(digits) = letters_for_digits(word) {
        return Some(Piece::Digits(digits, Some(Obfuscation::LettersForDigits)));
    }
    // The international `+` spelled out (`плюс три восемь один …`).
    if PLUS_WORDS.iter().any(|p| is_word(word, p)) {
        return Some(Piece::Digits(
            "+".to_owned(),
            Some(Obfuscation::SpelledDigits),
        ));
    }
    let first = word.chars().next()?;
    let first_lower = first.to_lowercase().next().unwrap_or(first);
    if word.len() > 40 || FIRST_LETTERS.binary_search(&first_lower).is_err() {
        return None;
    }
    let lower = word.to_lowercase();
    if let Some(&(_, times)) = REPEATERS.iter().find(|(w, _)| *w == lower) {
        return Some(Piece::Repeat(times));
    }
    if JOINERS.contains(&lower.as_str()) {
        return Some(Piece::Joiner);
    }
    if lower.contains('-') {
        let digits: Option<String> = lower
            .split('-')
            .map(|part| {
                WORD_VALUES
                    .get(part)
                    .filter(|v| **v < 10)
                    .map(u32::to_string)
            })
            .collect();
        if let Some(digits) = digits.filter(|d| d.len() >= 2) {
            return Some(Piece::Digits(digits, Some(Obfuscation::SpelledDigits)));
        }
    }
    if let Some(value) = compound_value(&lower) {
        return Some(match value {
            20..=90 if value % 10 == 0 && !lower.contains('-') => Piece::Tens(value),
            _ => Piece::Digits(two_or_one_digits(value), Some(Obfuscation::SpelledDigits)),
        });
    }
    None
}

fn two_or_one_digits(value: u32) -> String {
    if value < 10 {
        value.to_string()
    } else {
        format!("{value:02}")
    }
}

/// The value of a digit word or a (French, hyphenated) number word up to 99:
/// `trente-quatre` 34, `soixante-dix-huit` 78, `quatre-vingt-douze` 92, `vingt-et-un` 21.
fn compound_value(word: &str) -> Option<u32> {
    if let Some(&value) = WORD_VALUES.get(word) {
        return Some(value);
    }
    if !word.contains('-') {
        return None;
    }
    let parts: Vec<&str> = word.split('-').filter(|p| *p != "et").collect();
    // "four-one-five": digit words joined by hyphens are digits, not a sum.
    if parts.len() >= 2
        && parts
            .iter()
            .all(|p| WORD_VALUES.get(p).is_some_and(|v| *v < 10))
    {
        return None;
    }
    let mut total = 0;
    let mut index = 0;
    if parts.len() >= 2 && parts[0] == "quatre" && parts[1].starts_with("vingt") {
        total = 80;
        index = 2;
    }
    for part in &parts[index..] {
        let value = *WORD_VALUES.get(part)?;
        total += value;
    }
    (total < 100 && total > 0).then_some(total)
}

/// A word that is a number with letters for some digits (`77OO`, `9OO`, `l23`): at least
/// one real digit, and otherwise only `O`/`o` (0) and `l`/`I`/`|` (1).
fn letters_for_digits(word: &str) -> Option<String> {
    if !word.bytes().any(|b| b.is_ascii_digit()) || !word.is_ascii() {
        return None;
    }
    let has_digit = word.chars().any(|c| c.is_ascii_digit());
    let has_letter = word
        .chars()
        .any(|c| matches!(c, 'O' | 'o' | 'l' | 'I' | '|'));
    if !has_digit || !has_letter {
        return None;
    }
    word.chars()
        .filter(|c| !matches!(c, '-' | '.'))
        .map(|c| match c {
            '0'..='9' | '+' => Some(c),
            'O' | 'o' => Some('0'),
            'l' | 'I' | '|' => Some('1'),
            _ => None,
        })
        .collect()
}

/// Words read so far that may form one number.
#[derive(Default)]
struct Run {
    start: Option<usize>,
    end: usize,
    digits: String,
    technique: Option<Obfuscation>,
    repeat: usize,
    tens: Option<u32>,
    /// After each word: where it ends, how many digit characters the run had, and the
    /// technique seen so far, so a run that overshoots can end at an earlier word.
    word_ends: Vec<(usize, usize, Option<Obfuscation>)>,
}

impl Run {
    fn push(&mut self, start: usize, end: usize, piece: Piece) {
        if self.start.is_none() {
            if matches!(piece, Piece::Joiner) {
                return;
            }
            self.start = Some(start);
        }
        self.end = end;
        self.record_word_end_after(|run| run.apply(piece));
    }

    fn record_word_end_after(&mut self, apply: impl FnOnce(&mut Self)) {
        apply(self);
        if self.tens.is_none() && self.repeat == 0 {
            self.word_ends
                .push((self.end, self.digits.len(), self.technique));
        }
    }

    fn apply(&mut self, piece: Piece) {
        match piece {
            Piece::Repeat(times) => self.repeat = times,
            // A joiner only links a pair ("treinta y cuatro"); the pair is made by the unit.
            Piece::Joiner => {}
            Piece::Tens(value) => {
                self.flush_tens();
                self.tens = Some(value);
                self.technique.get_or_insert(Obfuscation::SpelledDigits);
            }
            Piece::Digits(digits, technique) => {
                if let Some(tens) = self.tens.take() {
                    // "treinta y cuatro", "vingt et un": one pair; otherwise the tens stand alone.
                    match digits.parse::<u32>() {
                        // "soixante et onze" 71, "quatre-vingt douze" 92: French counts on
                        // from sixty and eighty with the teens.
                        Ok(teen)
                            if (10..20).contains(&teen)
                                && matches!(tens, 60 | 80)
                                && technique.is_some() =>
                        {
                            self.digits.push_str(&(tens + teen).to_string());
                            return;
                        }
                        Ok(unit) if digits.len() == 1 && technique.is_some() && unit > 0 => {
                            self.digits.push_str(&(tens + unit).to_string());
                            return;
                        }
                        _ => self.digits.push_str(&tens.to_string()),
                    }
                }
                let times = std::mem::take(&mut self.repeat).max(1);
                for _ in 0..times {
                    self.digits.push_str(&digits);
                }
                if let Some(t) = technique {
                    self.technique.get_or_insert(t);
                }
            }
        }
    }

    fn flush_tens(&mut self) {
        if let Some(tens) = self.tens.take() {
            self.digits.push_str(&tens.to_string());
        }
    }

    /// The run as a phone number, if it was (partly) written in words and validates; a run
    /// that runs on into other numbers ("… 6l2O7 (10 am …") ends at the last word that
    /// still makes a valid number.
    fn finish(mut self, region: Region) -> Option<(TextMatch, Obfuscation)> {
        if self.tens.is_some() {
            self.flush_tens();
            self.word_ends
                .push((self.end, self.digits.len(), self.technique));
        }
        let start = self.start?;
        for &(end, length, technique) in self.word_ends.iter().rev() {
            let digits = &self.digits[..length];
            let count = digits.bytes().filter(u8::is_ascii_digit).count();
            if count < MIN_DIGITS {
                break;
            }
            let (Some(technique), true) = (technique, count <= MAX_DIGITS) else {
                continue;
            };
            if let Some(value) = phone::parse_one(digits, region) {
                return Some((TextMatch { start, end, value }, technique));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str, region: &str) -> Vec<(String, String, Obfuscation)> {
        let region: Region = region.parse().unwrap();
        find_in_text(text, region)
            .into_iter()
            .map(|(m, t)| (text[m.start..m.end].to_owned(), m.value, t))
            .collect()
    }

    #[test]
    fn spelled_digits_in_many_languages() {
        use Obfuscation::SpelledDigits as S;
        let cases: &[(&str, &str, &str)] = &[
            (
                "call four one five, five five five, zero one three two today",
                "US",
                "+14155550132",
            ),
            (
                "four one five double five five oh one three two",
                "US",
                "+14155550132",
            ),
            (
                "WhatsApp: seis uno dos, cuatro ocho nueve, tres cero siete",
                "ES",
                "+34612489307",
            ),
            (
                "zap: onze nove sete quatro três um dois oito cinco meia",
                "BR",
                "+5511974312856",
            ),
            (
                "zéro six, douze, trente-quatre, cinquante-six, soixante-dix-huit",
                "FR",
                "+33612345678",
            ),
            (
                "тел: восемь девять один шесть четыре восемь два три семь один пять",
                "RU",
                "+79164823715",
            ),
            (
                "nol delapan satu dua empat tujuh satu delapan dua sembilan lima enam",
                "ID",
                "+6281247182956",
            ),
            (
                "kosong delapan satu tiga – 2 lima 7 0 – sembilan 4 6 satu",
                "ID",
                "+6281325709461",
            ),
            (
                "WhatsApp: tres uno cinco · cuatro ocho dos · siete seis cero tres",
                "CO",
                "+573154827603",
            ),
            (
                "ватсап: плюс три восемь один — шесть четыре — два три восемь — пять один семь девять",
                "RU",
                "+381642385179",
            ),
            ("98450 एक दो तीन छह सात", "IN", "+919845012367"),
            (
                "four-one-five five-five-five zero-one-three-two",
                "US",
                "+14155550132",
            ),
            (
                "zéro six, soixante et onze, douze, trente-quatre, cinquante-six",
                "FR",
                "+33671123456",
            ),
            (
                "ВОСЕМЬ ДЕВЯТЬ ОДИН ШЕСТЬ ЧЕТЫРЕ ВОСЕМЬ ДВА ТРИ СЕМЬ ОДИН ПЯТЬ",
                "RU",
                "+79164823715",
            ),
        ];
        for (text, region, value) in cases {
            let result = found(text, region);
            assert_eq!(result.len(), 1, "{text}: {result:?}");
            assert_eq!((result[0].1.as_str(), result[0].2), (*value, S), "{text}");
        }
    }

    #[test]
    fn letters_for_digits_inside_a_number() {
        let result = found("mob: +44 79l1 l23456 (10 to 18)", "GB");
        assert_eq!(result.len(), 1, "{result:?}");
        assert_eq!(
            (result[0].1.as_str(), result[0].2),
            ("+447911123456", Obfuscation::LettersForDigits)
        );
    }

    #[test]
    fn prose_with_number_words_is_not_a_phone() {
        for text in [
            "one of the two best studios, three years in a row",
            "I have one dog, two cats and three fish",
            "Tengo dos perros y tres gatos desde hace cinco años",
            "Plain digits 415 555 0132 are the matcher's job",
        ] {
            assert!(found(text, "US").is_empty(), "{text}");
        }
    }
}
