//! What the macro emits beside its errors: the message enum and the client
//! as empty stubs, so that code naming them does not add a wall of
//! "cannot find type" errors to the real ones.

use proc_macro2::TokenStream;
use quote::quote;
use syn::GenericParam;

use super::widest_visibility;
use crate::model::{Method, Server};

pub(super) fn stubs(server: &Server<'_>) -> TokenStream {
    let vis = widest_visibility(
        server
            .handlers
            .iter()
            .map(|h| h.method.vis())
            .chain(server.init().map(Method::vis)),
    );
    // Type and const parameters only, without bounds: lifetimes may be
    // what is wrong, and bounds may name what failed to parse.
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
