//! The message enum and its `From` impls for info messages.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::visibility::may_be_narrower;
use super::{Gen, HandlerParts, doc_attrs, docs, mirrored_signature_lints};
use crate::attr;
use crate::model::HandlerKind;
use crate::names;

pub(super) fn definition(g: &Gen<'_>) -> TokenStream {
    let vis = &g.vis;
    let message = &g.server.message;
    let (impl_generics, where_clause) = g.impl_parts();
    let docs = doc_attrs(&docs::message_enum(g));
    let variants = g.handlers.iter().map(|parts| variant(g, parts));
    let phantom = phantom_variant(g);
    let mirrored = mirrored_signature_lints();
    // The enum is as visible as the widest handler, and a variant as
    // private as its handler's types: `#[info] fn tick(&mut self, _: Tick)`
    // with a private `Tick` on a `pub` server is the documented way to
    // keep a message for the server's own timers. Such a variant cannot be
    // built outside the module, which is the point. Allowed only where a
    // handler is less visible than the enum: an `allow` is an error in a
    // crate that forbids the lint.
    let private_variants = g
        .handlers
        .iter()
        .any(|parts| may_be_narrower(parts.method().vis(), vis))
        .then(|| quote!(#[allow(private_interfaces)]));
    quote! {
        #docs
        #private_variants
        #mirrored
        #vis enum #message #impl_generics #where_clause {
            #(#variants)*
            #phantom
        }
    }
}

fn variant(g: &Gen<'_>, parts: &HandlerParts<'_>) -> TokenStream {
    let private = &g.private;
    let cfgs = &parts.cfgs;
    let user_docs = g.carried_docs(
        parts
            .method()
            .attrs()
            .iter()
            .filter_map(attr::doc_part)
            .collect(),
        false,
    );
    let separator = if user_docs.is_empty() {
        None
    } else {
        Some(quote!(#[doc = ""]))
    };
    let docs = doc_attrs(&docs::variant(g, parts));
    let name = &parts.handler.variant;
    let fields = match parts.handler.kind {
        HandlerKind::Call => {
            let args = parts.field_tuple_ty();
            let reply = &parts.reply;
            quote!((#args, #private::ReplyTo<#reply>))
        }
        HandlerKind::Cast => {
            let args = parts.field_tuple_ty();
            quote!((#args))
        }
        HandlerKind::Info => {
            let ty = parts.fields.first().map(|f| &f.ty);
            quote!((#ty))
        }
    };
    quote! {
        #(#cfgs)*
        #(#user_docs)*
        #separator
        #docs
        #name #fields,
    }
}

/// `__Phantom(PhantomData<fn() -> (K, V)>, Infallible)`: uses the impl's
/// type parameters, which no handler may mention, and can never be built.
/// Also present when there is no handler, so the enum is never empty.
fn phantom_variant(g: &Gen<'_>) -> TokenStream {
    if !g.phantom {
        return TokenStream::new();
    }
    let private = &g.private;
    let name = names::phantom_variant();
    let params = &g.server.type_params;
    let docs = doc_attrs(&docs::phantom_variant());
    quote! {
        #docs
        #[doc(hidden)]
        #[allow(dead_code)]
        #name(
            #private::core::marker::PhantomData<fn() -> (#(#params,)*)>,
            #private::core::convert::Infallible,
        ),
    }
}

/// `impl From<Tick> for CounterMessage`, one per `#[info]`, and the
/// marker that lets `client.info` take a `Tick`; for a server without
/// `#[info]` methods, the `From` of the uninhabited `NoInfoHandler` (see
/// there).
pub(super) fn from_impls(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let message_ty = g.message_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let local = names::info_local();
    let handlers: TokenStream = g.handlers
        .iter()
        .filter(|parts| parts.handler.kind == HandlerKind::Info)
        .filter_map(|parts| {
            let ty = &parts.fields.first()?.ty;
            let cfgs = &parts.cfgs;
            let variant = &parts.handler.variant;
            // At the message type: two `#[info]` methods for one type
            // written two ways (`Tick` and `crate::Tick`, an alias), which
            // the macro cannot tell apart, are reported there by rustc.
            Some(quote_spanned! {ty.span()=>
                #(#cfgs)*
                #[automatically_derived]
                impl #impl_generics #private::core::convert::From<#ty> for #message_ty #where_clause {
                    #[inline]
                    fn from(#local: #ty) -> Self {
                        Self::#variant(#local)
                    }
                }

                #(#cfgs)*
                #[automatically_derived]
                impl #impl_generics #private::InfoMessage<#message_ty> for #ty #where_clause {}
            })
        })
        .collect();
    if !handlers.is_empty() {
        return handlers;
    }
    quote! {
        #[doc(hidden)]
        #[automatically_derived]
        impl #impl_generics #private::core::convert::From<#private::NoInfoHandler> for #message_ty #where_clause {
            #[inline]
            fn from(#local: #private::NoInfoHandler) -> Self {
                match #local {}
            }
        }
    }
}

/// `Debug` by variant name only (`Add { .. }`): the fields need not be
/// `Debug`, and a message in a log reads as what it asks for.
pub(super) fn debug_impl(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let core = quote!(#private::core);
    let self_ty = g.self_ty();
    let message_ty = g.message_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let formatter = names::formatter_local();
    quote! {
        #[automatically_derived]
        impl #impl_generics #core::fmt::Debug for #message_ty #where_clause {
            fn fmt(&self, #formatter: &mut #core::fmt::Formatter<'_>) -> #core::fmt::Result {
                #formatter
                    .debug_struct(<#self_ty as #private::GenServer>::message_name(self))
                    .finish_non_exhaustive()
            }
        }
    }
}
