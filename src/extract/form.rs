//! Contact forms: a `<form>` that takes a message and a reply address. Search, login,
//! comment and newsletter forms are not contact channels.

use url::Url;

use super::document::{FormField, FormInfo};
use super::link::{Channel, channels_of};
use super::{ContactKind, Region};

/// Words in a field's name that ask for a message.
const MESSAGE_WORDS: &[&str] = &[
    "message",
    "msg",
    "enquiry",
    "inquiry",
    "details",
    "brief",
    "body",
    "question",
    "mensaje",
    "mensagem",
    "nachricht",
    "messaggio",
    "сообщение",
    "повідомлення",
    "pesan",
];

/// Words in a field's name that ask for a way to reply.
const REPLY_WORDS: &[&str] = &[
    "email",
    "e-mail",
    "mail",
    "phone",
    "tel",
    "telephone",
    "mobile",
    "whatsapp",
    "correo",
    "telefone",
    "telefono",
    "telefon",
    "телефон",
    "почта",
];

/// Words in a form's id, class or action that mark it as something other than contact.
const NOT_CONTACT_WORDS: &[&str] = &[
    "comment",
    "search",
    "login",
    "signin",
    "subscribe",
    "newsletter",
    "checkout",
];

/// What a contact form opens: the absolute URL it posts to (the page itself when it has
/// no action), or the addresses of a `mailto:` action. Empty when the form is not a
/// contact form.
pub(crate) fn contact_form_target(
    form: &FormInfo<'_>,
    page_url: &Url,
    base: &Url,
    region: Region,
) -> Vec<Channel> {
    if !is_contact_form(form) {
        return Vec::new();
    }
    let action = form.action.map(str::trim).unwrap_or("");
    if action.is_empty() || action.to_ascii_lowercase().starts_with("javascript:") {
        // The HTML standard submits a form without an action to the document's own URL.
        return vec![Channel::new(ContactKind::ContactForm, page_url.to_string())];
    }
    let Ok(target) = base.join(action) else {
        return Vec::new();
    };
    if target.scheme() == "mailto" {
        return channels_of(&target, region);
    }
    vec![Channel::new(ContactKind::ContactForm, target.to_string())]
}

fn is_contact_form(form: &FormInfo<'_>) -> bool {
    let marked_otherwise = form
        .identity
        .iter()
        .chain(form.action.iter())
        .any(|s| has_any_word(s, NOT_CONTACT_WORDS) || s.contains("wp-comments-post"))
        || form.fields.iter().any(|f| {
            f.names
                .iter()
                .any(|n| n.eq_ignore_ascii_case("comment_post_ID"))
        });
    if marked_otherwise || form.fields.iter().any(|f| type_is(f, "password")) {
        return false;
    }
    let asks_message = form.fields.iter().any(|f| {
        f.tag == "textarea"
            || (is_text_input(f) && f.names.iter().any(|n| has_any_word(n, MESSAGE_WORDS)))
    });
    let asks_reply = form.fields.iter().any(|f| {
        type_is(f, "email")
            || type_is(f, "tel")
            || (is_text_input(f) && f.names.iter().any(|n| has_any_word(n, REPLY_WORDS)))
    });
    asks_message && asks_reply
}

fn type_is(field: &FormField<'_>, wanted: &str) -> bool {
    field.tag == "input"
        && field
            .input_type
            .is_some_and(|t| t.eq_ignore_ascii_case(wanted))
}

fn is_text_input(field: &FormField<'_>) -> bool {
    field.tag == "input"
        && field
            .input_type
            .is_none_or(|t| t.eq_ignore_ascii_case("text"))
}

/// Whether one of `words` is a whole word of `name` (`your-message`, `contact_email`,
/// `wpforms[fields][email]`), so `project_type` is not a message field.
fn has_any_word(name: &str, words: &[&str]) -> bool {
    name.split(|c: char| !c.is_alphanumeric() && c != '-')
        .flat_map(|part| std::iter::once(part).chain(part.split('-')))
        .any(|part| words.iter().any(|w| part.eq_ignore_ascii_case(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use scraper::Html;

    fn targets(html: &str) -> Vec<String> {
        let document = Html::parse_document(html);
        let view = super::super::document::DocumentView::from_html(&document);
        let page = Url::parse("https://studio.io/contact/").unwrap();
        let base = Url::parse("https://cdn.studio.io/assets/").unwrap();
        view.forms
            .iter()
            .flat_map(|f| contact_form_target(f, &page, &base, Region::default()))
            .map(|c| format!("{}:{}", c.kind, c.value))
            .collect()
    }

    #[test]
    fn contact_forms_resolve_their_action() {
        let fields = "<input type=email name=email><textarea name=message></textarea>";
        assert_eq!(
            targets(&format!("<form action='/api/send'>{fields}</form>")),
            ["contact_form:https://cdn.studio.io/api/send"]
        );
        // Without an action the form posts to the page itself, not to <base href>.
        assert_eq!(
            targets(&format!("<form>{fields}</form>")),
            ["contact_form:https://studio.io/contact/"]
        );
        assert_eq!(
            targets(&format!(
                "<form action='mailto:Jane@Studio.io'>{fields}</form>"
            )),
            ["email:jane@studio.io"]
        );
        assert_eq!(
            targets(
                "<form><input name=your-name><input name=your-email><input name=your-message></form>"
            ),
            ["contact_form:https://studio.io/contact/"]
        );
    }

    #[test]
    fn other_forms_are_not_contact_forms() {
        for html in [
            "<form action=/subscribe><input type=email name=EMAIL></form>",
            "<form role=search><input type=search name=q></form>",
            "<form action=/login><input type=email name=email><input type=password name=pw><textarea name=note></textarea></form>",
            "<form id=commentform action='/wp-comments-post.php'><textarea name=comment></textarea><input type=email name=email></form>",
            "<form action=/q><select name=project_type></select><input type=email name=email></form>",
            "<form action=/c><textarea name=comment></textarea><input name=author></form>",
        ] {
            assert!(targets(html).is_empty(), "{html}");
        }
    }
}
