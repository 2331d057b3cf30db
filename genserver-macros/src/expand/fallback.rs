//! What the macro emits beside its errors: the expansion of every part of
//! the block that broke no rule, so that code using the server (`start`,
//! the valid handlers' client methods, `stop`) and the handlers' own
//! `&mut Context<Self>` do not add a wall of follow-on errors to the real
//! ones; stubs of the message enum, the client and `impl GenServer` where
//! that cannot be done; and a stub client method for each `#[call]` and
//! `#[cast]` left out, so that the code calling it finds it.

use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::visit_mut::VisitMut;
use syn::{GenericParam, Type};

use super::Gen;
use crate::attr::{self, Role};
use crate::model::{Handler, HandlerKind, Server};
use crate::ty::{self, ReplaceSelf};
use crate::{names, parse, validate};

pub(super) fn beside_errors(mut server: Server<'_>) -> TokenStream {
    if parse::has_lifetimes(server.item) {
        // `impl GenServer` would add errors of its own (a server is
        // `'static`): stub the names only.
        return name_stubs(&server);
    }
    // What the whole block asks for: a handler left out must not make the
    // enum or the client narrower than the server's public API.
    let (vis, vis_span) = super::block_visibility(&server);
    // A type of the user's has the enum's name: the enum takes another,
    // so that code naming the type finds the user's.
    if validate::message_enum_named_by_an_argument(&server) {
        server.message = syn::Ident::new(
            &format!("__Genserver{}", names::unraw(&server.message)),
            server.message.span(),
        );
    }
    let Some(left_out) = keep_sound_parts(&mut server) else {
        let mut tokens = stubs(&server);
        let g = Gen::new(&server);
        let all: Vec<&Handler<'_>> = server.handlers.iter().collect();
        tokens.extend(client_method_stubs(&g, &all, &[]));
        tokens.extend(start_stub(&g));
        tokens.extend(builtin_client_methods(&g));
        return tokens;
    };
    let mut g = Gen::new(&server);
    g.vis = vis;
    g.vis_span = vis_span;
    g.require_send_messages();
    let mut tokens = super::generate(&g);
    let kept: Vec<&Handler<'_>> = server.handlers.iter().collect();
    let left_out: Vec<&Handler<'_>> = left_out.iter().collect();
    tokens.extend(client_method_stubs(&g, &left_out, &kept));
    tokens
}

/// Leaves in `server` only what breaks no rule: the handlers without
/// errors that generate nothing another one does, the first `#[init]`
/// and `#[terminate]` (or all, when they are one per configuration), the
/// latter dropped if any has errors; the handlers left out. `None` when
/// `start` cannot be generated as the user will call it: a method named
/// `start` left in the block (`expand` renames them before it gets
/// here), or an `#[init]` with errors (its arguments are `start`'s).
fn keep_sound_parts<'a>(server: &mut Server<'a>) -> Option<Vec<Handler<'a>>> {
    if !validate::sound::method_names(server) {
        return None;
    }
    if !validate::sound::at_most_one(&server.inits, Role::Init) {
        server.inits.truncate(1);
    }
    if server
        .inits
        .iter()
        .any(|init| !validate::sound::init(server, init))
    {
        return None;
    }
    if !validate::sound::at_most_one(&server.terminates, Role::Terminate) {
        server.terminates.truncate(1);
    }
    let sound: Vec<bool> = server
        .terminates
        .iter()
        .map(|terminate| validate::sound::terminate(server, terminate))
        .collect();
    if sound.contains(&false) {
        server.terminates.clear();
    }
    let sound: Vec<bool> = server
        .handlers
        .iter()
        .map(|handler| {
            validate::sound::handler(server, handler)
                && !validate::sound::named_like_a_try_cast(server, handler)
        })
        .collect();
    let all = std::mem::take(&mut server.handlers);
    let mut left_out = Vec::new();
    for (handler, sound) in all.into_iter().zip(sound) {
        if !sound {
            left_out.push(handler);
            continue;
        }
        server.handlers.push(handler);
        if !validate::sound::distinct_handlers(server)
            && let Some(handler) = server.handlers.pop()
        {
            left_out.push(handler);
        }
    }
    Some(left_out)
}

/// A client method for each `#[call]` and `#[cast]` in `left_out`, with
/// the handler's name, visibility and arguments, that is never run: the
/// block has errors, so the program does not compile. Code that calls the
/// handler then finds it, and the macro's error about the handler is the
/// only one. None where it would clash with another client method (the
/// handler's error is then about its name) or where its types would add
/// errors of their own.
fn client_method_stubs(
    g: &Gen<'_>,
    left_out: &[&Handler<'_>],
    kept: &[&Handler<'_>],
) -> TokenStream {
    let mut taken: Vec<String> = names::CLIENT_METHODS
        .iter()
        .chain(
            names::TRAIT_METHODS_BY_VALUE
                .iter()
                .map(|method| &method.name),
        )
        .map(|name| (*name).to_owned())
        .collect();
    for handler in kept {
        let name = handler.method.ident();
        match handler.kind {
            HandlerKind::Call => taken.push(names::unraw(name)),
            HandlerKind::Cast => {
                taken.push(names::unraw(name));
                taken.push(names::unraw(&names::try_cast(name)));
            }
            HandlerKind::Info => {}
        }
    }
    let mut methods = TokenStream::new();
    for handler in left_out {
        if handler.kind == HandlerKind::Info {
            continue;
        }
        let name = handler.method.ident();
        let mut wanted = vec![names::unraw(name)];
        if handler.kind == HandlerKind::Cast {
            wanted.push(names::unraw(&names::try_cast(name)));
        }
        // A method renamed out of the way of `start`.
        let renamed = wanted[0].starts_with("__genserver_user_");
        if renamed || wanted.iter().any(|name| taken.contains(name)) {
            continue;
        }
        if let Some(stub) = client_method_stub(g, handler) {
            taken.extend(wanted);
            methods.extend(stub);
        }
    }
    if methods.is_empty() {
        return methods;
    }
    on_the_client(g, &methods)
}

/// `methods` in an `impl` block of the client that no lint reads.
fn on_the_client(g: &Gen<'_>, methods: &TokenStream) -> TokenStream {
    let client_ty = g.client_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    quote! {
        #[allow(dead_code, clippy::all)]
        impl #impl_generics #client_ty #where_clause {
            #methods
        }
    }
}

fn client_method_stub(g: &Gen<'_>, handler: &Handler<'_>) -> Option<TokenStream> {
    let private = &g.private;
    let method = &handler.method;
    let vis = method.vis();
    let name = method.ident();
    let mut generics = method.func.sig.generics.clone();
    ReplaceSelf {
        self_ty: g.self_ty(),
    }
    .visit_generics_mut(&mut generics);
    let declared: Vec<String> = generics
        .lifetimes()
        .map(|param| param.lifetime.ident.to_string())
        .collect();
    // `state: &mut Self` in place of `self` is not an argument.
    let state = validate::explicit_state(g.server, method);
    let types: Vec<Type> = method
        .plain()
        .filter(|arg| state.is_none_or(|state| !std::ptr::eq(state, *arg)))
        .map(|arg| g.replace_self(&arg.ty))
        .collect();
    let reply = (handler.kind == HandlerKind::Call).then(|| match method.reply() {
        Some(reply) => g.replace_self(reply),
        None => match &method.func.sig.output {
            syn::ReturnType::Default => syn::parse_quote!(()),
            // Reported at the handler; as a reply, `!` is an unstable type.
            syn::ReturnType::Type(_, ty) if ty::is_never(ty) => {
                syn::parse_quote!(())
            }
            syn::ReturnType::Type(_, ty) => g.replace_self(ty),
        },
    });
    // A lifetime the handler does not declare, or a type without a size,
    // is reported at the handler already; an `impl Trait` or `_` reply
    // could not be inferred.
    let undeclared = types
        .iter()
        .chain(&reply)
        .any(|ty| ty::is_unsized(ty) || has_undeclared_lifetime(ty.to_token_stream(), &declared));
    if undeclared
        || reply.as_ref().is_some_and(ty::has_impl_trait_or_infer)
        || types.iter().any(ty::has_placeholder)
    {
        return None;
    }
    let (fn_generics, _, where_clause) = generics.split_for_impl();
    let cfgs: Vec<_> = method.attrs().iter().filter_map(attr::cfg_part).collect();
    let doc = "Not generated: `#[genserver]` reported errors about this handler.";
    let result = quote!(#private::core::result::Result);
    let pending = quote!(#private::core::future::pending().await);
    let message_ty = g.message_ty();
    if let Some(reply) = reply {
        return Some(quote! {
            #(#cfgs)*
            #[doc = #doc]
            #vis async fn #name #fn_generics (&self, #(_: #types),*)
                -> #result<#reply, #private::CallError> #where_clause
            {
                #pending
            }
        });
    }
    let try_name = names::try_cast(name);
    Some(quote! {
        #(#cfgs)*
        #[doc = #doc]
        #vis async fn #name #fn_generics (&self, #(_: #types),*)
            -> #result<(), #private::SendError<#message_ty>> #where_clause
        {
            #pending
        }

        #(#cfgs)*
        #[doc = #doc]
        #vis fn #try_name #fn_generics (&self, #(_: #types),*)
            -> #result<(), #private::TrySendError<#message_ty>> #where_clause
        {
            loop {}
        }
    })
}

/// The methods every client has, on the stub client.
fn builtin_client_methods(g: &Gen<'_>) -> TokenStream {
    on_the_client(g, &super::client::builtin_methods(g))
}

/// `start` and `start_with` beside an `#[init]` with errors, taking its
/// arguments as written and never run, so that the code starting the
/// server finds them. None where a method of the block is named like them,
/// or where the arguments' types would add errors of their own.
fn start_stub(g: &Gen<'_>) -> TokenStream {
    let server = g.server;
    let Some(init) = server.inits.first() else {
        return TokenStream::new();
    };
    if !validate::sound::method_names(server) {
        return TokenStream::new();
    }
    let types: Vec<Type> = init.plain().map(|arg| g.replace_self(&arg.ty)).collect();
    if types
        .iter()
        .any(|ty| ty::is_unsized(ty) || has_undeclared_lifetime(ty.to_token_stream(), &[]))
    {
        return TokenStream::new();
    }
    let private = &g.private;
    let vis = &g.vis;
    let self_ty = g.self_ty();
    let client_ty = g.client_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let cfgs: Vec<_> = init.attrs().iter().filter_map(attr::cfg_part).collect();
    let result = quote!(#private::core::result::Result<#client_ty, #private::StartError>);
    let doc = "Not generated: `#[genserver]` reported errors about `#[init]`.";
    quote! {
        #(#cfgs)*
        #[allow(dead_code, clippy::all)]
        impl #impl_generics #self_ty #where_clause {
            #[doc = #doc]
            #vis async fn start(#(_: #types),*) -> #result {
                #private::core::future::pending().await
            }

            #[doc = #doc]
            #vis async fn start_with(#(_: #types,)* _: #private::StartOptions) -> #result {
                #private::core::future::pending().await
            }
        }
    }
}

/// Whether `tokens` name a lifetime other than `'static`, `'_` and those
/// in `declared`.
fn has_undeclared_lifetime(tokens: TokenStream, declared: &[String]) -> bool {
    let mut after_quote = false;
    tokens.into_iter().any(|tree| {
        let undeclared = match &tree {
            TokenTree::Ident(ident) if after_quote => {
                let name = ident.to_string();
                name != "static" && name != "_" && !declared.contains(&name)
            }
            TokenTree::Group(group) => has_undeclared_lifetime(group.stream(), declared),
            _ => false,
        };
        after_quote = matches!(&tree, TokenTree::Punct(punct) if punct.as_char() == '\'');
        undeclared
    })
}

/// The enum, the client and `impl GenServer` without any handler.
fn stubs(server: &Server<'_>) -> TokenStream {
    let g = Gen::new(server);
    let private = &g.private;
    let vis = &g.vis;
    let message = &server.message;
    let client = &server.client;
    let self_ty = g.self_ty();
    let message_ty = g.message_ty();
    let client_ty = g.client_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let type_params = &server.type_params;
    let phantom = names::phantom_variant();
    let never = names::never_local();
    let field = names::server_field();
    let name = names::unraw(server.ident);
    let unreachable = quote!(#private::core::unreachable!("`#[genserver]` reported errors"));
    let server_ty = super::client::server_assoc_type(&g);
    quote! {
        /// Not generated: `#[genserver]` reported errors.
        #[allow(dead_code)]
        #vis enum #message #impl_generics #where_clause {
            #[doc(hidden)]
            #phantom(
                #private::core::marker::PhantomData<fn() -> (#(#type_params,)*)>,
                #private::core::convert::Infallible,
            ),
        }

        /// Not generated: `#[genserver]` reported errors.
        #[allow(dead_code)]
        #vis struct #client #impl_generics #where_clause {
            #field: #private::ServerRef<#self_ty>,
        }

        const _: () = {
            impl #impl_generics #private::GenServer for #self_ty #where_clause {
                type Args = ();
                type Message = #message_ty;
                type Client = #client_ty;
                const NAME: &'static str = #name;

                async fn init(
                    _: (),
                    _: &mut #private::Context<Self>,
                ) -> #private::core::result::Result<Self, #private::ExitReason> {
                    #unreachable
                }

                async fn handle(
                    &mut self,
                    #never: Self::Message,
                    _: &mut #private::Context<Self>,
                ) -> #private::core::result::Result<(), #private::ExitReason> {
                    match #never {
                        #message::#phantom(_, #never) => match #never {},
                    }
                }

                fn message_name(#never: &Self::Message) -> &'static str {
                    match #never {
                        #message::#phantom(_, #never) => match *#never {},
                    }
                }
            }

            impl #impl_generics #private::core::clone::Clone for #client_ty #where_clause {
                fn clone(&self) -> Self {
                    #unreachable
                }
            }

            impl #impl_generics #private::Client for #client_ty #where_clause {
                #server_ty

                fn from_server_ref(#never: #private::ServerRef<#self_ty>) -> Self {
                    Self { #field: #never }
                }

                fn server_ref(&self) -> &#private::ServerRef<#self_ty> {
                    &self.#field
                }
            }
        };
    }
}

/// The enum and the client without generics that could fail.
pub(super) fn name_stubs(server: &Server<'_>) -> TokenStream {
    let (vis, _) = super::block_visibility(server);
    let params: Vec<_> = server
        .item
        .generics
        .params
        .iter()
        .filter_map(|param| match param {
            GenericParam::Type(ty) => {
                let ident = &ty.ident;
                Some(quote!(#ident))
            }
            GenericParam::Const(konst) => {
                let (ident, ty) = (&konst.ident, &konst.ty);
                Some(quote!(const #ident: #ty))
            }
            GenericParam::Lifetime(_) => None,
        })
        .collect();
    let type_params = &server.type_params;
    let generics = if params.is_empty() {
        TokenStream::new()
    } else {
        quote!(<#(#params),*>)
    };
    let phantom = quote!(::core::marker::PhantomData<fn() -> (#(#type_params,)*)>);
    let message = &server.message;
    let client = &server.client;
    quote! {
        /// Not generated: `#[genserver]` reported errors.
        #[allow(dead_code)]
        #vis enum #message #generics {
            #[doc(hidden)]
            __Phantom(#phantom, ::core::convert::Infallible),
        }

        /// Not generated: `#[genserver]` reported errors.
        #[allow(dead_code)]
        #vis struct #client #generics {
            __genserver_stub: #phantom,
        }
    }
}
