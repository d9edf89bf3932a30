//! The verdict on a page, from what extraction found on it.
//!
//! Interim rules until the rule engine lands (docs/rules.md): `solicitation` when the
//! page's own URL is a channel (policy SOL001), `showcase_with_contact` when any channel
//! other than a social profile is on the page, `no_contact` otherwise.

use serde::{Deserialize, Serialize};

use crate::extract::{Contact, Source};

/// The three labels of the policy (`shared/docs/policy.md` §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No way to reach the freelancer directly (social profiles do not count).
    NoContact,
    /// Shows work and also gives contact details: allowed.
    ShowcaseWithContact,
    /// Used to communicate or deal off-platform: flagged.
    Solicitation,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::NoContact => "no_contact",
            Verdict::ShowcaseWithContact => "showcase_with_contact",
            Verdict::Solicitation => "solicitation",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule that fired, with what made it fire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Stable rule id (`SOL001`), as in the policy and `docs/rules.md`.
    pub rule: &'static str,
    pub evidence: String,
}

/// The verdict on a page and the signals behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    pub verdict: Verdict,
    pub signals: Vec<Signal>,
}

/// Rule id for "the linked URL is itself a channel" (policy §3b).
const LINK_IS_CHANNEL: &str = "SOL001";

/// Judges a page from its contacts.
pub fn assess(contacts: &[Contact]) -> Assessment {
    let signals: Vec<Signal> = contacts
        .iter()
        .filter(|c| c.kind.is_channel() && c.places().iter().any(|p| p.source == Source::PageUrl))
        .map(|c| Signal {
            rule: LINK_IS_CHANNEL,
            evidence: format!("the page's own URL is a {} channel: {}", c.kind, c.value),
        })
        .collect();
    let verdict = if !signals.is_empty() {
        Verdict::Solicitation
    } else if contacts.iter().any(|c| c.kind.is_channel()) {
        Verdict::ShowcaseWithContact
    } else {
        Verdict::NoContact
    };
    Assessment { verdict, signals }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{ContactKind, Place};

    fn contact(kind: ContactKind, source: Source) -> Contact {
        Contact {
            kind,
            value: "v".to_owned(),
            places: vec![Place::new("r".to_owned(), source, 0, String::new())],
        }
    }

    #[test]
    fn social_alone_is_no_contact() {
        let a = assess(&[contact(ContactKind::Social, Source::Href)]);
        assert_eq!(a.verdict, Verdict::NoContact);
        assert!(a.signals.is_empty());
    }

    #[test]
    fn a_channel_on_the_page_is_showcase_with_contact() {
        let a = assess(&[
            contact(ContactKind::Social, Source::Href),
            contact(ContactKind::Email, Source::Text),
        ]);
        assert_eq!(a.verdict, Verdict::ShowcaseWithContact);
    }

    #[test]
    fn a_page_url_that_is_a_channel_is_solicitation() {
        let a = assess(&[contact(ContactKind::Whatsapp, Source::PageUrl)]);
        assert_eq!(a.verdict, Verdict::Solicitation);
        assert_eq!(a.signals[0].rule, "SOL001");
    }

    #[test]
    fn a_page_url_that_is_a_social_profile_is_not_solicitation() {
        let a = assess(&[contact(ContactKind::Social, Source::PageUrl)]);
        assert_eq!(a.verdict, Verdict::NoContact);
    }
}
