//! Intra-doc links in a handler's docs that start with `Self`. The client
//! method and the message variant carry those docs too, and there `Self`
//! is the client or the enum, not the server they were written on: a link
//! to `Self::helper` would lead nowhere. Such a link is pointed at the
//! server instead, unless the item carrying the docs has a method of that
//! name (the client's `reset` for `` [`Self::reset`] ``), which is the one a
//! reader of its docs wants.

use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, Type};

/// The path rustdoc resolves the server by from the generated items, which
/// sit beside the block: `Counter` for `impl Counter<T>`. `None` for a self
/// type that is not a path; links are then left as written.
pub(crate) fn server_path(self_ty: &Type) -> Option<String> {
    let Type::Path(path) = self_ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    let lead = if path.path.leading_colon.is_some() {
        "::"
    } else {
        ""
    };
    Some(format!("{lead}{}", segments.join("::")))
}

/// `attrs` with the `Self` links of their plain `#[doc = "..."]` attributes
/// pointed at `server`, except links to a method that `keeps` (the item
/// carrying the docs has it). Code blocks are left alone; a fence opened in
/// one attribute (one `///` line) is closed in a later one.
pub(crate) fn retarget(
    attrs: Vec<Attribute>,
    server: Option<&str>,
    keeps: &dyn Fn(&str) -> bool,
) -> Vec<Attribute> {
    let Some(server) = server else {
        return attrs;
    };
    let mut in_code = false;
    attrs
        .into_iter()
        .map(|mut attr| {
            if let Meta::NameValue(doc) = &mut attr.meta
                && doc.path.is_ident("doc")
                && let Expr::Lit(ExprLit {
                    lit: Lit::Str(text),
                    ..
                }) = &mut doc.value
            {
                let rewritten = retarget_text(&text.value(), server, keeps, &mut in_code);
                *text = LitStr::new(&rewritten, text.span());
            }
            attr
        })
        .collect()
}

/// One doc string, line by line; `in_code` carries whether a fenced code
/// block is open from one call to the next.
fn retarget_text(
    text: &str,
    server: &str,
    keeps: &dyn Fn(&str) -> bool,
    in_code: &mut bool,
) -> String {
    text.split('\n')
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
                *in_code = !*in_code;
                return line.to_owned();
            }
            if *in_code {
                line.to_owned()
            } else {
                retarget_line(line, server, keeps)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn retarget_line(line: &str, server: &str, keeps: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut from = 0;
    while let Some(found) = line[from..].find("Self") {
        let start = from + found;
        let Some(found_link) = Link::at(line, start) else {
            from = start + "Self".len();
            continue;
        };
        from = found_link.end;
        if let Some(first) = found_link.first_segment
            && keeps(first)
        {
            continue;
        }
        let path = &line[start..found_link.path_end];
        let target = format!("{server}{}", &path["Self".len()..]);
        match found_link.form {
            Form::Target => {
                out.push_str(&line[copied..start]);
                out.push_str(&target);
                copied = found_link.path_end;
            }
            Form::Shortcut => {
                // `[`Self::x`]` keeps its text and gains a target.
                let disambiguator = &line[found_link.target_start..start];
                out.push_str(&line[copied..found_link.end]);
                out.push('(');
                out.push_str(disambiguator);
                out.push_str(&target);
                out.push(')');
                copied = found_link.end;
            }
        }
    }
    out.push_str(&line[copied..]);
    out
}

/// A `Self` path in a link.
struct Link<'a> {
    form: Form,
    /// Where the link's target starts: its disambiguator (`fn@`), if any.
    target_start: usize,
    /// Just past the path (`Self::get`, with a `()` or `!` suffix).
    path_end: usize,
    /// Just past the link's syntax: a shortcut's `]`, else the path.
    end: usize,
    /// `get` in `Self::get`; `None` for `Self` alone.
    first_segment: Option<&'a str>,
}

enum Form {
    /// The target of `[text](Self::x)`, `[text][Self::x]` or
    /// `[label]: Self::x`: replaced in place.
    Target,
    /// `[Self::x]` or `` [`Self::x`] ``: the text is also the target.
    Shortcut,
}

impl<'a> Link<'a> {
    /// The link whose path starts at `start` (the `S` of `Self`), if that
    /// `Self` is a link's target.
    fn at(line: &'a str, start: usize) -> Option<Self> {
        let bytes = line.as_bytes();
        let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        if start > 0 && is_word(bytes[start - 1]) {
            return None;
        }
        let mut path_end = start + "Self".len();
        if bytes.get(path_end).copied().is_some_and(is_word) {
            return None;
        }
        let mut first_segment = None;
        while line[path_end..].starts_with("::") {
            let segment = path_end + 2;
            let len = line[segment..].bytes().take_while(|&b| is_word(b)).count();
            if len == 0 {
                break;
            }
            first_segment.get_or_insert(&line[segment..segment + len]);
            path_end = segment + len;
        }
        if line[path_end..].starts_with("()") {
            path_end += 2;
        } else if line[path_end..].starts_with('!') {
            path_end += 1;
        }
        // A disambiguator: `fn@Self::get`.
        let mut target_start = start;
        if line[..start].ends_with('@') {
            let word = line[..start - 1]
                .bytes()
                .rev()
                .take_while(u8::is_ascii_lowercase)
                .count();
            target_start = start - 1 - word;
        }
        let before = &line[..target_start];
        let after = &line[path_end..];
        // Inside a code span (`` `[Self::x]` ``), as written: an odd number
        // of backticks before the link's `[` (or its target) opens one.
        let in_code = |upto: &str| upto.bytes().filter(|&b| b == b'`').count() % 2 == 1;
        let make = |form, end| Link {
            form,
            target_start,
            path_end,
            end,
            first_segment,
        };
        if in_code(before) && !before.ends_with("[`") {
            return None;
        }
        if (before.ends_with("](") && after.starts_with(')'))
            || (before.ends_with("][") && after.starts_with(']'))
        {
            return Some(make(Form::Target, path_end));
        }
        if let Some(label) = before.trim_end().strip_suffix("]:")
            && label.trim_start().starts_with('[')
            && !label.contains("](")
        {
            return Some(make(Form::Target, path_end));
        }
        let (open, close) = if before.ends_with("[`") {
            ("[`", "`]")
        } else {
            ("[", "]")
        };
        if let Some(opening) = before.strip_suffix(open)
            && !opening.ends_with(']')
            && !in_code(opening)
            && after.starts_with(close)
        {
            let end = path_end + close.len();
            let next = line[end..].chars().next();
            if !matches!(next, Some('(' | '[' | ':')) {
                return Some(make(Form::Shortcut, end));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_has(name: &str) -> bool {
        name == "reset"
    }

    fn rewrite(text: &str) -> String {
        retarget_text(text, "Counter", &client_has, &mut false)
    }

    #[test]
    fn shortcut_links_keep_their_text_and_gain_the_servers_target() {
        assert_eq!(
            rewrite("see [`Self::helper`] and [Self::helper]."),
            "see [`Self::helper`](Counter::helper) and [Self::helper](Counter::helper)."
        );
        assert_eq!(rewrite("[`Self`]"), "[`Self`](Counter)");
        assert_eq!(
            rewrite("[`Self::helper()`], [`fn@Self::helper`]"),
            "[`Self::helper()`](Counter::helper()), [`fn@Self::helper`](fn@Counter::helper)"
        );
    }

    /// `Self` right after a character of several bytes is no link, and
    /// reading what precedes it must not split that character.
    #[test]
    fn self_after_a_multi_byte_character_is_left_alone() {
        for text in [
            "Returns \u{201c}Self\u{201d}",
            "\u{ab}Self::reset\u{bb}",
            "\u{6570}Self",
            "\u{e9}@Self",
        ] {
            assert_eq!(rewrite(text), text);
        }
        assert_eq!(
            rewrite("\u{201c}[`Self::helper`]\u{201d}"),
            "\u{201c}[`Self::helper`](Counter::helper)\u{201d}"
        );
    }

    #[test]
    fn targets_are_replaced_in_place() {
        assert_eq!(
            rewrite("[helper](Self::helper), [that][Self::helper], [m](method@Self::helper)"),
            "[helper](Counter::helper), [that][Counter::helper], [m](method@Counter::helper)"
        );
        assert_eq!(
            rewrite("[helper]: Self::helper"),
            "[helper]: Counter::helper"
        );
        assert_eq!(
            rewrite("  [helper]:   Self::helper"),
            "  [helper]:   Counter::helper"
        );
    }

    #[test]
    fn links_to_a_method_the_item_has_are_kept() {
        let kept = "[`Self::reset`], [r](Self::reset), [r]: Self::reset";
        assert_eq!(rewrite(kept), kept);
    }

    #[test]
    fn self_outside_links_and_in_code_blocks_is_left_alone() {
        for text in [
            "Self::helper, `Self::helper`, [text](Selfish), [`MySelf`], [`Self_`]",
            "[`Self::helper`](Counter::other) [`Self`][x] [`Self`]: x",
            "write `[Self::helper]` or `[text](Self::helper)` to link",
            "[a] [`Self`]: not a definition",
        ] {
            assert_eq!(rewrite(text), text);
        }
        let mut in_code = false;
        let lines: Vec<String> = ["```", "[`Self::helper`]", "```", "[`Self`]"]
            .iter()
            .map(|line| retarget_text(line, "Counter", &client_has, &mut in_code))
            .collect();
        assert_eq!(
            lines,
            ["```", "[`Self::helper`]", "```", "[`Self`](Counter)"]
        );
    }

    #[test]
    fn a_doc_string_of_several_lines_is_read_line_by_line() {
        assert_eq!(
            rewrite("one [`Self`]\n```\n[`Self`]\n```\n[x]: Self::helper"),
            "one [`Self`](Counter)\n```\n[`Self`]\n```\n[x]: Counter::helper"
        );
    }

    #[test]
    fn the_server_is_named_by_its_path_without_generics() {
        let ty: Type = syn::parse_quote!(crate::servers::Counter<K, V>);
        assert_eq!(server_path(&ty).as_deref(), Some("crate::servers::Counter"));
        let ty: Type = syn::parse_quote!(::a::B);
        assert_eq!(server_path(&ty).as_deref(), Some("::a::B"));
        let ty: Type = syn::parse_quote!(<T as Tr>::Assoc);
        assert_eq!(server_path(&ty), None);
    }
}
