//! Repeated cards: the grid a portfolio shows its projects in, whatever the site builder
//! calls its headings (Squarespace summary blocks and Elementor galleries use no `<h*>`).

use scraper::{ElementRef, Html};

/// The most cards a page has in one group: siblings of one tag and class that each hold
/// an image and a link to a page (not `mailto:`, `tel:` or an anchor on the same page).
/// Service lists with icons rarely link each entry to a page; project grids do.
pub(crate) fn work_cards(html: &Html) -> usize {
    visit(html.root_element()).best
}

/// What a subtree holds, and the largest card group inside it.
struct Subtree {
    image: bool,
    link: bool,
    best: usize,
}

/// One bottom-up walk (depth is bounded: `page::nesting` flattens deep trees before
/// parsing); sibling groups are few, so a short list beats a map.
fn visit(element: ElementRef) -> Subtree {
    let (mut image, mut link) = own_image_and_link(&element);
    let mut best = 0;
    let mut groups: Vec<((&str, &str), usize)> = Vec::new();
    for child in element.children().filter_map(ElementRef::wrap) {
        let sub = visit(child);
        image |= sub.image;
        link |= sub.link;
        best = best.max(sub.best);
        if sub.image && sub.link {
            let key = (
                child.value().name(),
                child.value().attr("class").unwrap_or(""),
            );
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, count)) => *count += 1,
                None => groups.push((key, 1)),
            }
        }
    }
    best = groups.iter().map(|&(_, n)| n).fold(best, usize::max);
    Subtree { image, link, best }
}

/// Whether the element itself shows an image (the outline's definition) and whether it is
/// a link to a page.
fn own_image_and_link(element: &ElementRef) -> (bool, bool) {
    let e = element.value();
    let link = e.name() == "a"
        && e.attr("href").is_some_and(|href| {
            let href = href.trim().to_ascii_lowercase();
            !(href.is_empty()
                || href.starts_with('#')
                || href.starts_with("mailto:")
                || href.starts_with("tel:")
                || href.starts_with("javascript:"))
        });
    (super::document::shows_image(e), link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_grids_count_and_icon_lists_do_not() {
        let card = |n: u8| {
            format!(
                "<div class='summary-item'><a href='/work/{n}'><img data-src='/p{n}.jpg'></a><div class='summary-title'><a href='/work/{n}'>Project {n}</a></div></div>"
            )
        };
        let grid = Html::parse_document(&format!(
            "<div>{}{}{}{}</div>",
            card(1),
            card(2),
            card(3),
            card(4)
        ));
        assert_eq!(work_cards(&grid), 4);
        let services = Html::parse_document(
            "<ul><li class=s><img src=a.svg>Design</li><li class=s><img src=b.svg>SEO</li>\
             <li class=s><img src=c.svg><a href='https://wa.me/1'>Chat</a></li>\
             <li class=s><img src=d.svg><a href='mailto:a@b.io'>Mail</a></li></ul>",
        );
        assert!(work_cards(&services) < 3);
    }
}
