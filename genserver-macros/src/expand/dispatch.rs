//! `impl GenServer`: `init`, the dispatch of each message to its method,
//! `terminate`, and the variant names for traces.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ReturnType};

use super::{Gen, HandlerParts, InitParts};
use crate::model::{HandlerKind, InputKind, Method};
use crate::{attr, names, ty};

pub(super) fn gen_server(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let self_ty = g.self_ty();
    let message_ty = g.message_ty();
    let client_ty = g.client_ty();
    let (impl_generics, where_clause) = g.impl_parts();
    let name = names::unraw(g.server.ident);
    let init: TokenStream = g.inits.iter().map(|parts| init(g, parts)).collect();
    let handle = handle(g);
    let terminate = terminate(g);
    let message_name = message_name(g);
    let mirrored = super::mirrored_signature_lints();
    // At the self type: a server type more visible than its handlers makes
    // the compiler report the private enum here.
    let self_span = self_ty.span();
    let assoc_types = quote_spanned! {self_span=>
        type Message = #message_ty;
        type Client = #client_ty;
    };
    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        #mirrored
        impl #impl_generics #private::GenServer for #self_ty #where_clause {
            #assoc_types

            const NAME: &'static str = #name;

            #init
            #handle
            #terminate
            #message_name
        }
    }
}

/// `()`, the one start argument's type, a tuple of them, or `Self`
/// without `#[init]`.
fn args_type(g: &Gen<'_>, init: Option<&Method<'_>>) -> TokenStream {
    let Some(init) = init else {
        return quote!(Self);
    };
    let types: Vec<_> = init.plain().map(|arg| g.replace_self(&arg.ty)).collect();
    if let [one] = types.as_slice() {
        quote!(#one)
    } else {
        quote!((#(#types),*))
    }
}

/// The arguments of a call into the user's method: `self` if it takes
/// one, then each argument in the user's order: the message fields from
/// `plain`, the others from `extra`.
fn call_args(method: &Method<'_>, plain: &[Ident], extra: &Locals) -> TokenStream {
    let mut plain = plain.iter();
    let receiver = method.receiver.map(|_| quote!(self));
    let args = method.inputs.iter().filter_map(|input| match input.kind {
        InputKind::Plain => plain.next().map(|local| quote!(#local)),
        InputKind::Context(_) => Some(extra.ctx.clone()),
        InputKind::Reply(_) => extra.reply.clone(),
        InputKind::Reason => extra.reason.clone(),
    });
    let all = receiver.into_iter().chain(args);
    quote!(#(#all),*)
}

/// What generated code passes for the non-message arguments.
struct Locals {
    ctx: TokenStream,
    reply: Option<TokenStream>,
    reason: Option<TokenStream>,
}

impl Locals {
    fn ctx() -> Self {
        let ctx = names::ctx_local();
        Locals {
            ctx: quote!(#ctx),
            reply: None,
            reason: None,
        }
    }
}

/// `Self::method(args)`, awaited if the method is `async`. The `.await`
/// carries the method's name, so that a future that is not `Send` is
/// reported at the user's method.
fn invoke(method: &Method<'_>, args: &TokenStream) -> TokenStream {
    let ident = method.ident();
    let call = quote!(Self::#ident(#args));
    if method.is_async() {
        let await_ = quote_spanned!(ident.span()=> .await);
        quote!(#call #await_)
    } else {
        call
    }
}

/// Where a wrong return type is reported: the user's return type, or the
/// method's name when it has none.
fn return_span(method: &Method<'_>) -> Span {
    match &method.func.sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => method.ident().span(),
    }
}

/// `type Args`, `init` and, without an `#[init]`, `HAS_INIT`, under the
/// `#[init]`'s `#[cfg]`s.
fn init(g: &Gen<'_>, parts: &InitParts<'_>) -> TokenStream {
    let cfgs = &parts.cfgs;
    let args_ty = args_type(g, parts.init);
    let has_init = if parts.init.is_some() {
        TokenStream::new()
    } else {
        quote! {
            #(#cfgs)*
            const HAS_INIT: bool = false;
        }
    };
    let init = init_fn(g, parts.init);
    quote! {
        #(#cfgs)*
        type Args = #args_ty;
        #has_init
        #(#cfgs)*
        #init
    }
}

fn init_fn(g: &Gen<'_>, init: Option<&Method<'_>>) -> TokenStream {
    let private = &g.private;
    let args = names::args_local();
    let ctx = names::ctx_local();
    let result = quote!(#private::core::result::Result);
    let signature = quote! {
        async fn init(
            #args: Self::Args,
            #ctx: &mut #private::Context<Self>,
        ) -> #result<Self, #private::ExitReason>
    };
    let Some(init) = init else {
        return quote! {
            #signature {
                #result::Ok(#args)
            }
        };
    };
    let locals: Vec<_> = (0..init.plain().count()).map(names::arg_local).collect();
    let unpack = match locals.as_slice() {
        [] => TokenStream::new(),
        [one] => quote!(let #one = #args;),
        many => quote!(let (#(#many),*) = #args;),
    };
    let call = invoke(init, &call_args(init, &locals, &Locals::ctx()));
    let returns_self = match &init.func.sig.output {
        ReturnType::Type(_, ty) => ty::is_self(ty, g.self_ty()),
        ReturnType::Default => false,
    };
    let body = if returns_self {
        quote!(#result::Ok(#call))
    } else {
        let outcome = names::outcome_local(return_span(init));
        // `InitOutcome<Self>`, not `InitOutcome<_>`: a `Result` of another
        // type is then rustc's "not a valid return type for `#[init]`" at
        // the user's return type, instead of a mismatch at the attribute.
        let into = quote_spanned!(return_span(init)=> #private::InitOutcome::<Self>::into_outcome);
        quote! {
            let #outcome = #call;
            #into(#outcome)
        }
    };
    quote! {
        #signature {
            #unpack
            #body
        }
    }
}

fn handle(g: &Gen<'_>) -> TokenStream {
    let private = &g.private;
    let message = names::message_local();
    let ctx = names::ctx_local();
    let arms = g.handlers.iter().map(|parts| arm(g, parts));
    let phantom = phantom_arm(g);
    quote! {
        async fn handle(
            &mut self,
            #message: Self::Message,
            #ctx: &mut #private::Context<Self>,
        ) -> #private::core::result::Result<(), #private::ExitReason> {
            match #message {
                #(#arms)*
                #phantom
            }
        }
    }
}

fn arm(g: &Gen<'_>, parts: &HandlerParts<'_>) -> TokenStream {
    let private = &g.private;
    let method = parts.method();
    let message = &g.server.message;
    let variant = &parts.handler.variant;
    let cfgs = &parts.cfgs;
    let ctx = names::ctx_local();
    let reply = names::reply_local();
    let ok = quote!(#private::core::result::Result::Ok(()));
    let locals: Vec<_> = (0..parts.fields.len()).map(names::arg_local).collect();
    let (pattern, body) = match parts.handler.kind {
        HandlerKind::Call if parts.handler.is_deferred() => {
            let deferred = Ident::new("__genserver_deferred", Span::mixed_site());
            let extra = Locals {
                reply: Some(quote!(#deferred)),
                ..Locals::ctx()
            };
            let call = invoke(method, &call_args(method, &locals, &extra));
            (
                quote!(#message::#variant((#(#locals,)*), #reply)),
                quote! {
                    let #deferred = #ctx.__defer(#reply);
                    #call;
                    #ok
                },
            )
        }
        HandlerKind::Call => {
            let call = invoke(method, &call_args(method, &locals, &Locals::ctx()));
            let body = if ty::is_unit_return(&method.func.sig.output) {
                quote! {
                    #call;
                    #ctx.__reply(#reply, ());
                    #ok
                }
            } else {
                let value = names::value_local();
                quote! {
                    let #value = #call;
                    #ctx.__reply(#reply, #value);
                    #ok
                }
            };
            (quote!(#message::#variant((#(#locals,)*), #reply)), body)
        }
        HandlerKind::Cast => (
            quote!(#message::#variant((#(#locals,)*))),
            outcome(g, method, &locals),
        ),
        HandlerKind::Info => {
            let info = names::info_local();
            (
                quote!(#message::#variant(#info)),
                outcome(g, method, std::slice::from_ref(&info)),
            )
        }
    };
    quote! {
        #(#cfgs)*
        #pattern => {
            #body
        }
    }
}

/// A cast or info handler's call, its return value turned into keep going
/// or stop.
fn outcome(g: &Gen<'_>, method: &Method<'_>, locals: &[Ident]) -> TokenStream {
    let private = &g.private;
    let call = invoke(method, &call_args(method, locals, &Locals::ctx()));
    if ty::is_unit_return(&method.func.sig.output) {
        return quote! {
            #call;
            #private::core::result::Result::Ok(())
        };
    }
    let span = return_span(method);
    let outcome = names::outcome_local(span);
    let into = quote_spanned!(span=> #private::HandlerOutcome::into_outcome);
    quote! {
        let #outcome = #call;
        #into(#outcome)
    }
}

/// The arm of the phantom variant, which cannot be built. (`Infallible`
/// is `Copy`, so the arm also works on a place behind a reference.)
fn phantom_arm(g: &Gen<'_>) -> TokenStream {
    if !g.phantom {
        return TokenStream::new();
    }
    let message = &g.server.message;
    let phantom = names::phantom_variant();
    let never = names::never_local();
    quote!(#message::#phantom(_, #never) => match #never {})
}

/// `terminate` for each `#[terminate]`, under its `#[cfg]`s; none compiled
/// in leaves the trait's.
fn terminate(g: &Gen<'_>) -> TokenStream {
    g.server
        .terminates
        .iter()
        .map(|method| terminate_fn(g, method))
        .collect()
}

fn terminate_fn(g: &Gen<'_>, terminate: &Method<'_>) -> TokenStream {
    let cfgs = terminate.attrs().iter().filter_map(attr::cfg_part);
    let private = &g.private;
    let reason = names::reason_local();
    let ctx = names::ctx_local();
    let extra = Locals {
        reason: Some(quote!(#reason)),
        ..Locals::ctx()
    };
    let call = invoke(terminate, &call_args(terminate, &[], &extra));
    quote! {
        #(#cfgs)*
        async fn terminate(
            &mut self,
            #reason: &#private::ExitReason,
            #ctx: &mut #private::Context<Self>,
        ) {
            #call;
        }
    }
}

fn message_name(g: &Gen<'_>) -> TokenStream {
    let message = names::message_local();
    let enum_name = &g.server.message;
    let arms = g.handlers.iter().map(|parts| {
        let cfgs = &parts.cfgs;
        let variant = &parts.handler.variant;
        let name = names::unraw(variant);
        quote! {
            #(#cfgs)*
            #enum_name::#variant(..) => #name,
        }
    });
    let phantom = phantom_arm(g);
    // On the place, not the reference: with every variant `cfg`'d out, an
    // empty enum still matches with no arms.
    quote! {
        fn message_name(#message: &Self::Message) -> &'static str {
            match *#message {
                #(#arms)*
                #phantom
            }
        }
    }
}
