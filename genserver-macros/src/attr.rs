//! The marker attributes inside a `#[genserver]` block: recognised by
//! their path, parsed, and removed from the user's methods.

use std::fmt;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Ident, ImplItem, ItemImpl, Lit, LitStr, Meta, Path, Token};

use crate::ctxt::Ctxt;

/// An attribute or option name, compared with paths without allocating.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Symbol(&'static str);

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.get_ident().is_some_and(|ident| *ident == *word)
    }
}

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        // `#[r#call]` is `#[call]`.
        self.unraw() == word.0
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

pub(crate) const CALL: Symbol = Symbol("call");
pub(crate) const CAST: Symbol = Symbol("cast");
pub(crate) const INFO: Symbol = Symbol("info");
pub(crate) const INIT: Symbol = Symbol("init");
pub(crate) const TERMINATE: Symbol = Symbol("terminate");
const PRELUDE: Symbol = Symbol("prelude");
pub(crate) const GENSERVER: Symbol = Symbol("genserver");
pub(crate) const CFG: Symbol = Symbol("cfg");
pub(crate) const CFG_ATTR: Symbol = Symbol("cfg_attr");
pub(crate) const DOC: Symbol = Symbol("doc");
pub(crate) const DEPRECATED: Symbol = Symbol("deprecated");
const ALLOW: Symbol = Symbol("allow");

pub(crate) const TIMEOUT: Symbol = Symbol("timeout");
pub(crate) const CRATE: Symbol = Symbol("crate");
pub(crate) const MESSAGE: Symbol = Symbol("message");
pub(crate) const CLIENT: Symbol = Symbol("client");

/// What a marked method is to the server.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Call,
    Cast,
    Info,
    Init,
    Terminate,
}

impl Role {
    const ALL: [Role; 5] = [
        Role::Call,
        Role::Cast,
        Role::Info,
        Role::Init,
        Role::Terminate,
    ];

    pub(crate) fn symbol(self) -> Symbol {
        match self {
            Role::Call => CALL,
            Role::Cast => CAST,
            Role::Info => INFO,
            Role::Init => INIT,
            Role::Terminate => TERMINATE,
        }
    }

    /// The role of a marker written `#[call]`, or under a path where
    /// the facade exports it: `#[genserver::call]`,
    /// `#[genserver::prelude::call]`, or `#[my::genserver::call]` and
    /// `#[my::genserver::prelude::call]` with `crate = my::genserver`.
    /// Any other path is not a marker: the user may have an attribute of
    /// that name of their own, and rustc resolves and reports it.
    fn of(attr: &Attribute, krate: Option<&Path>) -> Option<Role> {
        Role::of_path(attr.path(), krate)
    }

    /// As [`Role::of`], for the path of an attribute.
    fn of_path(path: &Path, krate: Option<&Path>) -> Option<Role> {
        let role = Role::ALL.into_iter().find(|role| {
            path.segments
                .last()
                .is_some_and(|last| last.ident == role.symbol())
        })?;
        let is_marker = path.get_ident().is_some()
            || [Some(&syn::parse_quote!(::genserver)), krate]
                .into_iter()
                .flatten()
                .any(|krate| is_exported_path(path, krate));
        is_marker.then_some(role)
    }
}

/// The tokens of an `impl` block that does not parse, with the markers of
/// its methods taken out. rustc reports the syntax error itself; left in,
/// each marker would expand on its own and add an error that blames a
/// missing `#[genserver]`, which is there.
pub(crate) fn strip_markers(tokens: TokenStream, krate: Option<&Path>) -> TokenStream {
    tokens
        .into_iter()
        .map(|tree| match tree {
            TokenTree::Group(body) if body.delimiter() == proc_macro2::Delimiter::Brace => {
                let stripped = strip_marker_attributes(body.stream(), krate);
                let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, stripped);
                group.set_span(body.span());
                TokenTree::Group(group)
            }
            other => other,
        })
        .collect()
}

/// `tokens` without the `#[marker]` attributes at their top level.
fn strip_marker_attributes(tokens: TokenStream, krate: Option<&Path>) -> TokenStream {
    let mut kept = Vec::new();
    let mut trees = tokens.into_iter().peekable();
    while let Some(tree) = trees.next() {
        if let TokenTree::Punct(pound) = &tree
            && pound.as_char() == '#'
            && let Some(TokenTree::Group(attr)) = trees.peek()
            && attr.delimiter() == proc_macro2::Delimiter::Bracket
            && syn::parse2::<Meta>(attr.stream())
                .is_ok_and(|meta| Role::of_path(meta.path(), krate).is_some())
        {
            trees.next();
            continue;
        }
        kept.push(tree);
    }
    kept.into_iter().collect()
}

/// `#[prelude::call]`, after `use genserver::prelude;`: a marker's name
/// through a path that [`Role::of`] does not read as one, since a module
/// of the user's may be named `prelude` too.
pub(crate) fn is_marker_through_prelude_module(attr: &Attribute) -> bool {
    let segments = &attr.path().segments;
    segments.len() == 2
        && segments[0].ident == PRELUDE
        && Role::ALL
            .into_iter()
            .any(|role| segments[1].ident == role.symbol())
}

/// `path` is `krate::name` or `krate::prelude::name`, without generic
/// arguments. A leading `::` is not compared: `::genserver` and
/// `genserver` differ only when a module of the user's shadows the crate.
fn is_exported_path(path: &Path, krate: &Path) -> bool {
    let plain = |path: &Path| path.segments.iter().all(|s| s.arguments.is_none());
    let under = path.segments.len().checked_sub(krate.segments.len());
    let via_prelude = match under {
        Some(1) => false,
        Some(2) => true,
        _ => return false,
    };
    plain(path)
        && plain(krate)
        && path
            .segments
            .iter()
            .zip(&krate.segments)
            .all(|(a, b)| a.ident.unraw() == b.ident.unraw())
        && (!via_prelude || path.segments[krate.segments.len()].ident == PRELUDE)
}

impl fmt::Display for Role {
    /// As the user writes it: `#[call]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`#[{}]`", self.symbol())
    }
}

/// A parsed marker attribute.
pub(crate) struct Marker {
    pub(crate) role: Role,
    /// The user's attribute, for spans.
    pub(crate) attr: Attribute,
    /// `#[call(timeout = ...)]`; `None` for the default.
    pub(crate) timeout: Option<Timeout>,
}

/// The value of `#[call(timeout = ...)]`.
pub(crate) enum Timeout {
    /// A literal such as `"250ms"`, in milliseconds.
    Millis(u64, LitStr),
    /// `"infinity"`: no limit.
    Infinity(LitStr),
    /// An expression of type `Duration`.
    Expr(Box<Expr>),
}

/// One `key`, `key = value` or `key(...)` inside an attribute's
/// parentheses.
pub(crate) struct Opt {
    pub(crate) key: Ident,
    pub(crate) value: OptValue,
}

pub(crate) enum OptValue {
    Flag,
    Value(Token![=], Box<Expr>),
    List(TokenStream),
}

impl Opt {
    /// The tokens of the whole option, for spans.
    pub(crate) fn tokens(&self) -> TokenStream {
        let mut tokens = self.key.to_token_stream();
        match &self.value {
            OptValue::Flag => {}
            OptValue::Value(eq, expr) => {
                eq.to_tokens(&mut tokens);
                expr.to_tokens(&mut tokens);
            }
            OptValue::List(list) => tokens.extend(list.clone()),
        }
        tokens
    }
}

/// The options an attribute takes, for the help of a syntax error: its
/// name and each option with an example value.
pub(crate) struct Usage {
    pub(crate) attr: &'static str,
    pub(crate) options: &'static [(&'static str, &'static str)],
}

pub(crate) const CALL_USAGE: Usage = Usage {
    attr: "call",
    options: &[("timeout", "\"5s\"")],
};

pub(crate) const GENSERVER_USAGE: Usage = Usage {
    attr: "genserver",
    options: &[
        ("crate", "my_crate::genserver"),
        ("message", "CounterMsg"),
        ("client", "CounterHandle"),
    ],
};

impl Usage {
    /// Every option with its example: `timeout = "5s"`, or
    /// `crate = .., message = .., client = ..`.
    fn every_option(&self) -> String {
        let all: Vec<String> = self
            .options
            .iter()
            .map(|(name, example)| format!("{name} = {example}"))
            .collect();
        all.join(", ")
    }

    /// The help "write `#[call(timeout = "5s")]`": the form of option
    /// `key` (with `value` if the user wrote one), or of all of them.
    fn help(&self, key: Option<&Ident>, value: Option<String>) -> String {
        let attr = self.attr;
        let known = key
            .and_then(|key| self.options.iter().find(|(name, _)| key.unraw() == *name))
            .or(match self.options {
                [only] => Some(only),
                _ => None,
            });
        match known {
            Some((name, example)) => {
                let value = value.unwrap_or_else(|| (*example).to_owned());
                format!("write `#[{attr}({name} = {value})]`")
            }
            None if self.options.is_empty() => format!("write `#[{attr}]`"),
            None => format!(
                "write `#[{attr}({})]`, with the options you need",
                self.every_option()
            ),
        }
    }
}

/// A literal as written, to repeat it in a help; `None` for anything
/// else.
fn literal_text(tree: &TokenTree) -> Option<String> {
    match tree {
        TokenTree::Literal(lit) => Some(lit.to_string()),
        _ => None,
    }
}

/// `a = 1, b, c(..)`. The first syntax error ends the list, at the token
/// that broke it, with the attribute's form as the help.
fn options(input: ParseStream<'_>, usage: &Usage) -> syn::Result<Vec<Opt>> {
    let fail =
        |span: proc_macro2::Span, what: String, key: Option<&Ident>, value: Option<String>| {
            syn::Error::new(span, format!("{what}\nhelp: {}", usage.help(key, value)))
        };
    let mut options = Vec::new();
    while !input.is_empty() {
        if !input.peek(Ident::peek_any) {
            let tree: TokenTree = input.parse()?;
            let value = literal_text(&tree);
            let what = if value.is_some() {
                format!("expected an option name before `{tree}`")
            } else {
                format!("expected an option name, found `{tree}`")
            };
            return Err(fail(tree.span(), what, None, value));
        }
        // `crate` is a keyword but a valid option name.
        let key = input.call(Ident::parse_any)?;
        let value = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            if input.is_empty() || input.peek(Token![,]) {
                return Err(fail(
                    eq.span,
                    format!("`{key} =` has no value"),
                    Some(&key),
                    None,
                ));
            }
            let expr: Expr = input
                .parse()
                .map_err(|error| fail(error.span(), error.to_string(), Some(&key), None))?;
            OptValue::Value(eq, Box::new(expr))
        } else if input.peek(syn::token::Paren) {
            let group: proc_macro2::Group = input.parse()?;
            OptValue::List(group.into_token_stream())
        } else {
            OptValue::Flag
        };
        let has_value = !matches!(value, OptValue::Flag);
        let written = match &value {
            OptValue::Value(_, expr) => match &**expr {
                Expr::Lit(lit) => Some(lit.lit.to_token_stream().to_string()),
                _ => None,
            },
            _ => None,
        };
        let key_for_help = key.clone();
        options.push(Opt { key, value });
        if input.is_empty() {
            break;
        }
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            continue;
        }
        let tree: TokenTree = input.parse()?;
        let what = match &tree {
            TokenTree::Punct(punct) if punct.as_char() == ':' && !has_value => {
                // `timeout: "1s"`: the value as written goes in the help.
                let value = input
                    .fork()
                    .parse::<TokenTree>()
                    .ok()
                    .as_ref()
                    .and_then(literal_text);
                return Err(fail(
                    tree.span(),
                    format!("expected `=` after `{key_for_help}`, found `:`"),
                    Some(&key_for_help),
                    value,
                ));
            }
            TokenTree::Ident(next) if has_value && usage.options.len() > 1 => {
                return Err(syn::Error::new(
                    tree.span(),
                    format!(
                        "expected `,` before `{next}`\nhelp: separate the options with commas, as in `#[{}({})]`",
                        usage.attr,
                        usage.every_option()
                    ),
                ));
            }
            _ if has_value => format!("unexpected `{tree}`: `{key_for_help}` takes one value"),
            _ => format!("expected `,` or `=` after `{key_for_help}`, found `{tree}`"),
        };
        return Err(fail(tree.span(), what, Some(&key_for_help), written));
    }
    Ok(options)
}

/// Parses `a = 1, b, c(..)`. A syntax error is recorded and yields no
/// options, so the caller goes on with its defaults.
///
/// `end` is where an option cut short is reported (the closing `)` of the
/// list): syn puts an unexpected end of its input at the macro's call
/// site, the `#[genserver]` line, far from the marker that holds it.
pub(crate) fn parse_options(cx: &Ctxt, tokens: TokenStream, usage: &Usage, end: Span) -> Vec<Opt> {
    let mut list = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, tokens);
    list.set_span(end);
    let parser = |input: ParseStream<'_>| {
        let inside;
        syn::parenthesized!(inside in input);
        options(&inside, usage)
    };
    match parser.parse2(TokenTree::Group(list).into()) {
        Ok(options) => options,
        Err(error) => {
            cx.syn_error(error);
            Vec::new()
        }
    }
}

/// Records a second occurrence of an option that may be given once.
pub(crate) fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, opt: &Opt, what: &str, value: T) {
    if slot.is_some() {
        cx.error_spanned_by(
            &opt.key,
            format_args!("duplicate {what} option `{}`\nremove this one", opt.key),
        );
    } else {
        *slot = Some(value);
    }
}

/// Removes the marker attributes from every item of the block and parses
/// them: one entry per item of `imp.items`, `None` for unmarked items.
///
/// Removing them first means that whatever happens next, the block the
/// macro emits no longer carries attributes the compiler does not know.
///
/// `krate` is the `crate = path` option, under which the markers are
/// recognised too.
pub(crate) fn strip(cx: &Ctxt, imp: &mut ItemImpl, krate: Option<&Path>) -> Vec<Option<Marker>> {
    imp.items
        .iter_mut()
        .map(|item| match item {
            ImplItem::Fn(func) => strip_method(cx, &mut func.attrs, krate),
            ImplItem::Const(item) => strip_misplaced(cx, &mut item.attrs, krate),
            ImplItem::Type(item) => strip_misplaced(cx, &mut item.attrs, krate),
            ImplItem::Macro(item) => strip_misplaced(cx, &mut item.attrs, krate),
            ImplItem::Verbatim(tokens) => {
                strip_bodiless(tokens, krate);
                None
            }
            _ => None,
        })
        .collect()
}

/// A method written without a body (`#[call] fn get(&self) -> u8;`), which
/// syn leaves as tokens: its markers are removed, so that rustc's own
/// error for the missing body stands alone, not beside the marker's
/// complaint that it is outside a `#[genserver]` block.
fn strip_bodiless(tokens: &mut TokenStream, krate: Option<&Path>) {
    let Ok(mut func) = syn::parse2::<syn::ForeignItemFn>(tokens.clone()) else {
        return;
    };
    let before = func.attrs.len();
    func.attrs.retain(|attr| Role::of(attr, krate).is_none());
    if func.attrs.len() != before {
        *tokens = func.into_token_stream();
    }
}

fn strip_method(cx: &Ctxt, attrs: &mut Vec<Attribute>, krate: Option<&Path>) -> Option<Marker> {
    let mut marker: Option<Marker> = None;
    let mut roles_conflict = false;
    let conditional = strip_conditional_markers(cx, attrs, krate);
    attrs.retain(|attr| {
        let Some(role) = Role::of(attr, krate) else {
            return true;
        };
        let parsed = parse_marker(cx, role, attr);
        match &marker {
            // A method has exactly one role: the message enum would need two
            // variants for it, and the second would never be sent.
            Some(first) if first.role == role => cx.error_spanned_by(
                attr,
                format_args!("duplicate {role} attribute\nremove this one"),
            ),
            Some(first) => {
                cx.error_spanned_by(
                    attr,
                    format_args!(
                        "this method is already marked {}; a method has one role\n\
                         keep either {} or {role}",
                        first.role, first.role
                    ),
                );
                roles_conflict = true;
            }
            None => marker = Some(parsed),
        }
        false
    });
    // Checked as either role, the method would draw a second error from
    // the rules of the role the user may mean to drop: it stays a plain
    // method until one is chosen.
    if roles_conflict {
        return None;
    }
    if marker.is_none() {
        marker = conditional.into_iter().next();
    }
    if marker.is_some() {
        // The signature of a handler is the server's contract, not a style
        // choice: it takes `self` whether or not it reads the state, and
        // owns its arguments because they arrive in a message; whether it is
        // `async` and what it returns is for the server, not for a caller.
        // A user crate under `clippy::pedantic` must not be told otherwise:
        // in particular, the receiver is a reference (the server keeps its
        // state) even when the state is a small `Copy` type, which
        // `trivially_copy_pass_by_ref` would have taken by value. Whether a
        // reply or a cast needs its `Result` is the user's to decide (`()`
        // is allowed), so `unnecessary_wraps` stays on. The macro refuses a
        // `const fn` handler, and takes the context as `&mut` whether or not
        // the handler mutates it: the nursery's `missing_const_for_fn` and
        // `needless_pass_by_ref_mut` would ask for what it refuses.
        //
        // A lint the user expects on the handler (`#[expect(..)]`) is left
        // out: allowed here, the expectation would go unfulfilled.
        let expected = expected_lints(attrs);
        let allowed: Vec<Path> = HANDLER_LINTS
            .iter()
            .filter(|lint| !expected.iter().any(|named| named == *lint))
            .map(|lint| syn::parse_str(lint).expect("a lint path"))
            .collect();
        if !allowed.is_empty() {
            attrs.push(syn::parse_quote!(#[allow(#(#allowed),*)]));
        }
    }
    marker
}

/// The lints a handler's signature would trip although it is the server's
/// contract (see [`strip_method`]).
const HANDLER_LINTS: [&str; 7] = [
    "clippy::unused_self",
    "clippy::needless_pass_by_value",
    "clippy::trivially_copy_pass_by_ref",
    "clippy::unused_async",
    "clippy::must_use_candidate",
    "clippy::missing_const_for_fn",
    "clippy::needless_pass_by_ref_mut",
];

/// The lints named in the `#[expect(..)]` attributes of a method, as
/// written (`clippy::unused_self`).
fn expected_lints(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("expect"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .filter_map(|meta| match meta {
            Meta::Path(path) => Some(
                path.segments
                    .iter()
                    .map(|segment| segment.ident.to_string())
                    .collect::<Vec<_>>()
                    .join("::"),
            ),
            _ => None,
        })
        .collect()
}

/// Markers written inside `#[cfg_attr(predicate, ..)]`: reported, as the
/// block reads its markers before `cfg_attr` applies, and removed from it
/// (the attribute with them when nothing else is left in it), so that they
/// do not expand on their own into a marker outside a `#[genserver]`
/// block. The method is read as marked, so that what is generated from it
/// is there for the code that uses it.
fn strip_conditional_markers(
    cx: &Ctxt,
    attrs: &mut Vec<Attribute>,
    krate: Option<&Path>,
) -> Vec<Marker> {
    let mut found = Vec::new();
    attrs.retain_mut(|attr| {
        if !attr.path().is_ident("cfg_attr") {
            return true;
        }
        let Meta::List(list) = &attr.meta else {
            return true;
        };
        let Ok(parts) = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(list.tokens.clone())
        else {
            return true;
        };
        let mut parts = parts.into_iter();
        let Some(predicate) = parts.next() else {
            return true;
        };
        let mut kept = Vec::new();
        let mut removed = false;
        for meta in parts {
            let Some(role) = Role::of_path(meta.path(), krate) else {
                kept.push(meta);
                continue;
            };
            cx.error_spanned_by(
                &meta,
                format_args!(
                    "markers are not read inside `cfg_attr`: `#[genserver]` reads the block before `cfg_attr` applies\n\
                     write {role} plainly, and put `#[cfg({})]` on the method if it exists only in some configurations",
                    predicate.to_token_stream()
                ),
            );
            // At the marker's own span, so that the rules that report at a
            // marker (a second `#[init]`, say) point into the `cfg_attr`.
            let marker: Attribute = syn::parse_quote_spanned!(meta.span() => #[#meta]);
            found.push(parse_marker(&Ctxt::new(), role, &marker));
            removed = true;
        }
        if !removed {
            return true;
        }
        if kept.is_empty() {
            return false;
        }
        attr.meta = syn::parse_quote!(cfg_attr(#predicate, #(#kept),*));
        true
    });
    found
}

fn strip_misplaced(cx: &Ctxt, attrs: &mut Vec<Attribute>, krate: Option<&Path>) -> Option<Marker> {
    attrs.retain(|attr| {
        let Some(role) = Role::of(attr, krate) else {
            return true;
        };
        cx.error_spanned_by(
            attr,
            format_args!("{role} applies to methods only\nput it on an `fn` of this block"),
        );
        false
    });
    None
}

/// Parses the options of one marker; mistakes are recorded and the marker
/// keeps its defaults.
fn parse_marker(cx: &Ctxt, role: Role, attr: &Attribute) -> Marker {
    let mut timeout = None;
    let options = match &attr.meta {
        Meta::Path(_) => Vec::new(),
        Meta::List(list) => {
            let usage = match role {
                Role::Call => CALL_USAGE,
                other => Usage {
                    attr: other.symbol().0,
                    options: &[],
                },
            };
            parse_options(
                cx,
                list.tokens.clone(),
                &usage,
                list.delimiter.span().close(),
            )
        }
        Meta::NameValue(_) => {
            cx.error_spanned_by(
                attr,
                format_args!(
                    "unexpected `=` in {role}\nwrite {role}{}",
                    if role == Role::Call {
                        " or `#[call(timeout = \"5s\")]`"
                    } else {
                        ""
                    }
                ),
            );
            Vec::new()
        }
    };
    for opt in &options {
        if opt.key == TIMEOUT {
            if role == Role::Call {
                if let Some(value) = parse_timeout(cx, opt) {
                    set_once(cx, &mut timeout, opt, "`#[call]`", value);
                }
            } else {
                cx.error_spanned_by(
                    opt.tokens(),
                    format_args!(
                        "`timeout` applies to `#[call]` only: {}\nremove `timeout`, or make this handler a `#[call]`",
                        match role {
                            Role::Cast => "a cast does not wait for the server",
                            Role::Info => "nobody waits for an info message",
                            Role::Init => "set the start timeout with `StartOptions::init_timeout`",
                            Role::Call | Role::Terminate => "nobody waits for `terminate`",
                        }
                    ),
                );
            }
        } else if role == Role::Call {
            cx.error_spanned_by(
                &opt.key,
                format_args!(
                    "unknown `#[call]` option `{}`\nthe only option is `timeout`, as in `#[call(timeout = \"5s\")]`",
                    opt.key
                ),
            );
        } else {
            cx.error_spanned_by(
                opt.tokens(),
                format_args!("{role} takes no options\nwrite {role}"),
            );
        }
    }
    Marker {
        role,
        attr: attr.clone(),
        timeout,
    }
}

fn parse_timeout(cx: &Ctxt, opt: &Opt) -> Option<Timeout> {
    let OptValue::Value(_, expr) = &opt.value else {
        cx.error_spanned_by(
            &opt.key,
            "`timeout` needs a value\nwrite `timeout = \"5s\"`, `timeout = \"infinity\"` or `timeout = <a Duration>`",
        );
        return None;
    };
    let Expr::Lit(lit) = &**expr else {
        // Elixir's `:infinity`, written as a bare word: no value of that
        // name is in scope (Rust's constants are upper case), so it can
        // only mean the string.
        if let Expr::Path(path) = &**expr
            && path.qself.is_none()
            && path.path.is_ident("infinity")
        {
            cx.error_spanned_by(
                path,
                "no limit is written as a string\nwrite `timeout = \"infinity\"`",
            );
            return None;
        }
        if let Some(self_token) = find_field_of_self(expr.to_token_stream()) {
            cx.error_spanned_by(
                self_token,
                "the timeout is evaluated by the client before the call is sent, so it cannot use the server's state (`self`)\n\
                 use a constant or an associated constant, as in `timeout = Self::TIMEOUT`",
            );
            return None;
        }
        return Some(Timeout::Expr(expr.clone()));
    };
    let lit = &lit.lit;
    match lit {
        Lit::Str(text) if !text.suffix().is_empty() => {
            cx.error_spanned_by(
                text,
                format_args!(
                    "unexpected `{0}` after the string\nwrite the whole duration inside the quotes: `timeout = \"{1}{0}\"`",
                    text.suffix(),
                    text.value()
                ),
            );
            None
        }
        Lit::Str(text) => match parse_duration(&text.value()) {
            Ok(Some(millis)) => Some(Timeout::Millis(millis, text.clone())),
            Ok(None) => Some(Timeout::Infinity(text.clone())),
            Err(why) => {
                cx.error_spanned_by(text, why);
                None
            }
        },
        Lit::Int(_) | Lit::Float(_) => {
            let (digits, unit) = number_parts(lit);
            let message = if unit.is_empty() {
                match mixed_picos(&format!("{digits}s")).map(whole_millis) {
                    Some(Some(0)) => zero_timeout(&digits),
                    Some(Some(millis)) if matches!(lit, Lit::Float(_)) => format!(
                        "a timeout needs a unit\nwrite `timeout = \"{}\"` for {digits} seconds",
                        in_one_unit(millis)
                    ),
                    _ => format!(
                        "a timeout needs a unit\nwrite `timeout = \"{digits}ms\"` or `timeout = \"{digits}s\"`"
                    ),
                }
            } else {
                // `250ms`, `1.5s`: the duration written outside quotes.
                // Whatever would be wrong with it inside them is wrong
                // with it here too.
                let text = format!("{digits}{unit}");
                parse_duration(&text).map_or_else(
                    |why| why,
                    |_| format!("a duration is written as a string\nwrite `timeout = \"{text}\"`"),
                )
            };
            cx.error_spanned_by(lit, message);
            None
        }
        other => {
            cx.error_spanned_by(
                other,
                "expected a duration\nwrite a string such as `\"250ms\"`, `\"5s\"`, `\"2m\"` or `\"infinity\"`, or an expression of type `Duration`",
            );
            None
        }
    }
}

/// The digits of a number literal and its unit: its suffix (`ms` in
/// `250ms`), unless that is one of Rust's number types (`250u64`), which
/// says nothing of a unit.
fn number_parts(lit: &Lit) -> (String, &str) {
    const TYPES: [&str; 14] = [
        "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
        "f32", "f64",
    ];
    let (digits, suffix) = match lit {
        Lit::Int(int) => (int.base10_digits(), int.suffix()),
        Lit::Float(float) => (float.base10_digits(), float.suffix()),
        _ => ("", ""),
    };
    let unit = if TYPES.contains(&suffix) { "" } else { suffix };
    (digits.to_owned(), unit)
}

/// Why a timeout of zero, written `written`, is refused.
fn zero_timeout(written: &str) -> String {
    format!(
        "a timeout of `{written}` has passed once the request is queued: every call would return `Timeout` before its reply, while the request is still handled\ngive the call some time, such as `\"250ms\"`, or make it a `#[cast]`"
    )
}

/// The first `self` in `tokens` whose field is read (`self.n`): the
/// server's state, which the client that evaluates the timeout does not
/// have. Other uses of `self` are the client's and compile as such
/// (`self.server_ref()`, `f(self)`), and `self::LIMIT` is a path.
fn find_field_of_self(tokens: TokenStream) -> Option<Ident> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Ident(ident) if ident == "self" => {
                let dot =
                    matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '.');
                let member = matches!(trees.get(i + 2), Some(TokenTree::Ident(_)));
                let called = match trees.get(i + 3) {
                    Some(TokenTree::Group(group)) => {
                        group.delimiter() == proc_macro2::Delimiter::Parenthesis
                    }
                    // A method with generic arguments: `self.m::<T>()`.
                    Some(TokenTree::Punct(p)) => p.as_char() == ':',
                    _ => false,
                };
                if dot && member && !called {
                    return Some(ident.clone());
                }
            }
            TokenTree::Group(group) => {
                if let Some(found) = find_field_of_self(group.stream()) {
                    return Some(found);
                }
            }
            _ => {}
        }
    }
    None
}

/// `"250ms"`, `"5s"`, `"2m"`, `"1h"` in milliseconds; `"infinity"` as
/// `None`. The error is the message for the user.
pub(crate) fn parse_duration(text: &str) -> Result<Option<u64>, String> {
    const EXPECTED: &str = "expected a number and a unit (`ms`, `s`, `m` or `h`), such as `\"250ms\"` or `\"5s\"`, or `\"infinity\"`";
    let text = text.trim();
    if text == "infinity" {
        return Ok(None);
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '_')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number = number.replace('_', "");
    if number.is_empty() {
        return Err(format!("invalid timeout `\"{text}\"`\n{EXPECTED}"));
    }
    let unit = unit.trim();
    let per_unit: u64 = match unit_millis(unit) {
        Some(per_unit) => per_unit,
        None if unit.is_empty() => {
            return Err(format!(
                "timeout `\"{text}\"` has no unit\nwrite `\"{number}ms\"` or `\"{number}s\"`"
            ));
        }
        None => {
            let other = unit;
            let help = if let Some(unit) = unit_for_word(other) {
                format!("write `\"{number}{unit}\"`")
            } else if let Some(picos) = mixed_picos(text) {
                return Err(written_otherwise(text, picos));
            } else {
                EXPECTED.to_owned()
            };
            return Err(format!(
                "unknown unit `{other}` in timeout `\"{text}\"`\n{help}"
            ));
        }
    };
    let millis = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(per_unit))
        .ok_or_else(|| {
            format!("timeout `\"{text}\"` is too long\nwrite `\"infinity\"` for no limit")
        })?;
    if millis == 0 {
        return Err(zero_timeout(&format!("\"{text}\"")));
    }
    Ok(Some(millis))
}

/// Milliseconds per unit of a timeout.
fn unit_millis(unit: &str) -> Option<u64> {
    match unit {
        "ms" => Some(1),
        "s" => Some(1_000),
        "m" | "min" => Some(60_000),
        "h" => Some(3_600_000),
        _ => None,
    }
}

/// The unit a timeout spells out in words (`"5 seconds"`), as the
/// timeout writes it.
fn unit_for_word(word: &str) -> Option<&'static str> {
    Some(match word.to_ascii_lowercase().as_str() {
        "msec" | "msecs" | "millis" | "millisecond" | "milliseconds" => "ms",
        "sec" | "secs" | "second" | "seconds" => "s",
        "mins" | "minute" | "minutes" => "m",
        "hr" | "hrs" | "hour" | "hours" => "h",
        _ => return None,
    })
}

/// Picoseconds in a millisecond: a timeout written with a decimal point
/// is read exactly, down to these.
const PICOS_PER_MILLI: u128 = 1_000_000_000;

/// What a timeout that is not one whole number and one unit means, in
/// picoseconds: `"1.5s"` and `"1m30s"` are 1500 and 90000 milliseconds'
/// worth. `None` for anything else, or a value finer than a picosecond,
/// which the user is told how to write from scratch.
fn mixed_picos(text: &str) -> Option<u128> {
    let mut rest = text.trim();
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !c.is_ascii_digit() && c != '_' && c != '.')
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_end);
        let after = after.trim_start();
        let unit_end = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_end);
        let per_unit =
            u128::from(unit_millis(unit).or_else(|| unit_for_word(unit).and_then(unit_millis))?)
                * PICOS_PER_MILLI;
        let number = number.replace('_', "");
        let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
        if whole.is_empty() || fraction.contains('.') || fraction.len() > 18 {
            return None;
        }
        let scale = 10u128.pow(u32::try_from(fraction.len()).ok()?);
        let fraction: u128 = if fraction.is_empty() {
            0
        } else {
            fraction.parse().ok()?
        };
        let scaled = whole
            .parse::<u128>()
            .ok()?
            .checked_mul(scale)?
            .checked_add(fraction)?;
        let picos = scaled.checked_mul(per_unit)?;
        if !picos.is_multiple_of(scale) {
            return None;
        }
        total = total.checked_add(picos / scale)?;
        rest = after.trim_start();
    }
    Some(total)
}

/// `picos` as whole milliseconds, if it is some.
fn whole_millis(picos: u128) -> Option<u64> {
    if picos.is_multiple_of(PICOS_PER_MILLI) {
        u64::try_from(picos / PICOS_PER_MILLI).ok()
    } else {
        None
    }
}

/// Why a timeout written as `text`, `picos` long, is refused, and how to
/// write it: a string timeout is a whole number of milliseconds in one
/// unit, not zero.
fn written_otherwise(text: &str, picos: u128) -> String {
    if picos == 0 {
        return zero_timeout(&format!("\"{text}\""));
    }
    if let Some(millis) = whole_millis(picos) {
        let what = if text.contains('.') {
            "is written with a decimal point"
        } else {
            "combines units"
        };
        return format!(
            "timeout `\"{text}\"` {what}\nwrite `\"{}\"`",
            in_one_unit(millis)
        );
    }
    let Some(rounded_up) = u64::try_from(picos.div_ceil(PICOS_PER_MILLI)).ok() else {
        return format!("timeout `\"{text}\"` is too long\nwrite `\"infinity\"` for no limit");
    };
    let exactly = if picos.is_multiple_of(1_000_000) {
        format!(
            ", or `timeout = Duration::from_micros({})`",
            picos / 1_000_000
        )
    } else if picos.is_multiple_of(1_000) {
        format!(", or `timeout = Duration::from_nanos({})`", picos / 1_000)
    } else {
        String::new()
    };
    format!(
        "timeout `\"{text}\"` is not a whole number of milliseconds, the finest a timeout string says\n\
         write `\"{}\"`{exactly}",
        in_one_unit(rounded_up)
    )
}

/// `millis` in the largest unit it is a whole number of: 90000 is
/// `"90s"`, 1500 is `"1500ms"`.
fn in_one_unit(millis: u64) -> String {
    for (unit, per_unit) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if millis.is_multiple_of(per_unit) {
            return format!("{}{unit}", millis / per_unit);
        }
    }
    format!("{millis}ms")
}

/// The part of a method's attribute that decides whether everything
/// generated from the method exists: a `#[cfg]`, or a `#[cfg_attr]`
/// reduced to the `cfg`s it adds (`#[cfg_attr(p, cfg(q), inline)]` gives
/// `#[cfg_attr(p, cfg(q))]`).
pub(crate) fn cfg_part(attr: &Attribute) -> Option<Attribute> {
    reduce(attr, &|meta| *meta.path() == CFG)
}

/// The part of a method's attribute that the client method mirroring it
/// carries too: docs and `#[deprecated]`, also inside `#[cfg_attr]`. The
/// rest (an `inline`, a lint level, a `tracing::instrument` that names the
/// handler's `ctx` or `self.total`) is about the user's function and stays
/// on it.
pub(crate) fn client_part(attr: &Attribute) -> Option<Attribute> {
    reduce(attr, &|meta| {
        *meta.path() == DOC || *meta.path() == DEPRECATED
    })
}

/// The docs of a method's attribute, also inside `#[cfg_attr]`: what the
/// message variant carries.
pub(crate) fn doc_part(attr: &Attribute) -> Option<Attribute> {
    reduce(attr, &|meta| *meta.path() == DOC)
}

/// `attr` with only what `keep` accepts, looking into `#[cfg_attr]`s
/// (nested ones too) and keeping their predicates; `None` when nothing is
/// left, or when a `#[cfg_attr]` does not parse (rustc reports it on the
/// user's method).
fn reduce(attr: &Attribute, keep: &dyn Fn(&Meta) -> bool) -> Option<Attribute> {
    let meta = reduce_meta(&attr.meta, keep)?;
    Some(Attribute {
        meta,
        ..attr.clone()
    })
}

fn reduce_meta(meta: &Meta, keep: &dyn Fn(&Meta) -> bool) -> Option<Meta> {
    if *meta.path() != CFG_ATTR {
        return keep(meta).then(|| meta.clone());
    }
    let Meta::List(list) = meta else {
        return None;
    };
    let parse = |input: ParseStream| -> syn::Result<(Meta, Vec<Meta>)> {
        let predicate: Meta = input.parse()?;
        let _: Token![,] = input.parse()?;
        let attrs = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        Ok((predicate, attrs.into_iter().collect()))
    };
    let (predicate, attrs) = parse.parse2(list.tokens.clone()).ok()?;
    let kept: Vec<Meta> = attrs
        .iter()
        .filter_map(|meta| reduce_meta(meta, keep))
        .collect();
    if kept.is_empty() {
        return None;
    }
    let mut list = list.clone();
    list.tokens = quote::quote!(#predicate, #(#kept),*);
    Some(Meta::List(list))
}

/// The predicate under which an attribute that [`cfg_part`] gave leaves
/// its method in: `p` for `#[cfg(p)]`, `any(not(p), all(q, ..))` for
/// `#[cfg_attr(p, cfg(q), ..)]`. `all()` (always) for what is not one of
/// those: such an attribute does not reach rustc as the macro's, and
/// rustc reports it on the user's method.
pub(crate) fn cfg_predicate(attr: &Attribute) -> TokenStream {
    meta_predicate(&attr.meta)
}

fn meta_predicate(meta: &Meta) -> TokenStream {
    let Meta::List(list) = meta else {
        return quote::quote!(all());
    };
    if list.path == CFG {
        return list.tokens.clone();
    }
    if list.path != CFG_ATTR {
        return quote::quote!(all());
    }
    let parse = |input: ParseStream| -> syn::Result<(Meta, Vec<Meta>)> {
        let predicate: Meta = input.parse()?;
        let _: Token![,] = input.parse()?;
        let attrs = Punctuated::<Meta, Token![,]>::parse_terminated(input)?;
        Ok((predicate, attrs.into_iter().collect()))
    };
    let Ok((predicate, attrs)) = parse.parse2(list.tokens.clone()) else {
        return quote::quote!(all());
    };
    let inner = attrs.iter().map(meta_predicate);
    quote::quote!(any(not(#predicate), all(#(#inner),*)))
}

/// The `#[deprecated]` of a method's attribute, also inside `#[cfg_attr]`:
/// what the client's `try_` method of a cast carries beside its own docs.
pub(crate) fn deprecated_part(attr: &Attribute) -> Option<Attribute> {
    reduce(attr, &|meta| *meta.path() == DEPRECATED)
}

/// The part of the block's attribute that what the macro generates beside
/// the block carries too: a `#[cfg]`, which leaves the server out with
/// its block, and an `#[allow]`, which covers what the block expands to
/// as the user reads it (`#[allow(deprecated)]` on a block for a
/// deprecated type), also inside `#[cfg_attr]`. Other lint levels stay
/// on the block: an `#[expect]` on items that do not trip the lint would
/// be unfulfilled, and a `#[deny]` is about the user's code.
pub(crate) fn block_part(attr: &Attribute) -> Option<Attribute> {
    reduce(attr, &|meta| *meta.path() == CFG || *meta.path() == ALLOW)
}

/// Whether the attribute is or adds docs.
pub(crate) fn has_doc(attr: &Attribute) -> bool {
    doc_part(attr).is_some()
}

/// Removes a second `#[genserver]` (under any path ending in `genserver`)
/// from the block this one expands, with an error at it: expanded twice,
/// the block would define the enum, the client and `impl GenServer`
/// twice, in a wall of duplicate definitions.
pub(crate) fn strip_duplicate_genserver(cx: &Ctxt, imp: &mut ItemImpl) {
    imp.attrs.retain(|attr| {
        let is_genserver = attr
            .path()
            .segments
            .last()
            .is_some_and(|last| last.ident == GENSERVER);
        if is_genserver {
            cx.error_spanned_by(attr, "duplicate `#[genserver]`\nremove this one");
        }
        !is_genserver
    });
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    /// The help line of the error for `text`.
    fn help(text: &str) -> String {
        let error = parse_duration(text).unwrap_err();
        error
            .split_once('\n')
            .map(|(_, help)| help.to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Some(250)));
        assert_eq!(parse_duration("1_000 ms"), Ok(Some(1_000)));
        assert_eq!(parse_duration("2min"), Ok(Some(120_000)));
        assert_eq!(parse_duration("infinity"), Ok(None));
    }

    /// A timeout written another way gets the one way to write it.
    #[test]
    fn hints() {
        assert_eq!(help("1.5s"), "write `\"1500ms\"`");
        assert_eq!(help("0.25h"), "write `\"15m\"`");
        assert_eq!(help("1m30s"), "write `\"90s\"`");
        assert_eq!(help("1h 30m"), "write `\"90m\"`");
        assert_eq!(help("1s500ms"), "write `\"1500ms\"`");
        assert_eq!(help("5 seconds"), "write `\"5s\"`");
        assert_eq!(help("10 Minutes"), "write `\"10m\"`");
        assert_eq!(help("2hrs"), "write `\"2h\"`");
        assert_eq!(help("5.s"), "write `\"5s\"`");
        assert_eq!(
            help("1.5ms"),
            "write `\"2ms\"`, or `timeout = Duration::from_micros(1500)`"
        );
        assert_eq!(
            help("1.0005s"),
            "write `\"1001ms\"`, or `timeout = Duration::from_micros(1000500)`"
        );
        assert_eq!(
            help("1.123456789s"),
            "write `\"1124ms\"`, or `timeout = Duration::from_nanos(1123456789)`"
        );
        assert_eq!(help("0.0000000001s"), "write `\"1ms\"`");
        assert!(
            parse_duration("0.0s")
                .unwrap_err()
                .starts_with("a timeout of `\"0.0s\"` has passed")
        );
        for unhelpable in ["1.5.5s", "1m30x", "5 parsecs", "1m 30"] {
            assert!(
                help(unhelpable).starts_with("expected a number"),
                "{unhelpable}"
            );
        }
    }
}
