//! From the user's block to the model. Only what makes a model impossible
//! is reported here; the rules about what the model may contain are in
//! `validate.rs`.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{
    FnArg, GenericArgument, GenericParam, ImplItem, ImplItemFn, ItemImpl, PathArguments, Type,
    TypePath,
};

use crate::args::Args;
use crate::attr::{Marker, Role};
use crate::ctxt::Ctxt;
use crate::model::{Handler, HandlerKind, Input, InputKind, Method, Server};
use crate::{names, ty};

/// The model of `item`, or `None` (with the error recorded) when the block
/// is not something a server can be made of.
pub(crate) fn server<'a>(
    cx: &Ctxt,
    item: &'a ItemImpl,
    args: &Args,
    markers: Vec<Option<Marker>>,
) -> Option<Server<'a>> {
    let ident = self_ident(cx, item)?;
    let krate = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::genserver));
    let (private, private_import) = private_path(ident, args.krate.as_ref());
    let mut server = Server {
        item,
        krate,
        private,
        private_import,
        ident,
        message: names::message(ident, args),
        client: names::client(ident, args),
        handlers: Vec::new(),
        inits: Vec::new(),
        terminates: Vec::new(),
        methods: Vec::new(),
        type_params: item.generics.type_params().map(|p| &p.ident).collect(),
    };
    for (item, marker) in item.items.iter().zip(markers) {
        let ImplItem::Fn(func) = item else { continue };
        server.methods.push(func);
        let Some(marker) = marker else { continue };
        let role = marker.role;
        let method = method(func, marker, args.krate.as_ref());
        match role {
            Role::Call => server.handlers.push(handler(method, HandlerKind::Call)),
            Role::Cast => server.handlers.push(handler(method, HandlerKind::Cast)),
            Role::Info => server.handlers.push(handler(method, HandlerKind::Info)),
            Role::Init => server.inits.push(method),
            Role::Terminate => server.terminates.push(method),
        }
    }
    Some(server)
}

/// The path of the runtime's `__private` module in generated code, and
/// the import that names it under `crate = path`. rustc reports an import
/// that does not resolve once, and nothing of what goes through it, so a
/// `path` that is not the runtime is one error at the user's path.
fn private_path(ident: &Ident, given: Option<&syn::Path>) -> (syn::Path, Option<TokenStream>) {
    let Some(given) = given else {
        return (syn::parse_quote!(::genserver::__private), None);
    };
    let alias = format_ident!("__genserver_private_{}", names::unraw(ident));
    let span = given
        .segments
        .last()
        .map_or_else(Span::call_site, |last| last.ident.span());
    let module = Ident::new("__private", span);
    let import = quote_spanned! {span=>
        #[allow(unused_imports)]
        use #given::#module as #alias;
    };
    (syn::parse_quote!(#alias), Some(import))
}

/// `Counter` in `impl Counter`; `None` for a trait impl or a self type
/// that is not a named type.
fn self_ident<'a>(cx: &Ctxt, item: &'a ItemImpl) -> Option<&'a syn::Ident> {
    if let Some((bang, path, for_token)) = trait_of(item) {
        // The macro implements `GenServer` itself and makes an inherent
        // client API; a trait impl has room for neither.
        cx.error_spanned_by(
            quote!(#bang #path #for_token),
            "`#[genserver]` goes on an inherent `impl` block, not on a trait impl\n\
             write `impl Server { ... }` and mark its methods `#[call]`, `#[cast]` or `#[info]`",
        );
        return None;
    }
    if let Some(word) = self_in(item.self_ty.to_token_stream()) {
        // rustc refuses it too, but only after the macro has copied the
        // type into every item it makes, each copy an error of its own;
        // and `ReplaceSelf`, which puts the self type where `Self` was,
        // would find a `Self` in each copy it put there, for ever.
        cx.error_spanned_by(
            word,
            "`Self` is not valid in the type an `impl` block is for\n\
             name the type itself, such as `impl Counter<u64>`",
        );
        return None;
    }
    match ty::peel(&item.self_ty) {
        Type::Path(TypePath {
            qself: None, path, ..
        }) => path.segments.last().map(|segment| &segment.ident),
        other => {
            cx.error_spanned_by(
                other,
                "`#[genserver]` needs a named type, such as `impl Counter`\nput it on the `impl` block of the server's own struct or enum",
            );
            None
        }
    }
}

/// The first `Self` among `tokens`.
fn self_in(tokens: TokenStream) -> Option<proc_macro2::Ident> {
    tokens.into_iter().find_map(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) if ident == "Self" => Some(ident),
        proc_macro2::TokenTree::Group(group) => self_in(group.stream()),
        _ => None,
    })
}

fn trait_of(item: &ItemImpl) -> Option<(Option<syn::Token![!]>, &syn::Path, syn::Token![for])> {
    item.trait_
        .as_ref()
        .map(|(path, for_token)| (item.modifiers.polarity, path, *for_token))
}

fn handler(method: Method<'_>, kind: HandlerKind) -> Handler<'_> {
    Handler {
        variant: names::variant(method.ident()),
        method,
        kind,
    }
}

fn method<'a>(func: &'a ImplItemFn, marker: Marker, krate: Option<&syn::Path>) -> Method<'a> {
    let mut receiver = None;
    let mut inputs = Vec::new();
    for arg in &func.sig.inputs {
        match arg {
            FnArg::Receiver(r) => receiver = Some(r),
            FnArg::Typed(arg) => {
                let kind = if let Some(shape) = ty::context_shape(&arg.ty, krate) {
                    InputKind::Context(shape)
                } else if let Some(reply) = ty::reply_type(&arg.ty, krate) {
                    InputKind::Reply(reply)
                } else if ty::is_exit_reason_ref(&arg.ty) {
                    InputKind::Reason
                } else {
                    InputKind::Plain
                };
                inputs.push(Input { arg, kind });
            }
        }
    }
    Method {
        func,
        marker,
        receiver,
        inputs,
    }
}

/// Lifetime parameters of the impl, which a server cannot have.
pub(crate) fn lifetime_params(item: &ItemImpl) -> impl Iterator<Item = &GenericParam> {
    item.generics
        .params
        .iter()
        .filter(|param| matches!(param, GenericParam::Lifetime(_)))
}

/// The first lifetime of the self type that is not `'static` (`'_` in
/// `impl Greeter<'_>`, or the `&str` of `impl Holder<&str>`), as tokens
/// to report at.
pub(crate) fn elided_lifetime(item: &ItemImpl) -> Option<TokenStream> {
    let borrow = ty::find_borrow(&item.self_ty)?;
    let Type::Path(path) = borrow else {
        return Some(borrow.to_token_stream());
    };
    let lifetime = path.path.segments.iter().find_map(|segment| {
        let PathArguments::AngleBracketed(args) = &segment.arguments else {
            return None;
        };
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::Lifetime(lifetime) if lifetime.ident != "static" => Some(lifetime),
            _ => None,
        })
    });
    Some(lifetime.map_or_else(|| borrow.to_token_stream(), ToTokens::to_token_stream))
}

/// Whether a type parameter of the block appears neither in the server's
/// type nor in any bound that could tie it to one that does (`impl<T>
/// Counter`): rustc refuses such a block at the parameter, and every item
/// generated with the block's generics would add an error of its own.
pub(crate) fn has_unconstrained_type_params(item: &ItemImpl) -> bool {
    let mut tied = TokenStream::new();
    item.self_ty.to_tokens(&mut tied);
    item.generics.where_clause.to_tokens(&mut tied);
    for param in &item.generics.params {
        if let GenericParam::Type(ty) = param {
            ty.bounds.to_tokens(&mut tied);
        }
    }
    item.generics
        .type_params()
        .any(|param| !mentions(tied.clone(), &param.ident))
}

/// Whether `tokens` name `ident` anywhere, inside groups too.
fn mentions(tokens: TokenStream, ident: &Ident) -> bool {
    tokens.into_iter().any(|tree| match tree {
        TokenTree::Ident(found) => found == *ident,
        TokenTree::Group(group) => mentions(group.stream(), ident),
        TokenTree::Punct(_) | TokenTree::Literal(_) => false,
    })
}

/// Whether the server has a lifetime, as a parameter or elided in its
/// type: then it cannot be a server at all.
pub(crate) fn has_lifetimes(item: &ItemImpl) -> bool {
    lifetime_params(item).next().is_some() || elided_lifetime(item).is_some()
}
