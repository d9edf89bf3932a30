//! Strings that inline scripts build at run time, read without running them: literals
//! joined with `+`, `String.fromCharCode(…)`, `atob('…')`, `unescape('%…')`,
//! `decodeURIComponent('%…')` and `'…'.split('').reverse().join('')`, in any combination.
//! This is how pages assemble an address so that harvesters reading the source miss it.

use base64::Engine;

/// Scripts longer than this are site-builder bundles and state blobs, not hand-written
/// obfuscation; they are read for plain strings only.
const MAX_SCRIPT_BYTES: usize = 256 * 1024;

/// How deeply calls and brackets may nest in an expression that is read: obfuscation
/// nests a few levels; a script of 100,000 `(` must neither overflow the stack nor take
/// quadratic time.
const MAX_NESTING: usize = 16;

/// Calls and chains that mark a script as one that builds strings.
const BUILDERS: &[&str] = &[
    "fromCharCode",
    "atob(",
    "reverse()",
    "unescape(",
    "decodeURIComponent(",
    "'+'",
    "' + '",
    "\"+\"",
    "\" + \"",
];

/// A string a script builds, with where its expression starts in the script.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Built {
    pub(crate) value: String,
    pub(crate) offset: usize,
}

/// Every string the script builds by an operation (a lone literal is plain text, read
/// elsewhere).
pub(crate) fn built_strings(script: &str) -> Vec<Built> {
    if script.len() > MAX_SCRIPT_BYTES || !BUILDERS.iter().any(|b| script.contains(b)) {
        return Vec::new();
    }
    let tokens = tokenize(script);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let Some((value, next, operated)) = expression(&tokens, i, 0)
            && operated
            && !value.is_empty()
        {
            out.push(Built {
                value,
                offset: tokens[i].offset,
            });
            i = next.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Str(String),
    Number(u32),
    Ident(String),
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    offset: usize,
}

/// A rough JavaScript tokenizer: enough to find string literals, numbers, names and
/// punctuation; comments are skipped. Linear in the script.
fn tokenize(script: &str) -> Vec<Token> {
    let bytes = script.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = script[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |e| i + 2 + e + 2);
            }
            b'\'' | b'"' | b'`' => {
                let (value, end) = string_literal(script, i);
                tokens.push(Token {
                    kind: Kind::Str(value),
                    offset: i,
                });
                i = end;
            }
            b'0'..=b'9' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                let text = &script[start..i];
                let number = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => text.parse().ok(),
                };
                // A number too large for a character still stands in its place (and fails there).
                tokens.push(Token {
                    kind: Kind::Number(number.unwrap_or(u32::MAX)),
                    offset: start,
                });
            }
            _ if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                tokens.push(Token {
                    kind: Kind::Ident(script[start..i].to_owned()),
                    offset: start,
                });
            }
            _ if b.is_ascii() => {
                tokens.push(Token {
                    kind: Kind::Punct(b as char),
                    offset: i,
                });
                i += 1;
            }
            _ => {
                // Non-ASCII outside a string: skip the whole character.
                i += script[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    tokens
}

/// A string literal starting at `start` (its quote), unescaped, and where it ends.
fn string_literal(script: &str, start: usize) -> (String, usize) {
    let quote = script.as_bytes()[start] as char;
    let mut value = String::new();
    let mut chars = script[start + 1..].char_indices();
    while let Some((offset, c)) = chars.next() {
        match c {
            _ if c == quote => return (value, start + 1 + offset + 1),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, 'x')) => {
                    let hex: String = chars.by_ref().take(2).map(|(_, c)| c).collect();
                    value.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                Some((_, 'u')) => {
                    let hex: String = chars.by_ref().take(4).map(|(_, c)| c).collect();
                    value.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                }
                Some((_, other)) => value.push(other),
                None => break,
            },
            '\n' if quote != '`' => return (value, start + 1 + offset),
            _ => value.push(c),
        }
    }
    (value, script.len())
}

/// Evaluates a string expression starting at token `i`: terms joined by `+`. Returns the
/// value, the token after it, and whether any operation (not just a literal) was involved.
fn expression(tokens: &[Token], i: usize, depth: usize) -> Option<(String, usize, bool)> {
    if depth > MAX_NESTING {
        return None;
    }
    let (mut value, mut next, mut operated) = term(tokens, i, depth)?;
    while matches!(tokens.get(next).map(|t| &t.kind), Some(Kind::Punct('+'))) {
        let Some((more, after, more_operated)) = term(tokens, next + 1, depth) else {
            break;
        };
        value.push_str(&more);
        next = after;
        operated = true;
        operated |= more_operated;
    }
    Some((value, next, operated))
}

/// One term: a literal (with `.split('').reverse().join('')`), a decoding call, or a
/// parenthesised expression.
fn term(tokens: &[Token], i: usize, depth: usize) -> Option<(String, usize, bool)> {
    let token = tokens.get(i)?;
    let (mut value, mut next, mut operated) = match &token.kind {
        Kind::Str(s) => (s.clone(), i + 1, false),
        Kind::Punct('(') => {
            let (value, after, operated) = expression(tokens, i + 1, depth + 1)?;
            matches!(tokens.get(after)?.kind, Kind::Punct(')')).then_some((
                value,
                after + 1,
                operated,
            ))?
        }
        Kind::Ident(name) => call(tokens, i, name, depth)?,
        _ => return None,
    };
    // `.split('').reverse().join('')`
    if is_reverse_chain(tokens, next) {
        value = value.chars().rev().collect();
        next += REVERSE_CHAIN_LEN;
        operated = true;
    }
    Some((value, next, operated))
}

/// `String.fromCharCode(…)`, `atob(…)`, `unescape(…)`, `decodeURIComponent(…)`.
fn call(tokens: &[Token], i: usize, name: &str, depth: usize) -> Option<(String, usize, bool)> {
    let is = |at: usize, kind: &Kind| tokens.get(at).is_some_and(|t| &t.kind == kind);
    if name == "String"
        && is(i + 1, &Kind::Punct('.'))
        && is(i + 2, &Kind::Ident("fromCharCode".into()))
        && is(i + 3, &Kind::Punct('('))
    {
        let mut value = String::new();
        let mut at = i + 4;
        loop {
            match &tokens.get(at)?.kind {
                Kind::Number(n) => value.push(char::from_u32(*n)?),
                Kind::Punct(',') => {}
                Kind::Punct(')') => return Some((value, at + 1, true)),
                _ => return None,
            }
            at += 1;
        }
    }
    if !matches!(
        name,
        "atob" | "unescape" | "decodeURIComponent" | "decodeURI"
    ) || !is(i + 1, &Kind::Punct('('))
    {
        return None;
    }
    let (argument, after, _) = expression(tokens, i + 2, depth + 1)?;
    if !is(after, &Kind::Punct(')')) {
        return None;
    }
    let value = match name {
        "atob" => decode_base64(&argument)?,
        _ => percent_encoding::percent_decode_str(&argument)
            .decode_utf8()
            .ok()?
            .into_owned(),
    };
    Some((value, after + 1, true))
}

const REVERSE_CHAIN_LEN: usize = 14;

fn is_reverse_chain(tokens: &[Token], at: usize) -> bool {
    let expected = [
        Kind::Punct('.'),
        Kind::Ident("split".into()),
        Kind::Punct('('),
        Kind::Str(String::new()),
        Kind::Punct(')'),
        Kind::Punct('.'),
        Kind::Ident("reverse".into()),
        Kind::Punct('('),
        Kind::Punct(')'),
        Kind::Punct('.'),
        Kind::Ident("join".into()),
        Kind::Punct('('),
        Kind::Str(String::new()),
        Kind::Punct(')'),
    ];
    tokens.len() >= at + expected.len()
        && tokens[at..at + expected.len()]
            .iter()
            .zip(&expected)
            .all(|(t, e)| &t.kind == e)
}

/// Base64 (standard or URL-safe, padded or not) that decodes to text.
pub(crate) fn decode_base64(encoded: &str) -> Option<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    let encoded = encoded.trim();
    let bytes = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(encoded).ok())?;
    let text = String::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || c.is_whitespace())
        .then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(script: &str) -> Vec<String> {
        built_strings(script).into_iter().map(|b| b.value).collect()
    }

    #[test]
    fn literals_joined_with_plus() {
        assert_eq!(
            values("var a = 'jane' + '@' + \"studio\" + '.io';"),
            ["jane@studio.io"]
        );
        assert_eq!(
            values("document.write('<a href=\"mailto:' + 'jane' + '&#64;' + 'x.io\">')"),
            ["<a href=\"mailto:jane&#64;x.io\">"]
        );
    }

    #[test]
    fn decoding_calls_and_reversal() {
        assert_eq!(
            values("x = String.fromCharCode(106, 0x61, 110, 101)"),
            ["jane"]
        );
        assert_eq!(
            values("m = atob('amFuZUBzdHVkaW8uaW8=')"),
            ["jane@studio.io"]
        );
        assert_eq!(
            values("m = 'oi.oiduts@enaj'.split('').reverse().join('')"),
            ["jane@studio.io"]
        );
        assert_eq!(
            values("m = unescape('%6A%61ne') + '@studio.io'"),
            ["jane@studio.io"]
        );
        assert_eq!(
            values("m = atob('d2EubWUv' + 'MTQxNTU1NTAxMzI=')"),
            ["wa.me/14155550132"]
        );
    }

    #[test]
    fn deeply_nested_brackets_are_bounded() {
        let script = format!("atob({}'amFuZQ=='", "(".repeat(200_000));
        assert!(values(&script).is_empty());
        assert_eq!(values("x = (((('ja' + 'ne'))))"), ["jane"]);
    }

    #[test]
    fn lone_literals_and_broken_scripts_build_nothing() {
        assert!(values("var a = 'jane@studio.io'; // 'x' + 'y'").is_empty());
        assert!(values("var x = atob('%%%');").is_empty());
        assert!(values("String.fromCharCode(99999999999)").is_empty());
        assert!(values("'unterminated + '").is_empty());
    }
}
