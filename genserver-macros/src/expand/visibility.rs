//! The visibility of the generated enum, client and `start`: the widest
//! of the handlers'.

use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Path, Visibility};

/// How far a visibility reaches, as far as the block alone can tell.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Reach {
    Private,
    /// `pub(super)` (1), `pub(in super::super)` (2), ...: this many
    /// modules up from the block's.
    Up(usize),
    /// `pub(in crate::a::b)`: the module this many segments below the
    /// crate root (`pub(crate)` is 0).
    Down(usize),
    Public,
    /// A path the block alone cannot place (`pub(in ::a)`, `self::super`).
    Unknown,
}

impl Reach {
    fn of(vis: &Visibility) -> Self {
        match vis {
            Visibility::Public(_) => Reach::Public,
            Visibility::Inherited => Reach::Private,
            Visibility::Restricted(restricted) => Reach::of_path(&restricted.path),
        }
    }

    fn of_path(path: &Path) -> Self {
        let segments: Vec<String> = path
            .segments
            .iter()
            .map(|segment| segment.ident.to_string())
            .collect();
        let supers = segments.iter().take_while(|s| *s == "super").count();
        match segments.first().map(String::as_str) {
            _ if path.leading_colon.is_some() => Reach::Unknown,
            Some("self") if segments.len() == 1 => Reach::Private,
            Some("crate") if segments[1..].iter().all(|s| s != "super" && s != "self") => {
                Reach::Down(segments.len() - 1)
            }
            Some("super") if supers == segments.len() => Reach::Up(supers),
            _ => Reach::Unknown,
        }
    }

    /// Whether `self` reaches at least as far as `other`: `None` when the
    /// block alone cannot tell (a path from the crate root against one
    /// from the block's module, whose path the macro does not know).
    fn covers(self, other: Reach) -> Option<bool> {
        match (self, other) {
            (Reach::Public, _) | (_, Reach::Private) => Some(true),
            (_, Reach::Public) | (Reach::Private, _) => Some(false),
            (Reach::Down(0), _) => Some(true),
            (_, Reach::Down(0)) => Some(false),
            (Reach::Down(a), Reach::Down(b)) => Some(a <= b),
            (Reach::Up(a), Reach::Up(b)) => Some(a >= b),
            _ => None,
        }
    }
}

/// The widest of `all`: `pub` > `pub(crate)` > paths > private. Of two
/// paths that cannot be compared (`pub(super)` and `pub(in crate::a)`),
/// `pub(crate)`, which reaches both. With it, the span of the user's token
/// it comes from (the call site when there is none).
pub(super) fn widest<'a>(all: impl Iterator<Item = &'a Visibility>) -> (Visibility, Span) {
    let mut widest: Option<(&Visibility, Reach)> = None;
    let mut unplaced = false;
    for vis in all {
        let reach = Reach::of(vis);
        match widest {
            None => widest = Some((vis, reach)),
            Some((_, current)) => match reach.covers(current) {
                Some(true) if reach != current => widest = Some((vis, reach)),
                Some(_) => {}
                None => unplaced = true,
            },
        }
    }
    let Some((vis, reach)) = widest else {
        return (Visibility::Inherited, Span::call_site());
    };
    let span = vis.span();
    let vis = match vis {
        // The user's `pub` token would put the generated items' spans on
        // one handler; the visibility is the same.
        Visibility::Public(_) => Visibility::Public(syn::Token![pub](Span::call_site())),
        _ if unplaced && reach.covers(Reach::Down(0)) != Some(true) => {
            syn::parse_quote_spanned!(span=> pub(crate))
        }
        vis => vis.clone(),
    };
    (vis, span)
}

/// Whether a handler with visibility `handler` may take types less
/// visible than an item with visibility `item`: unless the two are written
/// alike or `handler` is known to reach as far.
pub(super) fn may_be_narrower(handler: &Visibility, item: &Visibility) -> bool {
    handler.to_token_stream().to_string() != item.to_token_stream().to_string()
        && Reach::of(handler).covers(Reach::of(item)) != Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widest_of(all: &[&str]) -> String {
        let all: Vec<Visibility> = all.iter().map(|v| syn::parse_str(v).unwrap()).collect();
        widest(all.iter()).0.to_token_stream().to_string()
    }

    #[test]
    fn the_widest_reach_wins_whatever_the_order() {
        for (all, expected) in [
            (&["", "pub(super)"][..], "pub (super)"),
            (
                &["pub(in crate::a::b)", "pub(in crate::a)"],
                "pub (in crate :: a)",
            ),
            (
                &["pub(in crate::a)", "pub(in crate::a::b)"],
                "pub (in crate :: a)",
            ),
            (
                &["pub(super)", "pub(in super::super)"],
                "pub (in super :: super)",
            ),
            (
                &["pub(in crate::a)", "pub(crate)", "pub(super)"],
                "pub (crate)",
            ),
            (&["pub(super)", "pub", ""], "pub"),
            (&["pub(self)", ""], "pub (self)"),
            (&[], ""),
        ] {
            assert_eq!(widest_of(all), expected, "{all:?}");
        }
    }

    #[test]
    fn a_handler_may_be_narrower_unless_it_reaches_as_far_as_the_item() {
        let narrower = |handler: &str, item: &str| {
            may_be_narrower(
                &syn::parse_str(handler).unwrap(),
                &syn::parse_str(item).unwrap(),
            )
        };
        assert!(!narrower("pub(super)", "pub(super)"));
        assert!(!narrower("pub", "pub(crate)"));
        assert!(!narrower("pub(crate)", "pub(in crate)"));
        assert!(!narrower("pub(self)", ""));
        assert!(narrower("", "pub(super)"));
        assert!(narrower("pub(super)", "pub(crate)"));
        assert!(narrower("pub(in crate::a::b)", "pub(in crate::a)"));
        assert!(narrower("pub(super)", "pub(in crate::a)"));
        assert!(narrower("pub(crate)", "pub"));
    }

    /// A path from the crate root and one from the block's module cannot
    /// be compared without the module's path: `pub(crate)` reaches both.
    #[test]
    fn paths_that_cannot_be_compared_give_pub_crate() {
        assert_eq!(
            widest_of(&["pub(in crate::a::b)", "pub(super)"]),
            "pub (crate)"
        );
        assert_eq!(
            widest_of(&["pub(super)", "pub(in crate::a::b)"]),
            "pub (crate)"
        );
        assert_eq!(
            widest_of(&["pub(in self::super)", "pub(super)"]),
            "pub (crate)"
        );
        assert_eq!(widest_of(&["pub(super)", "pub(in crate::a)", "pub"]), "pub");
    }
}
