//! What the macro emits beside its errors: the expansion of every part of
//! the block that broke no rule, so that code using the server (`start`,
//! the valid handlers' client methods, `stop`) and the handlers' own
//! `&mut Context<Self>` do not add a wall of follow-on errors to the real
//! ones; stubs of the message enum, the client and `impl GenServer` where
//! that cannot be done.

use proc_macro2::TokenStream;
use quote::quote;
use syn::GenericParam;

use super::Gen;
use crate::attr::Role;
use crate::model::Server;
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
    if !keep_sound_parts(&mut server) {
        return stubs(&server);
    }
    let mut g = Gen::new(&server);
    g.vis = vis;
    g.vis_span = vis_span;
    g.require_send_messages();
    super::generate(&g)
}

/// Leaves in `server` only what breaks no rule: the handlers without
/// errors that generate nothing another one does, the first `#[init]`
/// and `#[terminate]` (or all, when they are one per configuration), the
/// latter dropped if any has errors. `false` when
/// `start` cannot be generated as the user will call it: a method named
/// `start` left in the block (`expand` renames them before it gets
/// here), or an `#[init]` with errors (its arguments are `start`'s).
fn keep_sound_parts(server: &mut Server<'_>) -> bool {
    if !validate::sound::method_names(server) {
        return false;
    }
    if !validate::sound::at_most_one(&server.inits, Role::Init) {
        server.inits.truncate(1);
    }
    if server
        .inits
        .iter()
        .any(|init| !validate::sound::init(server, init))
    {
        return false;
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
        .map(|handler| validate::sound::handler(server, handler))
        .collect();
    let all = std::mem::take(&mut server.handlers);
    for (handler, sound) in all.into_iter().zip(sound) {
        if !sound {
            continue;
        }
        server.handlers.push(handler);
        if !validate::sound::distinct_handlers(server) {
            server.handlers.pop();
        }
    }
    true
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
    let (impl_generics, _, where_clause) = g.generics.split_for_impl();
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
fn name_stubs(server: &Server<'_>) -> TokenStream {
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
