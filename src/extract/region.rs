//! The country a page's national phone numbers belong to: given by the user, or read from
//! hints on the page, else the United States.

use std::str::FromStr;

use url::Url;

/// An ISO 3166-1 alpha-2 region that libphonenumber has metadata for (`GB`, `BR`…).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region(rlibphonenumber::Region);

/// A region code libphonenumber does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown region code {0:?}: expected a two-letter country code such as US, GB or BR")]
pub struct RegionError(String);

impl FromStr for Region {
    type Err = RegionError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        let upper = code.trim().to_ascii_uppercase();
        // `from_code` also accepts the non-geographic "001"; a page region is a country.
        if upper.len() != 2 {
            return Err(RegionError(code.to_owned()));
        }
        rlibphonenumber::Region::from_code(&upper)
            .ok()
            .filter(|r| {
                rlibphonenumber::PHONE_NUMBER_UTIL
                    .get_country_code_for_region(*r)
                    .is_some()
            })
            .map(Region)
            .ok_or_else(|| RegionError(code.to_owned()))
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0.as_region_str())
    }
}

impl Default for Region {
    fn default() -> Self {
        Region(rlibphonenumber::Region::US)
    }
}

/// Country-code top-level domains that sites use as generic names (`.io`, `.co`, `.me`),
/// which say nothing about where the owner's phone is.
const GENERIC_CCTLDS: &[&str] = &[
    "ac", "ai", "am", "cc", "co", "fm", "gg", "io", "is", "la", "ly", "me", "nu", "sh", "so", "tv",
    "to", "vc", "ws",
];

/// Languages spoken mainly in one country, so a bare `lang="de"` can stand for it.
/// Languages of many countries (en, es, pt, ar, fr…) say nothing about the region alone.
const LANGUAGE_HOME: &[(&str, &str)] = &[
    ("bg", "BG"),
    ("cs", "CZ"),
    ("da", "DK"),
    ("de", "DE"),
    ("el", "GR"),
    ("et", "EE"),
    ("fa", "IR"),
    ("fi", "FI"),
    ("he", "IL"),
    ("hi", "IN"),
    ("hu", "HU"),
    ("id", "ID"),
    ("it", "IT"),
    ("ja", "JP"),
    ("ko", "KR"),
    ("lt", "LT"),
    ("lv", "LV"),
    ("nb", "NO"),
    ("nl", "NL"),
    ("pl", "PL"),
    ("ro", "RO"),
    ("ru", "RU"),
    ("sk", "SK"),
    ("sl", "SI"),
    ("sv", "SE"),
    ("th", "TH"),
    ("tr", "TR"),
    ("uk", "UA"),
    ("vi", "VN"),
    ("zh", "CN"),
];

impl Region {
    pub(crate) fn code(self) -> rlibphonenumber::Region {
        self.0
    }

    /// Reads the region from the page, most specific hint first: the region subtag of
    /// `<html lang>` (`pt-BR`), the URL's country TLD (`.de`, `.co.uk`), the JSON-LD
    /// `addressCountry`, then a language spoken mainly in one country (`lang="ja"`);
    /// the United States when nothing says otherwise.
    pub(crate) fn from_page_hints(
        lang: Option<&str>,
        url: &Url,
        address_country: Option<&str>,
    ) -> Region {
        let lang = lang.map(str::trim).unwrap_or("");
        let mut subtags = lang.split(['-', '_']);
        let language = subtags.next().unwrap_or("").to_ascii_lowercase();
        let lang_region =
            subtags.find(|t| t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        lang_region
            .and_then(|r| r.parse().ok())
            .or_else(|| country_of_host(url))
            .or_else(|| address_country.and_then(country_from_address))
            .or_else(|| {
                LANGUAGE_HOME
                    .iter()
                    .find(|(l, _)| *l == language)
                    .and_then(|(_, r)| r.parse().ok())
            })
            .unwrap_or_default()
    }
}

fn country_of_host(url: &Url) -> Option<Region> {
    let host = url.host_str()?;
    let tld = host
        .trim_end_matches('.')
        .rsplit('.')
        .next()?
        .to_ascii_lowercase();
    if tld.len() != 2 || GENERIC_CCTLDS.contains(&tld.as_str()) {
        return None;
    }
    match tld.as_str() {
        "uk" => "GB".parse().ok(),
        "eu" => None,
        _ => tld.parse().ok(),
    }
}

/// `addressCountry` is a code (`"DE"`) or, against the schema's advice, a name; only codes
/// are read.
fn country_from_address(country: &str) -> Option<Region> {
    let country = country.trim();
    if country.len() == 2 {
        country.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(lang: Option<&str>, url: &str, country: Option<&str>) -> String {
        Region::from_page_hints(lang, &Url::parse(url).unwrap(), country).to_string()
    }

    #[test]
    fn most_specific_hint_wins() {
        assert_eq!(hint(Some("pt-BR"), "https://ana.dev/", None), "BR");
        assert_eq!(hint(Some("en"), "https://studio.co.uk/", None), "GB");
        assert_eq!(hint(Some("de"), "https://studio.at/", None), "AT");
        assert_eq!(hint(Some("en"), "https://studio.io/", Some("DE")), "DE");
        assert_eq!(hint(Some("ja"), "https://studio.com/", None), "JP");
        assert_eq!(hint(Some("es"), "https://studio.com/", None), "US");
        assert_eq!(hint(None, "file:///tmp/page.html", None), "US");
    }

    #[test]
    fn region_codes_parse_case_insensitively() {
        assert_eq!("gb".parse::<Region>().unwrap().to_string(), "GB");
        assert!("XX".parse::<Region>().is_err());
        assert!("001".parse::<Region>().is_err());
    }
}
