//! From a valid model to tokens. Nothing here can fail: every rule was
//! checked by `validate.rs`, and whatever the model still holds that a
//! rule would reject is skipped rather than trusted.

mod client;
mod dispatch;
mod docs;
mod fallback;
mod message;
mod visibility;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Attribute, Expr, Generics, Ident, Item, Pat, PatType, Type, Visibility};

use crate::ctxt::Ctxt;
use crate::model::{Handler, HandlerKind, Method, Server};
use crate::ty::{self, ReplaceSelf};
use crate::{args, attr, names, parse, validate};

/// The whole macro: parse, validate, then generate, or on any error the
/// user's block, the errors and what `fallback` can still generate.
pub(crate) fn genserver(args: TokenStream, input: TokenStream) -> TokenStream {
    // Mistakes in the arguments do not make the block less valid: with a
    // valid block, the full expansion goes out beside them.
    let args_cx = Ctxt::new();
    let args = args::parse(&args_cx, args);
    let cx = Ctxt::new();
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            cx.syn_error(error);
            let input = attr::strip_markers(input, args.krate.as_ref());
            return with_errors(input, args_cx, cx);
        }
    };
    let Item::Impl(mut item) = item else {
        cx.error_spanned_by(
            item_head(&item),
            "`#[genserver]` goes on an `impl` block\n\
             write `#[genserver] impl Server { ... }` and mark its methods `#[call]`, `#[cast]` or `#[info]`",
        );
        return with_errors(item.into_token_stream(), args_cx, cx);
    };
    // Like a mistake in the arguments, it leaves the block as valid.
    attr::strip_duplicate_genserver(&args_cx, &mut item);
    let unmarked = item.clone();
    let markers = attr::strip(&cx, &mut item, args.krate.as_ref());
    validate::complete_bare_contexts(&cx, &mut item, &markers, args.krate.as_ref());
    let server = parse::server(&cx, &item, &args, markers);
    if let Some(server) = &server {
        validate::check(&cx, server);
        if !validate::generated_names_clash(server) && !validate::sound::method_names(server) {
            return beside_renamed_methods(unmarked, &args, args_cx, cx);
        }
    }
    let import = server
        .as_ref()
        .and_then(|server| server.private_import.clone())
        .unwrap_or_default();
    let generated = match server {
        // rustc's error at the parameter is the whole story: items
        // generated with the block's generics would each add another.
        Some(server) if parse::has_unconstrained_type_params(server.item) => {
            fallback::name_stubs(&server)
        }
        Some(server) if !cx.has_errors() => {
            let mut g = Gen::new(&server);
            g.require_send_messages();
            let mut generated = import;
            generated.extend(generate(&g));
            let mut tokens = block_tokens(server.item);
            tokens.extend(beside_the_block(server.item, generated));
            return with_errors(tokens, args_cx, cx);
        }
        // Stubs under names that clash would only add errors about them.
        Some(server) if validate::generated_names_clash(&server) => TokenStream::new(),
        Some(server) => fallback::beside_errors(server),
        None => TokenStream::new(),
    };
    let mut beside = import;
    beside.extend(generated);
    let mut tokens = with_errors(block_tokens(&item), args_cx, cx);
    tokens.extend(beside_the_block(&item, beside));
    tokens
}

/// `generated`, each item under the block's `#[cfg]`s and `#[allow]`s
/// ([`attr::block_part`]).
fn beside_the_block(block: &syn::ItemImpl, generated: TokenStream) -> TokenStream {
    let carried: Vec<Attribute> = block.attrs.iter().filter_map(attr::block_part).collect();
    if carried.is_empty() {
        return generated;
    }
    let Ok(mut file) = syn::parse2::<syn::File>(generated.clone()) else {
        return generated;
    };
    for item in &mut file.items {
        if let Some(attrs) = item_attrs(item) {
            attrs.splice(0..0, carried.iter().cloned());
        }
    }
    file.into_token_stream()
}

/// The attributes of an item of the kinds the macro generates.
fn item_attrs(item: &mut Item) -> Option<&mut Vec<Attribute>> {
    match item {
        Item::Const(item) => Some(&mut item.attrs),
        Item::Enum(item) => Some(&mut item.attrs),
        Item::Fn(item) => Some(&mut item.attrs),
        Item::Impl(item) => Some(&mut item.attrs),
        Item::Mod(item) => Some(&mut item.attrs),
        Item::Static(item) => Some(&mut item.attrs),
        Item::Struct(item) => Some(&mut item.attrs),
        Item::Trait(item) => Some(&mut item.attrs),
        Item::Type(item) => Some(&mut item.attrs),
        Item::Use(item) => Some(&mut item.attrs),
        _ => None,
    }
}

/// The user's block as written, but for `impl<>` where it declares no
/// generics, spanning the block as the generated items' generics do
/// (`Gen::impl_parts`). A name that is not in scope, written in a generic
/// argument of a handler's signature (`to: Vec<Moment>`), is then the
/// same error in the block as in the generated code, which rustc reports
/// once, and not a second time with a suggestion to write `impl<Moment>`.
fn block_tokens(item: &syn::ItemImpl) -> TokenStream {
    let tokens = item.to_token_stream();
    if item.generics.lt_token.is_some() {
        return tokens;
    }
    let (open, close) = (item.impl_token.span, item.brace_token.span.close());
    let mut spliced = TokenStream::new();
    let mut pending = true;
    for tree in tokens {
        let is_impl = matches!(&tree, proc_macro2::TokenTree::Ident(ident) if ident == "impl");
        spliced.extend([tree]);
        if pending && is_impl {
            pending = false;
            spliced.extend(quote_spanned!(open=> <));
            spliced.extend(quote_spanned!(close=> >));
        }
    }
    spliced
}

/// The block, with its methods named like a generated function renamed
/// out of the way, and what `fallback` generates for it, beside the
/// errors about those names (and any others): the user's code that calls
/// `Counter::start(..)` then finds the generated one, instead of adding
/// an error about the user's method to the one about its name.
fn beside_renamed_methods(
    mut item: syn::ItemImpl,
    args: &args::Args,
    args_cx: Ctxt,
    cx: Ctxt,
) -> TokenStream {
    for item in &mut item.items {
        if let syn::ImplItem::Fn(func) = item
            && names::SERVER_FUNCTIONS
                .iter()
                .any(|name| names::is(&func.sig.ident, name))
        {
            func.sig.ident = names::out_of_the_way(&func.sig.ident);
            func.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
        }
    }
    // Everything here was reported already, from the block as written.
    let reported = Ctxt::new();
    let markers = attr::strip(&reported, &mut item, args.krate.as_ref());
    let generated = parse::server(&reported, &item, args, markers)
        .map(|server| {
            let mut tokens = server.private_import.clone().unwrap_or_default();
            tokens.extend(fallback::beside_errors(server));
            tokens
        })
        .unwrap_or_default();
    let generated = beside_the_block(&item, generated);
    let mut tokens = with_errors(item.into_token_stream(), args_cx, cx);
    tokens.extend(generated);
    tokens
}

fn with_errors(mut tokens: TokenStream, args_cx: Ctxt, cx: Ctxt) -> TokenStream {
    let errors = [args_cx.check(), cx.check()];
    for error in errors.into_iter().filter_map(Result::err) {
        tokens.extend(error.into_compile_error());
    }
    tokens
}

/// The first tokens of an item, up to its name: where an error about the
/// item as a whole points.
fn item_head(item: &Item) -> TokenStream {
    match item {
        Item::Fn(f) => {
            let (t, i) = (&f.sig.fn_token, &f.sig.ident);
            quote!(#t #i)
        }
        Item::Struct(s) => {
            let (t, i) = (&s.struct_token, &s.ident);
            quote!(#t #i)
        }
        Item::Enum(e) => {
            let (t, i) = (&e.enum_token, &e.ident);
            quote!(#t #i)
        }
        Item::Trait(t) => {
            let (k, i) = (&t.trait_token, &t.ident);
            quote!(#k #i)
        }
        Item::Mod(m) => {
            let (k, i) = (&m.mod_token, &m.ident);
            quote!(#k #i)
        }
        other => other.to_token_stream(),
    }
}

/// Everything the macro adds beside the user's block.
fn generate(g: &Gen<'_>) -> TokenStream {
    let message = message::definition(g);
    let client = client::definition(g);
    let client_methods = client::methods(g);
    let start = client::start(g);
    let from = message::from_impls(g);
    let message_debug = message::debug_impl(g);
    let client_impls = client::trait_impls(g);
    let gen_server = dispatch::gen_server(g);
    let send_checks = &g.send_checks;
    quote! {
        #send_checks
        #message
        #client
        #client_methods
        #start
        const _: () = {
            #gen_server
            #message_debug
            #client_impls
            #from
        };
    }
}

/// What every part of the expansion needs, computed once.
struct Gen<'a> {
    server: &'a Server<'a>,
    /// `::genserver::__private`.
    private: TokenStream,
    /// The impl's generics, `Self` replaced.
    generics: Generics,
    /// The visibility of the message enum, the client and `start`.
    vis: Visibility,
    /// The user's token that `vis` comes from: where a server type less
    /// visible than that is reported.
    vis_span: Span,
    /// Whether the message enum needs its phantom variant.
    phantom: bool,
    /// One entry per handler.
    handlers: Vec<HandlerParts<'a>>,
    /// What `init`, `Args` and `start` are made from, in each
    /// configuration.
    inits: Vec<InitParts<'a>>,
    /// Items that check that what the messages carry is `Send`.
    send_checks: TokenStream,
}

/// The `#[init]` of one configuration, or none: `start`'s arguments and
/// the `GenServer` items that depend on them.
struct InitParts<'a> {
    init: Option<&'a Method<'a>>,
    /// As for handlers: the `#[init]`'s own, or, beside `#[init]`s that
    /// all have one, the `#[cfg]` under which none of them is compiled.
    cfgs: Vec<Attribute>,
}

impl<'a> InitParts<'a> {
    /// One per `#[init]`, and one without when there is none, or when
    /// every `#[init]` may be compiled out.
    fn all(server: &'a Server<'a>) -> Vec<Self> {
        let mut all: Vec<_> = server
            .inits
            .iter()
            .map(|init| InitParts {
                init: Some(init),
                cfgs: init.attrs().iter().filter_map(attr::cfg_part).collect(),
            })
            .collect();
        if all.iter().all(|parts| !parts.cfgs.is_empty()) {
            let predicates = all.iter().map(|parts| {
                let each = parts.cfgs.iter().map(attr::cfg_predicate);
                quote!(all(#(#each),*))
            });
            let cfgs = if all.is_empty() {
                Vec::new()
            } else {
                vec![syn::parse_quote!(#[cfg(not(any(#(#predicates),*)))])]
            };
            all.push(InitParts { init: None, cfgs });
        }
        all
    }
}

/// A handler's types and attributes as they move out of the impl block.
struct HandlerParts<'a> {
    handler: &'a Handler<'a>,
    /// The message fields (or the info message), `Self` replaced, with
    /// names for the client's parameters.
    fields: Vec<Field>,
    /// The reply type of a call, `Self` replaced.
    reply: Option<Type>,
    /// The expression of `#[call(timeout = ...)]`, `Self` replaced: the
    /// client evaluates it, and `Self` there is the client.
    timeout: Option<Expr>,
    /// `#[cfg]`s, and `#[cfg_attr]`s reduced to the `cfg`s they add: on
    /// everything generated from the handler.
    cfgs: Vec<Attribute>,
}

struct Field {
    /// The client's parameter: the user's name, or a generated one.
    name: Ident,
    ty: Type,
}

impl<'a> Gen<'a> {
    fn new(server: &'a Server<'a>) -> Self {
        let private = &server.private;
        let mut replace = ReplaceSelf {
            self_ty: &server.item.self_ty,
        };
        let mut generics = server.item.generics.clone();
        replace.visit_generics_mut(&mut generics);
        // A server and its messages cross tasks, so every type parameter is
        // `Send + 'static` in what the macro generates, whether or not the
        // user's block says so: a generic server works without repeating
        // the bounds, and a type that cannot be sent is reported where the
        // server is used with it.
        // A bound the user wrote is not repeated: clippy's
        // `trait_duplication_in_bounds` reads a `where` clause beside the
        // user's inline bounds as the user's own.
        if !server.type_params.is_empty() {
            let written = &server.item.generics;
            let predicates: Vec<syn::WherePredicate> = server
                .type_params
                .iter()
                .filter_map(|param| {
                    let send = (!ty::has_bound(written, param, ty::Bound::Send))
                        .then(|| quote!(#private::core::marker::Send));
                    let life = (!ty::has_bound(written, param, ty::Bound::Static))
                        .then(|| quote!('static));
                    let bounds: Vec<_> = send.into_iter().chain(life).collect();
                    (!bounds.is_empty()).then(|| syn::parse_quote!(#param: #(#bounds)+*))
                })
                .collect();
            if !predicates.is_empty() {
                generics.make_where_clause().predicates.extend(predicates);
            }
        }
        // A server crosses tasks, so it is `Send`. Saying so in every
        // generated item turns a state that is not `Send` into one error,
        // rustc's "cannot be sent between threads safely" with the field
        // that is not, instead of one per generated item. Only without
        // generics: then the bound names no parameter and is checked once.
        if server.item.generics.params.is_empty() {
            let self_ty = &server.item.self_ty;
            generics
                .make_where_clause()
                .predicates
                .push(syn::parse_quote!(
                    #self_ty: #private::core::marker::Send
                ));
        }
        let handlers: Vec<_> = server
            .handlers
            .iter()
            .map(|handler| HandlerParts::new(handler, &mut replace))
            .collect();
        let (vis, vis_span) = block_visibility(server);
        Gen {
            inits: InitParts::all(server),
            send_checks: TokenStream::new(),
            private: private.to_token_stream(),
            phantom: !server.type_params.is_empty() || handlers.is_empty(),
            generics,
            vis,
            vis_span,
            handlers,
            server,
        }
    }

    /// As for the state in [`Gen::new`], for what the messages carry: an
    /// argument or a reply that is not `Send` is one error naming it,
    /// instead of one per generated item that moves it between tasks.
    /// Only for handlers without errors, whose types are all owned.
    ///
    /// A `where` clause on the generated items says so for the types that
    /// cannot be higher-ranked, once per type; rustc finds two clauses
    /// about one higher-ranked type written two ways (`Job` and
    /// `Box<dyn FnOnce(&mut Self) + Send>`) ambiguous, and the macro cannot
    /// tell that they are one. The other types, and those of handlers under
    /// `#[cfg]` (whose types may exist only when they are compiled in), are
    /// checked each by a call of a function that requires `Send`, reported
    /// at the type too.
    fn require_send_messages(&mut self) {
        if !self.server.item.generics.params.is_empty() {
            return;
        }
        let private = &self.server.private;
        let check = Ident::new("__genserver_send", Span::mixed_site());
        let must = Ident::new("__genserver_must_be_send", Span::mixed_site());
        let mut seen = Vec::new();
        let mut checks = TokenStream::new();
        for parts in &self.handlers {
            let cfgs = &parts.cfgs;
            let carried = parts
                .fields
                .iter()
                .map(|field| &field.ty)
                .chain(&parts.reply);
            for ty in carried {
                // At the user's type: rustc reports an unmet bound of a
                // `where` clause at the predicate, which is then the
                // argument or the return type that is not `Send`, not the
                // attribute.
                let send = ty::respan(quote!(#private::core::marker::Send), ty.span());
                let predicate: syn::WherePredicate =
                    syn::parse_quote_spanned!(ty.span()=> #ty: #send);
                // Once per type: clippy's `type_repetition_in_bounds` reads
                // predicates at the user's spans as the user's own. Two
                // paths that end alike may be one alias written two ways.
                let text = ty.to_token_stream().to_string();
                let key = ty::bound_key(ty);
                if cfgs.is_empty() && seen.iter().any(|(seen, _)| *seen == text) {
                    continue;
                }
                if cfgs.is_empty()
                    && ty::cannot_be_higher_ranked(ty)
                    && !seen.iter().any(|(_, seen)| *seen == key)
                {
                    seen.push((text, key));
                    self.generics.make_where_clause().predicates.push(predicate);
                } else {
                    let call = quote_spanned!(ty.span()=> #must::<#ty>());
                    checks.extend(quote! {
                        #(#cfgs)*
                        const _: () = {
                            #[allow(dead_code)]
                            fn #check() {
                                #call;
                            }
                        };
                    });
                }
            }
        }
        if !checks.is_empty() {
            let send = quote!(#private::core::marker::Send);
            checks = quote! {
                const _: () = {
                    #[allow(dead_code)]
                    fn #must<T: ?Sized + #send>() {}
                    #checks
                };
            };
        }
        self.send_checks = checks;
    }

    /// The impl's generics, as generated items declare them, always in
    /// `<` `>` (`<>` without any), the two at the first and the last token
    /// of the user's block. rustc reports a name it cannot find in a
    /// generic argument (`ReplyTo<Foo>`, `From<Tick>`, `ServerRef<Nope>`)
    /// with a suggestion to declare it among the item's generics, unless
    /// the name is inside them: a type the user wrote once, which is not
    /// defined, is then one error, where the user wrote it, and not one
    /// more with a suggestion to write `S<Foo>`.
    ///
    /// With the `where` clause, the two parts of a generated item's `impl`
    /// header.
    fn impl_parts(&self) -> (TokenStream, Option<&syn::WhereClause>) {
        let (impl_generics, _, where_clause) = self.generics.split_for_impl();
        let mut tokens: Vec<proc_macro2::TokenTree> =
            impl_generics.to_token_stream().into_iter().collect();
        if tokens.is_empty() {
            tokens = quote!(<>).into_iter().collect();
        }
        let (open, close) = (
            self.server.item.impl_token.span,
            self.server.item.brace_token.span.close(),
        );
        if let Some(first) = tokens.first_mut() {
            first.set_span(open);
        }
        if let Some(last) = tokens.last_mut() {
            last.set_span(close);
        }
        (tokens.into_iter().collect(), where_clause)
    }

    /// A handler's docs for the client method or the message variant that
    /// carries them too, their `Self` links pointed at the server (see
    /// [`doc_links`](crate::doc_links)). `on_client`: links to a method the
    /// client has are kept.
    fn carried_docs(&self, docs: Vec<Attribute>, on_client: bool) -> Vec<Attribute> {
        let server = crate::doc_links::server_path(self.self_ty());
        let keeps = |name: &str| on_client && self.client_has(name);
        crate::doc_links::retarget(docs, server.as_deref(), &keeps)
    }

    /// Whether the client has a method `name`: a built-in one, or one
    /// mirroring a `#[call]` or `#[cast]`.
    fn client_has(&self, name: &str) -> bool {
        names::CLIENT_METHODS.contains(&name)
            || self.handlers.iter().any(|parts| {
                let handler = &parts.handler;
                let own = names::unraw(handler.method.ident());
                match handler.kind {
                    HandlerKind::Call => own == name,
                    HandlerKind::Cast => {
                        own == name || names::try_cast(handler.method.ident()) == name
                    }
                    HandlerKind::Info => false,
                }
            })
    }

    /// `Counter<K, V>`: the user's self type.
    fn self_ty(&self) -> &Type {
        &self.server.item.self_ty
    }

    /// `CounterMessage<K, V>`.
    fn message_ty(&self) -> TokenStream {
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let message = &self.server.message;
        quote!(#message #ty_generics)
    }

    /// `CounterClient<K, V>`.
    fn client_ty(&self) -> TokenStream {
        let (_, ty_generics, _) = self.generics.split_for_impl();
        let client = &self.server.client;
        quote!(#client #ty_generics)
    }

    /// `Self`-free types for the argument of `init`.
    fn replace_self(&self, ty: &Type) -> Type {
        ReplaceSelf {
            self_ty: self.self_ty(),
        }
        .ty(ty)
    }
}

impl<'a> HandlerParts<'a> {
    fn new(handler: &'a Handler<'a>, replace: &mut ReplaceSelf<'_>) -> Self {
        let method = &handler.method;
        let beside_user_code = matches!(method.timeout(), Some(attr::Timeout::Expr(_)));
        let fields = method
            .plain()
            .zip(param_names(method.plain()))
            .map(|(arg, name)| Field {
                name: if beside_user_code {
                    hidden_from_user_code(name)
                } else {
                    name
                },
                ty: replace.ty(&arg.ty),
            })
            .collect();
        let reply = match handler.kind {
            HandlerKind::Call => Some(match method.reply() {
                Some(reply) => replace.ty(reply),
                None => match &method.func.sig.output {
                    syn::ReturnType::Default => syn::parse_quote!(()),
                    syn::ReturnType::Type(_, ty) => replace.ty(ty),
                },
            }),
            HandlerKind::Cast | HandlerKind::Info => None,
        };
        let timeout = match method.timeout() {
            Some(attr::Timeout::Expr(expr)) => Some(replace.expr(expr)),
            _ => None,
        };
        let cfgs = method.attrs().iter().filter_map(attr::cfg_part).collect();
        HandlerParts {
            handler,
            fields,
            reply,
            timeout,
            cfgs,
        }
    }

    fn method(&self) -> &'a Method<'a> {
        &self.handler.method
    }

    /// `(A, B,)` of the message fields' types.
    fn field_tuple_ty(&self) -> TokenStream {
        let types = self.fields.iter().map(|f| &f.ty);
        quote!((#(#types,)*))
    }
}

/// Names for the client's (or `start`'s) parameters, as its docs show
/// them: the user's binding (`x` for `x`, `mut x`, `ref x`, `x @ ..`),
/// without leading underscores (`_unused` is used by the client, and
/// `clippy::used_underscore_binding` would say so), or `arg{n}` for `_`
/// and other patterns. Each name differs from the others and from
/// `start_with`'s `options`, so that the docs never show one name twice.
pub(crate) fn param_names<'a>(args: impl Iterator<Item = &'a PatType>) -> Vec<Ident> {
    let wanted: Vec<Option<Ident>> = args.map(user_param_name).collect();
    let mut taken: Vec<String> = wanted.iter().flatten().map(names::unraw).collect();
    taken.push("options".to_owned());
    let mut used: Vec<String> = vec!["options".to_owned()];
    wanted
        .into_iter()
        .enumerate()
        .map(|(n, name)| {
            let name = name
                .filter(|name| !used.contains(&names::unraw(name)))
                .unwrap_or_else(|| {
                    let mut name = format!("arg{n}");
                    while taken.contains(&name) || used.contains(&name) {
                        name.push('_');
                    }
                    Ident::new(&name, Span::mixed_site())
                });
            used.push(names::unraw(&name));
            name
        })
        .collect()
}

/// `name`, reported where the user wrote it but out of reach of the
/// user's own code: a `#[call(timeout = limit())]` evaluated beside an
/// argument named `limit` still calls the user's function. Only where
/// such code is: rustc then no longer underlines the argument's type
/// with its name in its notes.
fn hidden_from_user_code(mut name: Ident) -> Ident {
    name.set_span(Span::mixed_site().located_at(name.span()));
    name
}

/// The name the user gave an argument, if a usable one.
fn user_param_name(arg: &PatType) -> Option<Ident> {
    let Pat::Ident(pat) = &*arg.pat else {
        return None;
    };
    let ident = &pat.ident;
    let name = names::unraw(ident);
    let trimmed = name.trim_start_matches('_');
    if name == "self" || trimmed.is_empty() {
        return None;
    }
    if trimmed.len() == name.len() {
        return Some(ident.clone());
    }
    // `_type` is not `type`: parsing refuses keywords and digits first,
    // which `Ident::new` would panic on. syn does not know edition 2024's
    // `gen`.
    if trimmed == "gen" {
        return None;
    }
    let mut ident = syn::parse_str::<Ident>(trimmed).ok()?;
    ident.set_span(pat.ident.span());
    Some(ident)
}

/// The visibility of the generated enum and client: the widest of the
/// handlers' and `#[init]`'s, by [`visibility::widest`].
fn block_visibility(server: &Server<'_>) -> (Visibility, Span) {
    visibility::widest(
        server
            .handlers
            .iter()
            .map(|h| h.method.vis())
            .chain(server.inits.iter().map(Method::vis)),
    )
}

/// The lints that generated items would raise because they mirror the
/// user's signatures: a handler's arguments become a client method's
/// (`too_many_arguments`), `start`'s and a variant's fields
/// (`type_complexity`). The user's handler answers to them; its copies
/// cannot be changed apart from it, and an `allow` on the handler does not
/// reach them.
fn mirrored_signature_lints() -> TokenStream {
    quote!(#[allow(clippy::too_many_arguments, clippy::type_complexity)])
}

/// `#[doc = "..."]` for each line.
fn doc_attrs(lines: &[String]) -> TokenStream {
    lines
        .iter()
        .map(|line| {
            let line = if line.is_empty() {
                String::new()
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        })
        .collect()
}
