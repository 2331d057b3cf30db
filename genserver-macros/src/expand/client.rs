//! The client: its struct, one method per `#[call]` and `#[cast]`, the
//! methods every client has, its trait impls, and `start` on the server.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;
use syn::spanned::Spanned;

use super::{Gen, HandlerParts, InitParts, doc_attrs, docs, mirrored_signature_lints, param_names};
use crate::attr::{self, Timeout};
use crate::model::HandlerKind;
use crate::{names, ty};

pub(super) fn definition(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let vis = &g.vis;
    let client = &g.server.client;
    let self_ty = g.self_ty();
    let field = names::server_field();
    let (impl_generics, where_clause) = g.impl_parts();
    let docs = doc_attrs(&docs::client_struct(g));
    quote! {
        #docs
        #vis struct #client #impl_generics #where_clause {
            #field: #private::ServerRef<#self_ty>,
        }
    }
}

/// The client's inherent methods. Dead-code analysis is off for them: a
/// program uses the methods it needs, and a private server's unused
/// `stop_with` is not a mistake.
pub(super) fn methods(g: &Gen<'_>) -> TokenStream {
    let client_ty = g.client_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let handlers = g
        .handlers
        .iter()
        .filter(|parts| parts.handler.kind != HandlerKind::Info)
        .map(|parts| handler_method(g, parts));
    let builtin = builtin_methods(g);
    let mirrored = mirrored_signature_lints();
    // `server_ref` and the like could be `const fn`, but a `const` client
    // method is a promise the runtime behind it does not make.
    quote! {
        #[allow(dead_code, clippy::missing_const_for_fn)]
        #mirrored
        impl #impl_generics #client_ty #where_clause {
            #(#handlers)*
            #builtin
        }
    }
}

/// The client method that mirrors one `#[call]` or `#[cast]`.
fn handler_method(g: &Gen<'_>, parts: &HandlerParts<'_>) -> TokenStream {
    let private = &g.private;
    let method = parts.method();
    let vis = method.vis();
    let name = method.ident();
    let field = names::server_field();
    let cfgs = &parts.cfgs;
    let forwarded = g.carried_docs(
        method
            .attrs()
            .iter()
            .filter_map(attr::client_part)
            .collect(),
        true,
    );
    let separator = if forwarded.iter().any(attr::has_doc) {
        Some(quote!(#[doc = ""]))
    } else {
        None
    };
    let docs = doc_attrs(&docs::client_method(g, parts));
    let params = parts.fields.iter().map(|field| {
        let (name, ty) = (&field.name, &field.ty);
        quote!(#name: #ty)
    });
    let names: Vec<_> = parts.fields.iter().map(|field| &field.name).collect();
    let message = message_path(g);
    let variant = &parts.handler.variant;
    let (output, body) = if parts.handler.kind == HandlerKind::Call {
        let reply = &parts.reply;
        let reply_local = names::reply_local();
        let timeout = timeout(g, parts);
        (
            quote!(#private::core::result::Result<#reply, #private::CallError>),
            quote! {
                self.#field
                    .call_with(
                        |#reply_local| #message::#variant((#(#names,)*), #reply_local),
                        self.#field.call_timeout(#timeout),
                    )
                    .await
            },
        )
    } else {
        let message_ty = g.message_ty();
        (
            quote!(#private::core::result::Result<(), #private::SendError<#message_ty>>),
            quote!(self.#field.send(#message::#variant((#(#names,)*))).await),
        )
    };
    let try_cast = (parts.handler.kind == HandlerKind::Cast).then(|| {
        let try_name = names::try_cast(name);
        let message_ty = g.message_ty();
        let params = parts.fields.iter().map(|field| {
            let (name, ty) = (&field.name, &field.ty);
            quote!(#name: #ty)
        });
        let docs = doc_attrs(&docs::try_cast_method(g, parts));
        let deprecated = method.attrs().iter().filter_map(attr::deprecated_part);
        // The handler's name and arguments are checked where the user
        // wrote them: a `GetValue` (or `_reset`, which makes
        // `try__reset`) warns once there, and an `allow` there silences it.
        quote! {
            #(#cfgs)*
            #(#deprecated)*
            #[allow(non_snake_case)]
            #docs
            #[allow(clippy::missing_errors_doc)]
            #vis fn #try_name(&self, #(#params),*)
                -> #private::core::result::Result<(), #private::TrySendError<#message_ty>>
            {
                self.#field.try_send(#message::#variant((#(#names,)*)))
            }
        }
    });
    quote! {
        #(#cfgs)*
        #(#forwarded)*
        #separator
        #docs
        // The docs have their `# Errors` section, but where the handler's
        // `pub` comes from a `macro_rules!`, clippy reads only the docs
        // written there.
        #[allow(clippy::missing_errors_doc)]
        // As for `try_`: the user's handler carries the naming lints.
        #[allow(non_snake_case)]
        #vis async fn #name(&self, #(#params),*) -> #output {
            #body
        }
        #try_cast
    }
}

/// `CounterMessage::<K, V>`, to build a variant.
fn message_path(g: &Gen<'_>) -> TokenStream {
    let message = &g.server.message;
    let (_, ty_generics, _) = g.generics.split_for_impl();
    let turbofish = ty_generics.as_turbofish();
    quote!(#message #turbofish)
}

/// The handler's default for `ServerRef::call_timeout`.
fn timeout(g: &Gen<'_>, parts: &HandlerParts<'_>) -> TokenStream {
    let private = &g.private;
    let option = quote!(#private::core::option::Option);
    match parts.method().timeout() {
        None => quote!(#option::None),
        Some(Timeout::Millis(millis, lit)) => quote_spanned! {lit.span()=>
            #option::Some(#option::Some(#private::Duration::from_millis(#millis)))
        },
        Some(Timeout::Infinity(lit)) => {
            quote_spanned!(lit.span()=> #option::Some(#option::None))
        }
        Some(Timeout::Expr(written)) => {
            let expr = parts.timeout.as_ref().unwrap_or(&**written);
            // A binding of the expected type makes a wrong type a plain
            // "expected `Duration`" at the user's expression.
            let local = Ident::new("__genserver_timeout", Span::mixed_site());
            let duration = ty::respan(quote!(#private::Duration), expr.span());
            quote!(#option::Some(#option::Some({
                let #local: #duration = #expr;
                #local
            })))
        }
    }
}

pub(super) fn builtin_methods(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let vis = &g.vis;
    let field = names::server_field();
    let message_ty = g.message_ty();
    let self_ty = g.self_ty();
    let result = quote!(#private::core::result::Result);
    let message = Ident::new("message", Span::mixed_site());
    let reason = Ident::new("reason", Span::mixed_site());
    let timeout = Ident::new("timeout", Span::mixed_site());
    let d = docs::builtin(g);
    let (info, try_info, stop, stop_with, wait) = (
        doc_attrs(&d.info),
        doc_attrs(&d.try_info),
        doc_attrs(&d.stop),
        doc_attrs(&d.stop_with),
        doc_attrs(&d.wait),
    );
    let (id, is_alive, with_timeout, without_timeout, server_ref) = (
        doc_attrs(&d.id),
        doc_attrs(&d.is_alive),
        doc_attrs(&d.with_timeout),
        doc_attrs(&d.without_timeout),
        doc_attrs(&d.server_ref),
    );
    quote! {
        #info
        #vis fn info(
            &self,
            #message: impl #private::InfoMessage<#message_ty>,
        ) -> #private::SendFuture<'_, #self_ty> {
            self.#field.send(#message)
        }

        #try_info
        #vis fn try_info(
            &self,
            #message: impl #private::InfoMessage<#message_ty>,
        ) -> #result<(), #private::TrySendError<#message_ty>> {
            self.#field.try_send(#message)
        }

        #stop
        #vis async fn stop(&self) -> #result<(), #private::StopError> {
            self.#field.stop().await
        }

        #stop_with
        #vis async fn stop_with(
            &self,
            #reason: #private::ExitReason,
        ) -> #result<(), #private::StopError> {
            self.#field.stop_with(#reason).await
        }

        #wait
        #vis async fn wait(&self) -> #private::ExitReason {
            self.#field.wait().await
        }

        #id
        #[must_use]
        #vis fn id(&self) -> #private::ServerId {
            self.#field.id()
        }

        #is_alive
        #[must_use]
        #vis fn is_alive(&self) -> bool {
            self.#field.is_alive()
        }

        #with_timeout
        #[must_use]
        #vis fn with_timeout(&self, #timeout: #private::Duration) -> Self {
            Self {
                #field: self.#field.with_timeout(#timeout),
            }
        }

        #without_timeout
        #[must_use]
        #vis fn without_timeout(&self) -> Self {
            Self {
                #field: self.#field.without_timeout(),
            }
        }

        #server_ref
        #[must_use]
        #vis fn server_ref(&self) -> &#private::ServerRef<#self_ty> {
            &self.#field
        }
    }
}

/// `start` and `start_with` on the server type: once per configuration
/// of `#[init]`, whose arguments they take.
pub(super) fn start(g: &Gen<'_>) -> TokenStream {
    g.inits.iter().map(|parts| start_for(g, parts)).collect()
}

fn start_for(g: &Gen<'_>, parts: &InitParts<'_>) -> TokenStream {
    let cfgs = &parts.cfgs;
    let private = &g.private;
    let vis = &g.vis;
    let self_ty = g.self_ty();
    let client_ty = g.client_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let result = quote!(#private::core::result::Result<#client_ty, #private::StartError>);
    let options = names::options_local();

    let (names, types): (Vec<Ident>, Vec<syn::Type>) = match parts.init {
        Some(init) => param_names(init.plain())
            .into_iter()
            .zip(init.plain().map(|arg| g.replace_self(&arg.ty)))
            .unzip(),
        None => (vec![names::state_local()], vec![syn::parse_quote!(Self)]),
    };
    // `init`'s arguments travel as one value: `()`, the one argument, or
    // a tuple.
    let args = if parts.init.is_none() || names.len() == 1 {
        quote!(#(#names)*)
    } else {
        quote!((#(#names),*))
    };
    let start_docs = doc_attrs(&docs::start(g, parts.init.is_some()));
    let start_with_docs = doc_attrs(&docs::start_with(g));
    let mirrored = mirrored_signature_lints();
    quote! {
        #(#cfgs)*
        #[allow(dead_code)]
        #mirrored
        impl #impl_generics #self_ty #where_clause {
            #start_docs
            #vis async fn start(#(#names: #types),*) -> #result {
                Self::start_with(#(#names,)* #private::StartOptions::new()).await
            }

            #start_with_docs
            #vis async fn start_with(
                #(#names: #types,)*
                #options: #private::StartOptions,
            ) -> #result {
                #private::start::<Self>(#args, #options)
                    .await
                    .map(<#client_ty as #private::Client>::from_server_ref)
            }
        }
    }
}

/// `Clone`, `Debug` and `Client` for the client.
pub(super) fn trait_impls(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let client = &g.server.client;
    let client_ty = g.client_ty();
    let self_ty = g.self_ty();
    let field = names::server_field();
    let (impl_generics, where_clause) = g.impl_parts();
    let name = names::unraw(client);
    let formatter = names::formatter_local();
    let server = Ident::new("__genserver_server", Span::mixed_site());
    let core = quote!(#private::core);
    let server_ty = server_assoc_type(g);
    quote! {
        #[automatically_derived]
        impl #impl_generics #core::clone::Clone for #client_ty #where_clause {
            #[inline]
            fn clone(&self) -> Self {
                Self {
                    #field: #core::clone::Clone::clone(&self.#field),
                }
            }
        }

        #[automatically_derived]
        impl #impl_generics #core::fmt::Debug for #client_ty #where_clause {
            fn fmt(&self, #formatter: &mut #core::fmt::Formatter<'_>) -> #core::fmt::Result {
                #formatter
                    .debug_struct(#name)
                    .field("server", &self.#field)
                    .finish()
            }
        }

        #[automatically_derived]
        impl #impl_generics #private::Client for #client_ty #where_clause {
            #server_ty

            #[inline]
            fn from_server_ref(#server: #private::ServerRef<#self_ty>) -> Self {
                Self { #field: #server }
            }

            #[inline]
            fn server_ref(&self) -> &#private::ServerRef<#self_ty> {
                &self.#field
            }
        }
    }
}

/// `type Server = Counter;` of `impl Client`, at the widest handler's
/// visibility. The client is as visible as that handler, and rustc requires
/// the server type named here to be as visible as the client (E0446); the
/// macro cannot see the server type's visibility, so when it is narrower
/// (`pub fn` on a `pub(crate) struct`) the error lands on the `pub` that
/// asked for more.
pub(super) fn server_assoc_type(g: &Gen<'_>) -> TokenStream {
    let self_ty = g.self_ty();
    quote_spanned!(g.vis_span=> type Server = #self_ty;)
}
