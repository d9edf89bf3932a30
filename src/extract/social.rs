//! Social profiles (LinkedIn, X, Facebook, Instagram, GitHub, Behance, Dribbble, YouTube,
//! TikTok, Pinterest, Vimeo, ArtStation): recorded as canonical profile URLs, never a
//! channel on their own.

use url::Url;

use super::ContactKind;
use super::link::{Channel, host_is, site_host};

/// Hosts of the social and showcase networks recognised, for bare links in text.
pub(crate) const HOSTS: &[&str] = &[
    "linkedin.com",
    "x.com",
    "twitter.com",
    "facebook.com",
    "fb.com",
    "instagram.com",
    "github.com",
    "behance.net",
    "dribbble.com",
    "youtube.com",
    "tiktok.com",
    "pinterest.com",
    "vimeo.com",
    "artstation.com",
];

/// First path segments that are a network's own pages, share buttons or content rather
/// than a person's profile.
const NOT_PROFILES: &[&str] = &[
    "about",
    "explore",
    "features",
    "gallery",
    "help",
    "home",
    "intent",
    "legal",
    "login",
    "marketplace",
    "messages",
    "notifications",
    "orgs",
    "p",
    "pages",
    "pin",
    "policies",
    "privacy",
    "reel",
    "reels",
    "search",
    "settings",
    "share",
    "share.php",
    "sharer",
    "sharer.php",
    "shots",
    "signup",
    "sponsors",
    "stories",
    "terms",
    "topics",
    "tr",
    "watch",
    "embed",
    "dialog",
    "plugins",
    "hashtag",
    "i",
    "home.php",
    "video",
    "videos",
    "channels",
    "categories",
    "ondemand",
    "blog",
    "jobs",
    "artwork",
    "marketplace",
    "learning",
    "pulse",
    "feed",
    "school",
    "showcase",
    "groups",
    "events",
    "assets",
    "images",
    "static",
    "shorts",
    "results",
    "playlist",
    "features",
    "collections",
    "login.php",
    "oauth",
    "apps",
    // The networks' own footer pages (a saved GitHub profile links a dozen of them).
    "security",
    "pricing",
    "enterprise",
    "team",
    "trending",
    "topics",
    "customer-stories",
    "readme",
    "terms",
    "careers",
    "site",
    "resources",
    "solutions",
    "galleries",
    "signin",
    "sign-in",
    "join",
    "hire",
    "joblist",
    "jobs",
    "moodboards",
    "blog",
];

/// The canonical profile URL a link points to, if it is a profile link.
pub(crate) fn from_url(url: &Url) -> Option<Channel> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = site_host(url)?;
    // Country subdomains (`fr.linkedin.com`) serve the same profiles.
    let host = if host_is(&host, "linkedin.com") {
        "linkedin.com"
    } else {
        host.as_str()
    };
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    let first = segments.first()?.to_ascii_lowercase();
    if NOT_PROFILES.contains(&first.as_str()) {
        return None;
    }
    let profile =
        |base: &str, handle: &str| Some(format!("{base}/{}", handle.to_ascii_lowercase()));
    // Profiles are one path segment; deeper paths are repositories, shots and posts.
    let single = segments.len() == 1;
    let value = match host {
        "linkedin.com" | "uk.linkedin.com" | "de.linkedin.com" | "br.linkedin.com" => {
            match (first.as_str(), segments.get(1)) {
                ("in" | "company", Some(handle)) => {
                    profile(&format!("https://www.linkedin.com/{first}"), handle)
                }
                _ => None,
            }
        }
        "x.com" | "twitter.com" if single => profile("https://x.com", &first),
        "facebook.com" | "fb.com" if first == "profile.php" => url
            .query_pairs()
            .find(|(k, _)| k == "id")
            .filter(|(_, id)| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
            .map(|(_, id)| format!("https://www.facebook.com/profile.php?id={id}")),
        "facebook.com" | "fb.com" if single && first != "profile.php" => {
            profile("https://www.facebook.com", &first)
        }
        "instagram.com" if single => profile("https://www.instagram.com", &first),
        "github.com" if single => profile("https://github.com", &first),
        "behance.net" if single => profile("https://www.behance.net", &first),
        "dribbble.com" if single => profile("https://dribbble.com", &first),
        "youtube.com" => match (first.as_str(), segments.get(1)) {
            // `/@handle/videos` and other tabs are the same channel.
            (handle, _) if handle.starts_with('@') => profile("https://www.youtube.com", handle),
            ("channel" | "c" | "user", Some(name)) => {
                Some(format!("https://www.youtube.com/{first}/{name}"))
            }
            _ => None,
        },
        "tiktok.com" if single && first.starts_with('@') => {
            profile("https://www.tiktok.com", &first)
        }
        "pinterest.com" if single => profile("https://www.pinterest.com", &first),
        "vimeo.com" if single && !first.chars().all(|c| c.is_ascii_digit()) => {
            profile("https://vimeo.com", &first)
        }
        "artstation.com" if single => profile("https://www.artstation.com", &first),
        _ => None,
    }?;
    Some(Channel::new(ContactKind::Social, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(url: &str) -> Option<String> {
        from_url(&Url::parse(url).unwrap()).map(|c| c.value)
    }

    #[test]
    fn profiles_are_canonical() {
        assert_eq!(
            value("https://twitter.com/JaneDoe?lang=en").as_deref(),
            Some("https://x.com/janedoe")
        );
        assert_eq!(
            value("https://linkedin.com/in/Jane-Doe/").as_deref(),
            Some("https://www.linkedin.com/in/jane-doe")
        );
        assert_eq!(
            value("https://www.youtube.com/@JaneMakes").as_deref(),
            Some("https://www.youtube.com/@janemakes")
        );
        assert_eq!(
            value("https://instagram.com/jane.studio/").as_deref(),
            Some("https://www.instagram.com/jane.studio")
        );
    }

    #[test]
    fn country_subdomains_tabs_and_numeric_profiles() {
        assert_eq!(
            value("https://fr.linkedin.com/in/Jane").as_deref(),
            Some("https://www.linkedin.com/in/jane")
        );
        assert_eq!(
            value("https://www.youtube.com/@JaneMakes/videos").as_deref(),
            Some("https://www.youtube.com/@janemakes")
        );
        assert_eq!(
            value("https://m.facebook.com/profile.php?id=1000123&ref=x").as_deref(),
            Some("https://www.facebook.com/profile.php?id=1000123")
        );
    }

    #[test]
    fn content_and_share_links_are_not_profiles() {
        for url in [
            "https://github.com/jane/site",
            "https://www.behance.net/gallery/123456/Brand",
            "https://twitter.com/intent/tweet?text=hi",
            "https://www.facebook.com/sharer/sharer.php?u=x",
            "https://dribbble.com/shots/123-Logo",
            "https://vimeo.com/123456789",
            "https://www.linkedin.com/shareArticle?mini=true",
        ] {
            assert_eq!(value(url), None, "{url}");
        }
    }
}
