//! Booking links: scheduling pages (Calendly, Cal.com, Acuity, HubSpot meetings, Zcal,
//! SavvyCal, TidyCal, Google Calendar appointment pages) where a visitor books a call.

use url::Url;

use super::ContactKind;
use super::link::{Channel, host_is, site_host};

/// Hosts of scheduling services, for finding bare links in text.
pub(crate) const HOSTS: &[&str] = &[
    "calendly.com",
    "cal.com",
    "as.me",
    "acuityscheduling.com",
    "meetings.hubspot.com",
    "meetings-eu1.hubspot.com",
    "zcal.co",
    "savvycal.com",
    "tidycal.com",
    "calendar.app.google",
    "calendar.google.com",
];

/// First path segments that are the service's own pages, not someone's booking page.
const SERVICE_PAGES: &[&str] = &[
    "",
    "pricing",
    "login",
    "signup",
    "about",
    "blog",
    "features",
    "integrations",
    "help",
    "support",
    "terms",
    "privacy",
    "docs",
    "assets",
    "static",
    "embed.js",
    "app",
    "api",
    "enterprise",
    "resources",
    "careers",
    "legal",
];

/// The booking page a URL opens: the URL without query or fragment, host lowercased.
pub(crate) fn from_url(url: &Url) -> Option<Channel> {
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    let host = site_host(url)?;
    let host = host.as_str();
    let path = url.path().trim_end_matches('/');
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let is_booking = match host {
        "calendly.com" | "cal.com" | "zcal.co" | "savvycal.com" | "tidycal.com" => {
            !SERVICE_PAGES.contains(&first.to_ascii_lowercase().as_str())
        }
        "meetings.hubspot.com" | "meetings-eu1.hubspot.com" => !first.is_empty(),
        "app.acuityscheduling.com" => path == "/schedule.php",
        "calendar.app.google" => !first.is_empty(),
        // Signed-in links carry the account index: `/calendar/u/0/appointments/schedules/…`.
        "calendar.google.com" => path.contains("/appointments/schedules/"),
        // `<name>.as.me` is Acuity's short domain for one business's scheduler.
        h if host_is(h, "as.me") => h != "as.me",
        _ => false,
    };
    if !is_booking {
        return None;
    }
    Some(Channel::new(
        ContactKind::Booking,
        format!("https://{host}{path}"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(url: &str) -> Option<String> {
        from_url(&Url::parse(url).unwrap()).map(|c| c.value)
    }

    #[test]
    fn booking_pages_lose_query_and_fragment() {
        assert_eq!(
            value("https://Calendly.com/jane-doe/30min?month=2025-03#x").as_deref(),
            Some("https://calendly.com/jane-doe/30min")
        );
        assert_eq!(
            value("https://cal.com/jane/").as_deref(),
            Some("https://cal.com/jane")
        );
        assert_eq!(
            value("https://janedoe.as.me/?appointmentType=1").as_deref(),
            Some("https://janedoe.as.me")
        );
        assert_eq!(
            value("https://meetings.hubspot.com/jane").as_deref(),
            Some("https://meetings.hubspot.com/jane")
        );
        assert_eq!(
            value("https://calendar.google.com/calendar/appointments/schedules/AcZssZ1?gv=true")
                .as_deref(),
            Some("https://calendar.google.com/calendar/appointments/schedules/AcZssZ1")
        );
        assert_eq!(
            value("https://calendar.google.com/calendar/u/0/appointments/schedules/AcZssZ1")
                .as_deref(),
            Some("https://calendar.google.com/calendar/u/0/appointments/schedules/AcZssZ1")
        );
    }

    #[test]
    fn service_pages_are_not_booking_links() {
        assert_eq!(value("https://calendly.com/pricing"), None);
        assert_eq!(
            value("https://assets.calendly.com/assets/external/widget.js"),
            None
        );
        assert_eq!(value("https://calendar.google.com/calendar/r"), None);
    }
}
