//! Contact forms: a `<form>` that takes a message and a reply address. Search, login,
//! comment and newsletter forms are not contact channels.

use url::Url;

use super::document::FormInfo;

/// The absolute URL a contact form posts to (the page itself when it has no action), or
/// `None` when the form is not a contact form.
pub(crate) fn contact_form_target(form: &FormInfo, base: &Url) -> Option<String> {
    if !form.has_message_field || !form.has_reply_field || form.has_password_field {
        return None;
    }
    let action = form.action.map(str::trim).unwrap_or("");
    let target = if action.is_empty() || action.starts_with("javascript:") {
        base.clone()
    } else {
        base.join(action).ok()?
    };
    Some(target.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(action: Option<&str>, message: bool, reply: bool) -> FormInfo<'_> {
        FormInfo {
            action,
            has_message_field: message,
            has_reply_field: reply,
            ..FormInfo::default()
        }
    }

    #[test]
    fn relative_and_missing_actions_resolve_against_the_page() {
        let base = Url::parse("https://studio.io/contact/").unwrap();
        assert_eq!(
            contact_form_target(&form(Some("/api/send"), true, true), &base).as_deref(),
            Some("https://studio.io/api/send")
        );
        assert_eq!(
            contact_form_target(&form(None, true, true), &base).as_deref(),
            Some("https://studio.io/contact/")
        );
    }

    #[test]
    fn forms_without_message_or_reply_are_not_contact_forms() {
        let base = Url::parse("https://studio.io/").unwrap();
        assert_eq!(
            contact_form_target(&form(Some("/subscribe"), false, true), &base),
            None
        );
        assert_eq!(
            contact_form_target(&form(Some("/comment"), true, false), &base),
            None
        );
    }
}
