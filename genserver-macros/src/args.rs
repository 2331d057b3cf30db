//! The arguments of `#[genserver(...)]`: each option at most once.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Expr, Ident, Lit, Path};

use crate::attr::{self, CLIENT, CRATE, MESSAGE, Opt, OptValue};
use crate::ctxt::Ctxt;

/// `#[genserver(crate = path, message = Name, client = Name)]`.
#[derive(Default)]
pub(crate) struct Args {
    /// Where generated code finds the runtime; `::genserver` by default.
    pub(crate) krate: Option<Path>,
    /// The message enum's name instead of `{Server}Message`.
    pub(crate) message: Option<Ident>,
    /// The client's name instead of `{Server}Client`.
    pub(crate) client: Option<Ident>,
}

pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> Args {
    let mut args = Args::default();
    // Options cut short are reported at the last token written; with no
    // tokens there is nothing to cut short.
    let end = tokens
        .clone()
        .into_iter()
        .last()
        .map_or_else(proc_macro2::Span::call_site, |token| token.span());
    for opt in attr::parse_options(cx, tokens, &attr::GENSERVER_USAGE, end) {
        if opt.key == CRATE {
            if let Some(path) = crate_path(cx, &opt) {
                attr::set_once(cx, &mut args.krate, &opt, "`#[genserver]`", path);
            }
        } else if opt.key == MESSAGE || opt.key == CLIENT {
            if let Some(name) = type_name(cx, &opt) {
                let slot = if opt.key == MESSAGE {
                    &mut args.message
                } else {
                    &mut args.client
                };
                attr::set_once(cx, slot, &opt, "`#[genserver]`", name);
            }
        } else {
            cx.error_spanned_by(
                &opt.key,
                format_args!(
                    "unknown `#[genserver]` option `{}`\nthe options are `crate = path`, `message = Name` and `client = Name`",
                    opt.key
                ),
            );
        }
    }
    args
}

/// `crate = some::path` or `crate = "some::path"`.
fn crate_path(cx: &Ctxt, opt: &Opt) -> Option<Path> {
    const EXPECTED: &str =
        "write the path to the `genserver` crate, such as `crate = my_crate::genserver`";
    let OptValue::Value(_, expr) = &opt.value else {
        cx.error_spanned_by(
            opt.tokens(),
            format_args!("`crate` needs a value\n{EXPECTED}"),
        );
        return None;
    };
    let path = match &**expr {
        Expr::Path(path) if path.qself.is_none() && path.attrs.is_empty() => path.path.clone(),
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(text) => {
                let Ok(path) = text.parse::<Path>() else {
                    cx.error_spanned_by(text, format_args!("expected a path\n{EXPECTED}"));
                    return None;
                };
                path
            }
            other => {
                cx.error_spanned_by(other, format_args!("expected a path\n{EXPECTED}"));
                return None;
            }
        },
        other => {
            cx.error_spanned_by(other, format_args!("expected a path\n{EXPECTED}"));
            return None;
        }
    };
    // A crate is named by a plain path: `genserver::<u8>` is the path of
    // no crate, and the generated paths would not parse after it.
    if path
        .segments
        .iter()
        .any(|segment| !segment.arguments.is_none())
    {
        cx.error_spanned_by(
            expr,
            format_args!("a crate's path takes no generic arguments\n{EXPECTED}"),
        );
        return None;
    }
    Some(path)
}

/// `message = CounterMsg`: one identifier.
fn type_name(cx: &Ctxt, opt: &Opt) -> Option<Ident> {
    let expected = format!(
        "write a type name, such as `{} = {}`",
        opt.key,
        if opt.key == MESSAGE {
            "CounterMsg"
        } else {
            "CounterHandle"
        }
    );
    let OptValue::Value(_, expr) = &opt.value else {
        cx.error_spanned_by(
            opt.tokens(),
            format_args!("`{}` needs a value\n{expected}", opt.key),
        );
        return None;
    };
    if let Expr::Path(path) = &**expr
        && path.qself.is_none()
        && path.attrs.is_empty()
        && let Some(ident) = path.path.get_ident()
    {
        // `Self`, `crate`, `super` and `self` parse as paths, but name
        // nothing the macro can define.
        if syn::parse2::<Ident>(ident.to_token_stream()).is_err() {
            cx.error_spanned_by(
                ident,
                format_args!(
                    "`{ident}` is a keyword, not a name for the {}\n{expected}",
                    if opt.key == MESSAGE {
                        "message enum"
                    } else {
                        "client"
                    }
                ),
            );
            return None;
        }
        return Some(ident.clone());
    }
    cx.error_spanned_by(expr, format_args!("expected an identifier\n{expected}"));
    None
}
