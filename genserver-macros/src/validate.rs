//! The rules a server must follow, one function each, each saying the rule
//! and why. Every rule reports at the user's token and runs even when
//! another has failed, so one compile lists every mistake.

use std::collections::HashMap;

use quote::ToTokens;
use syn::{ReceiverKind, ReturnType, Safety, Type};

use crate::attr::{self, Role};
use crate::ctxt::Ctxt;
use crate::model::{Handler, HandlerKind, InputKind, Method, Server};
use crate::ty::{self, ContextShape};
use crate::{names, parse};

pub(crate) fn check(cx: &Ctxt, server: &Server<'_>) {
    // Errors already reported come from the markers and the options: a
    // marker refused there (two roles on one method) may be why no method
    // is left marked.
    let markers_refused = cx.has_errors();
    generated_names_differ(cx, server);
    impl_has_no_lifetimes(cx, server);
    if !markers_refused {
        has_marked_methods(cx, server);
    }
    no_method_named_like_generated_functions(cx, server);
    for handler in &server.handlers {
        check_handler(cx, server, handler);
    }
    handlers_are_distinct(cx, server);
    at_most_one(cx, &server.inits, Role::Init);
    for init in &server.inits {
        check_init(cx, server, init);
    }
    at_most_one(cx, &server.terminates, Role::Terminate);
    for terminate in &server.terminates {
        check_terminate(cx, server, terminate);
    }
}

/// The argument and return types are written out, not left to inference
/// (`x: _`, `-> Vec<_>`): the message and the client are made of them.
/// rustc refuses a `_` in a method's signature, at the `_`; the message
/// enum, the client and their impls would each refuse it once more.
fn types_are_written(cx: &Ctxt, method: &Method<'_>) {
    let output = match &method.func.sig.output {
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => None,
    };
    let mut types = method
        .inputs
        .iter()
        .map(|input| &*input.arg.ty)
        .chain(output);
    if types.any(ty::has_placeholder) {
        cx.left_to_rustc();
    }
}

/// The `Context` is lent to a handler for the one message being handled:
/// no one holds one by value, so a message cannot carry one inside
/// another type (`Box<Context<Self>>`, `Option<Context<Self>>`), and a
/// handler cannot return one. (A `Reply` is different: it is the
/// server's to hand on, so a message may carry one, or a channel of them,
/// and a call may return one for its caller to answer.)
fn context_stays_lent(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    let krate = Some(&server.krate);
    for arg in method.plain() {
        if let Some(context) = ty::find_ours(&arg.ty, "Context", krate, false) {
            cx.error_spanned_by(
                context,
                "the context is lent to the handler for the message being handled, and no caller can send one\n\
                 take it as an argument of its own, `ctx: &mut Context<Self>`",
            );
        }
    }
    let ReturnType::Type(_, output) = &method.func.sig.output else {
        return;
    };
    if let Some(context) = ty::find_ours(output, "Context", krate, true) {
        cx.error_spanned_by(
            context,
            "the context is lent to the handler for the message being handled: it cannot be returned\n\
             return what the caller needs from it instead",
        );
    }
}

/// The rules about one handler alone.
fn check_handler(cx: &Ctxt, server: &Server<'_>, handler: &Handler<'_>) {
    let method = &handler.method;
    let role = method.marker.role;
    is_plain_fn(cx, method);
    returns(cx, handler);
    types_are_written(cx, method);
    context_stays_lent(cx, server, method);
    is_not_generic(cx, method);
    arguments_have_no_cfg(cx, method);
    handler_takes_self_by_reference(cx, server, method);
    arguments_are_owned(cx, server, method);
    arguments_are_not_impl_trait(cx, method);
    arguments_are_sized(cx, method);
    carried_trait_objects_are_send(cx, handler);
    context_is_mut_ref(cx, method);
    context_is_this_servers(cx, server, method);
    at_most_one_context(cx, method);
    argument_is_not_the_message_enum(cx, server, method);
    match handler.kind {
        HandlerKind::Call => {
            at_most_one_reply(cx, method);
            deferred_call_returns_unit(cx, method);
            call_reply_is_owned(cx, method);
            call_reply_error_is_send(cx, method);
            not_named_like_client_method(cx, method);
            not_named_like_trait_method(cx, method);
        }
        HandlerKind::Cast => {
            no_reply_argument(cx, method, role);
            error_is_send_sync(cx, method);
            not_named_like_client_method(cx, method);
            not_named_like_trait_method(cx, method);
        }
        HandlerKind::Info => {
            no_reply_argument(cx, method, role);
            error_is_send_sync(cx, method);
            info_takes_one_message(cx, server, method);
            info_type_is_not_a_type_parameter(cx, server, method);
        }
    }
}

/// The rules between handlers: what each generates is its own.
fn handlers_are_distinct(cx: &Ctxt, server: &Server<'_>) {
    one_handler_per_info_type(cx, server);
    one_handler_per_variant(cx, server);
    not_named_like_a_try_cast(cx, server);
}

fn check_init(cx: &Ctxt, server: &Server<'_>, init: &Method<'_>) {
    is_plain_fn(cx, init);
    types_are_written(cx, init);
    context_stays_lent(cx, server, init);
    is_not_generic(cx, init);
    arguments_have_no_cfg(cx, init);
    init_takes_no_self(cx, init);
    init_returns_the_state(cx, server, init);
    error_is_send_sync(cx, init);
    arguments_are_owned(cx, server, init);
    arguments_are_not_impl_trait(cx, init);
    arguments_are_sized(cx, init);
    arguments_are_not_unsent_trait_objects(cx, init, "start arguments travel to the server's task");
    context_is_mut_ref(cx, init);
    context_is_this_servers(cx, server, init);
    at_most_one_context(cx, init);
    no_reply_argument(cx, init, Role::Init);
}

fn check_terminate(cx: &Ctxt, server: &Server<'_>, terminate: &Method<'_>) {
    is_plain_fn(cx, terminate);
    is_not_generic(cx, terminate);
    arguments_have_no_cfg(cx, terminate);
    handler_takes_self_by_reference(cx, server, terminate);
    terminate_arguments(cx, server, terminate);
    context_is_mut_ref(cx, terminate);
    context_is_this_servers(cx, server, terminate);
    at_most_one_context(cx, terminate);
    terminate_returns_unit(cx, terminate);
}

/// For the expansion beside errors: whether `check` would find nothing
/// wrong with what each function is given, on its own.
pub(crate) mod sound {
    use super::{Ctxt, Handler, Method, Server};

    fn passes(rules: impl FnOnce(&Ctxt)) -> bool {
        let cx = Ctxt::new();
        rules(&cx);
        !cx.has_errors()
    }

    pub(crate) fn handler(server: &Server<'_>, handler: &Handler<'_>) -> bool {
        passes(|cx| super::check_handler(cx, server, handler))
    }

    /// `handler` is the one blamed for its clash with a cast's non-waiting
    /// client method: the cast is sound.
    pub(crate) fn named_like_a_try_cast(server: &Server<'_>, handler: &Handler<'_>) -> bool {
        super::try_cast_named_like(server, handler).is_some()
    }

    /// No two of the server's handlers generate the same thing.
    pub(crate) fn distinct_handlers(server: &Server<'_>) -> bool {
        passes(|cx| super::handlers_are_distinct(cx, server))
    }

    pub(crate) fn init(server: &Server<'_>, init: &Method<'_>) -> bool {
        passes(|cx| super::check_init(cx, server, init))
    }

    /// The `#[init]`s (or `#[terminate]`s) are one, or one per
    /// configuration.
    pub(crate) fn at_most_one(methods: &[Method<'_>], role: super::Role) -> bool {
        passes(|cx| super::at_most_one(cx, methods, role))
    }

    pub(crate) fn terminate(server: &Server<'_>, terminate: &Method<'_>) -> bool {
        passes(|cx| super::check_terminate(cx, server, terminate))
    }

    /// No method of the block is named like the generated `start`.
    pub(crate) fn method_names(server: &Server<'_>) -> bool {
        passes(|cx| super::no_method_named_like_generated_functions(cx, server))
    }
}

/// The message enum, the client and the server have three names: the
/// options `message = ..` and `client = ..` cannot give two of them the
/// same one. Reported at the name given last.
pub(crate) fn generated_names_clash(server: &Server<'_>) -> bool {
    names::same(&server.message, &server.client)
        || names::same(&server.message, server.ident)
        || names::same(&server.client, server.ident)
}

fn generated_names_differ(cx: &Ctxt, server: &Server<'_>) {
    let (message, client) = (&server.message, &server.client);
    if names::same(message, client) {
        // Where one name is the default, the other is the one the user
        // gave: the error goes there, and says where the clash comes from.
        let server_name = names::unraw(server.ident);
        if names::unraw(client) == format!("{server_name}Client") {
            cx.error_spanned_by(
                message,
                format_args!(
                    "the message enum would be named `{message}`, the client's name by default\n\
                     choose another name, or name the client too with `client = ..`"
                ),
            );
        } else if names::unraw(message) == format!("{server_name}Message") {
            cx.error_spanned_by(
                client,
                format_args!(
                    "the client would be named `{client}`, the message enum's name by default\n\
                     choose another name, or name the message enum too with `message = ..`"
                ),
            );
        } else {
            cx.error_spanned_by(
                client,
                format_args!(
                    "the message enum and the client are both named `{client}`\ngive them different names"
                ),
            );
        }
    }
    for (generated, what) in [(message, "message enum"), (client, "client")] {
        if names::same(generated, server.ident) {
            cx.error_spanned_by(
                generated,
                format_args!(
                    "the {what} would be named `{generated}`, like the server itself\nchoose another name"
                ),
            );
        }
    }
}

/// The impl has no lifetime parameters: a server runs in a task of its
/// own and owns its state, so it is `'static`.
///
/// An elided one in the self type (`impl Greeter<'_>`, `impl Holder<&str>`)
/// is the same mistake: rustc would report it in every generated item
/// that names the server, suggesting a lifetime parameter.
fn impl_has_no_lifetimes(cx: &Ctxt, server: &Server<'_>) {
    const MESSAGE: &str = "a server cannot have lifetime parameters: it runs in a task of its own, so it must be `'static`\n\
         remove the lifetime and own the data, for example with `String` or `Arc<T>`";
    let mut params = parse::lifetime_params(server.item).peekable();
    if params.peek().is_none()
        && let Some(elided) = parse::elided_lifetime(server.item)
    {
        cx.error_spanned_by(elided, MESSAGE);
    }
    for param in params {
        cx.error_spanned_by(param, MESSAGE);
    }
}

/// The block marks at least one method. Without any, the macro would make
/// a server that handles nothing: far more likely, the markers were
/// forgotten. A server that only holds a resource has an `#[init]`.
fn has_marked_methods(cx: &Ctxt, server: &Server<'_>) {
    // `#[prelude::call]` after `use genserver::prelude;` is not read as a
    // marker, but it is the attribute macro `call`, whose own error says
    // how to write it: this one would only contradict it.
    let through_prelude_module = server.methods.iter().any(|func| {
        func.attrs
            .iter()
            .any(attr::is_marker_through_prelude_module)
    });
    if server.handlers.is_empty()
        && server.inits.is_empty()
        && server.terminates.is_empty()
        && !through_prelude_module
    {
        cx.error_spanned_by(
            &server.item.self_ty,
            "this `#[genserver]` block has no `#[call]`, `#[cast]`, `#[info]`, `#[init]` or `#[terminate]` method\n\
             mark the methods the server handles, as in `#[call] fn get(&self) -> u64`",
        );
    }
}

/// No method is named `start` or `start_with`: the macro generates those
/// on the server type, and two definitions would clash.
fn no_method_named_like_generated_functions(cx: &Ctxt, server: &Server<'_>) {
    for func in &server.methods {
        let ident = &func.sig.ident;
        if let Some(name) = names::SERVER_FUNCTIONS
            .iter()
            .find(|name| names::is(ident, name))
        {
            cx.error_spanned_by(
                ident,
                format_args!(
                    "`#[genserver]` generates `{}::{name}`, so this block cannot define a method named `{name}`\n\
                     rename this method; to run code when the server starts, mark a method `#[init]`",
                    server.ident
                ),
            );
        }
    }
}

/// A `#[call]` or `#[cast]` is not named like a method every client has
/// (`stop`, `info`, ...): the client mirrors each handler with a method of
/// the same name.
fn not_named_like_client_method(cx: &Ctxt, method: &Method<'_>) {
    let ident = method.ident();
    if let Some(name) = names::CLIENT_METHODS
        .iter()
        .find(|name| names::is(ident, name))
    {
        cx.error_spanned_by(
            ident,
            format_args!(
                "every client has a method `{name}`, so a {} handler cannot be named `{name}`\n\
                 rename this handler",
                method.marker.role
            ),
        );
    }
}

/// A `#[call]` or `#[cast]` is not named like a method of a trait every
/// type has that takes `self` by value (`into`, `tracing`'s `instrument`):
/// `client.into()` would call the trait's, which method lookup finds
/// before the client's `&self` method, and the caller would get "type
/// annotations needed". (The cast `into` would also make `try_into`.)
fn not_named_like_trait_method(cx: &Ctxt, method: &Method<'_>) {
    let ident = method.ident();
    if let Some(method_of) = names::TRAIT_METHODS_BY_VALUE
        .iter()
        .find(|trait_method| names::is(ident, trait_method.name))
    {
        let (name, trait_path) = (method_of.name, method_of.trait_path);
        let scope = if method_of.in_prelude {
            ""
        } else {
            " where that trait is in scope"
        };
        cx.error_spanned_by(
            ident,
            format_args!(
                "every client has `{trait_path}::{name}`{scope}, which takes the client by value and is found before a client method `{name}(&self)`, so a {} handler cannot be named `{name}`\n\
                 rename this handler",
                method.marker.role
            ),
        );
    }
}

/// No `#[call]` or `#[cast]` is named like the non-waiting method the
/// client has for a cast (`try_reset` for `reset`): the two client methods
/// would clash.
fn not_named_like_a_try_cast(cx: &Ctxt, server: &Server<'_>) {
    for handler in &server.handlers {
        if let Some(cast) = try_cast_named_like(server, handler) {
            let try_name = names::try_cast(cast);
            cx.error_spanned_by(
                handler.method.ident(),
                format_args!(
                    "the client's non-waiting method for the cast `{cast}` is `{try_name}`, so a {} \
                     handler cannot be named `{try_name}`\n\
                     rename this handler",
                    handler.method.marker.role
                ),
            );
        }
    }
}

/// The cast whose non-waiting client method `handler` (a `#[call]` or
/// `#[cast]`) is named like.
fn try_cast_named_like<'s>(
    server: &'s Server<'_>,
    handler: &Handler<'_>,
) -> Option<&'s syn::Ident> {
    if handler.kind == HandlerKind::Info {
        return None;
    }
    let ident = handler.method.ident();
    server
        .handlers
        .iter()
        .filter(|h| h.kind == HandlerKind::Cast)
        .map(|h| h.method.ident())
        .find(|cast| names::same(ident, &names::try_cast(cast)))
}

/// Handlers, `#[init]` and `#[terminate]` are plain (`async`) functions:
/// generated code calls them from safe, non-const code with the Rust ABI.
fn is_plain_fn(cx: &Ctxt, method: &Method<'_>) {
    let role = method.marker.role;
    let sig = &method.func.sig;
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(
            constness,
            format_args!("{role} method cannot be a `const fn`\nremove `const`"),
        );
    }
    if let Safety::Unsafe(unsafety) = &sig.safety {
        cx.error_spanned_by(
            unsafety,
            format_args!(
                "{role} method cannot be an `unsafe fn`: the server calls it for every message, with nobody to uphold its contract\n\
                 remove `unsafe`"
            ),
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format_args!(
                "{role} method cannot have an `extern` ABI\nremove `{}`",
                abi.to_token_stream()
            ),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(
            variadic,
            format_args!("{role} method cannot be variadic\nremove `...`"),
        );
    }
}

/// A handler returns, even one meant only to crash: the server goes on
/// to its next message, and a `#[call]`'s value is the reply. A `-> !`
/// would otherwise meet rustc as the reply's type (`!` is unstable there)
/// or as a cast's outcome, with no word of what to write.
fn returns(cx: &Ctxt, handler: &Handler<'_>) {
    let ReturnType::Type(_, ty) = &handler.method.func.sig.output else {
        return;
    };
    if !ty::is_never(ty) {
        return;
    }
    let role = handler.method.marker.role;
    let write = if handler.kind == HandlerKind::Call {
        "return the type of the reply"
    } else {
        "remove `-> !`"
    };
    cx.error_spanned_by(
        ty,
        format_args!(
            "a {role} handler cannot return `!`: the server goes on to its next message when it returns\n\
             {write}; a handler that panics still ends the server, and its callers get the exit reason"
        ),
    );
}

/// Marked methods have no generic parameters or bounds of their own: a
/// handler's arguments become one variant of one message enum, and `init`
/// and `terminate` are called with the server's own types.
fn is_not_generic(cx: &Ctxt, method: &Method<'_>) {
    let generics = &method.func.sig.generics;
    if !generics.params.is_empty() && generics.lifetimes().count() == generics.params.len() {
        cx.error_spanned_by(
            generics,
            format_args!(
                "{} method cannot have lifetime parameters: its arguments are owned, and the server lends it its state for the one message\n\
                 remove them, and write `&self` or `&mut self` and owned arguments",
                method.marker.role
            ),
        );
    } else if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            format_args!(
                "{} method cannot have generic parameters: its arguments become the fields of one message type\n\
                 use concrete types, or put the parameters on the `impl` block",
                method.marker.role
            ),
        );
    } else if let Some(where_clause) = &generics.where_clause
        && !where_clause.predicates.is_empty()
    {
        // The bounds would hold in the method but not in the generated
        // code that calls it, which knows only the `impl` block's: rustc
        // would report them unmet at `#[genserver]`.
        cx.error_spanned_by(
            where_clause,
            format_args!(
                "{} method cannot have a `where` clause: the server calls it from generated code that knows only the bounds of the `impl` block\n\
                 move the bounds to the `impl` block, as in `impl<T: Clone> Server<T>`",
                method.marker.role
            ),
        );
    }
}

/// No argument of a marked method has a `#[cfg]` (or a `#[cfg_attr]`
/// that adds one): the message, the client method, `start` and the
/// dispatch pass every argument, and the macro cannot evaluate the `cfg`
/// to leave one out with it. Other attributes (a lint level) concern the
/// user's function only and stay on it.
fn arguments_have_no_cfg(cx: &Ctxt, method: &Method<'_>) {
    let role = method.marker.role;
    for arg in &method.func.sig.inputs {
        let attrs = match arg {
            syn::FnArg::Receiver(receiver) => &receiver.attrs,
            syn::FnArg::Typed(arg) => &arg.attrs,
        };
        for attr in attrs.iter().filter(|attr| attr::cfg_part(attr).is_some()) {
            cx.error_spanned_by(
                attr,
                format_args!(
                    "`#[cfg]` on an argument of {role} method: the generated message, client and dispatch pass every argument, and cannot leave this one out\n\
                     put the `#[cfg]` on the method instead, with one method for each configuration"
                ),
            );
        }
    }
}

/// Handlers and `#[terminate]` take `&mut self` or `&self`: the server
/// owns its state and lends it to one method at a time.
fn handler_takes_self_by_reference(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    let role = method.marker.role;
    let Some(receiver) = method.receiver else {
        if let Some(state) = explicit_state(server, method) {
            cx.error_spanned_by(
                state,
                format_args!(
                    "{role} method takes the state as an argument, but the state is `self`\n\
                     write `&mut self` (or `&self`) as the first argument instead"
                ),
            );
            return;
        }
        cx.error_spanned_by(
            method.ident(),
            format_args!(
                "{role} method has no `self`\nadd `&mut self` (or `&self`) as its first argument"
            ),
        );
        return;
    };
    match &receiver.kind {
        ReceiverKind::Reference(_, lifetime, _) if is_anonymous(lifetime.as_ref()) => {}
        ReceiverKind::Typed(_, ty) if is_self_reference(ty, &server.item.self_ty) => {}
        ReceiverKind::Value => cx.error_spanned_by(
            receiver,
            format_args!(
                "{role} method takes `self` by value, but the server keeps its state after each message\n\
                 write `&mut self`, or `&self` if it only reads the state"
            ),
        ),
        _ => cx.error_spanned_by(
            receiver,
            format_args!(
                "{role} method takes `{}`, but the server lends it its state\n\
                 write `&mut self` or `&self`",
                ty::type_text(receiver)
            ),
        ),
    }
}

/// The argument of a method without `self` that takes the state the way
/// an Elixir callback does (`state: &mut Self`, `state: Counter`): what
/// [`handler_takes_self_by_reference`] reports, and the other rules skip
/// rather than call it a borrowed argument or a second message.
pub(crate) fn explicit_state<'a>(
    server: &Server<'_>,
    method: &Method<'a>,
) -> Option<&'a syn::PatType> {
    // `init` makes the state and has no `self`: a `Self` it takes is an
    // argument like any other.
    if method.receiver.is_some() || method.marker.role == Role::Init {
        return None;
    }
    method.plain().find(|arg| {
        let ty = match ty::peel(&arg.ty) {
            Type::Reference(r) => &*r.elem,
            other => other,
        };
        ty::is_self(ty, &server.item.self_ty)
    })
}

/// Whether a reference's lifetime is left to the compiler: none written,
/// or `'_`, which means the same.
fn is_anonymous(lifetime: Option<&syn::Lifetime>) -> bool {
    lifetime.is_none_or(|lifetime| lifetime.ident == "_")
}

/// `&Self`, `&mut Self`, or the same with the server's type written out
/// (`self: &Counter`), without a lifetime of its own.
fn is_self_reference(ty: &Type, self_ty: &Type) -> bool {
    matches!(ty::peel(ty), Type::Reference(r) if is_anonymous(r.lifetime.as_ref())
        && ty::is_self(&r.elem, self_ty))
}

/// Arguments are owned: they travel in a message to the server's task
/// (start arguments too), so they cannot borrow from the caller.
fn arguments_are_owned(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    let role = method.marker.role;
    let state = explicit_state(server, method);
    for input in &method.inputs {
        if state.is_some_and(|state| std::ptr::eq(state, input.arg)) {
            continue;
        }
        if let InputKind::Reply(reply) = input.kind {
            if let Some(borrow) = ty::find_borrow(reply) {
                cx.error_spanned_by(
                    borrow,
                    "a `#[call]` cannot reply with a borrow: the reply travels to the caller's task\n\
                     reply with an owned type, such as `String` for `&str` or `Vec<T>` for `&[T]`",
                );
            }
            continue;
        }
        if !matches!(input.kind, InputKind::Plain | InputKind::Reason) {
            continue;
        }
        if let Some(borrow) = ty::find_borrow(&input.arg.ty) {
            let what = if role == Role::Init {
                "start arguments travel"
            } else {
                "the arguments travel in a message"
            };
            // `buf: &mut Vec<u8>`: an owned copy would be changed and
            // dropped, the caller's left as it was.
            let help = if is_mut_ref_to_generic_of_self(&input.arg.ty, &server.item.self_ty) {
                "if this is the server's context under another name, write it `Context<Self>`: \
                 the macro cannot resolve names, and knows the context by that one (bare, or \
                 through the `genserver` path)"
            } else if matches!(ty::peel(&input.arg.ty), Type::Reference(r) if r.mutability.is_some())
            {
                "the server's state is `self`; to give the caller data back, take the value owned and \
                 return the changed one from a `#[call]`"
            } else {
                "take an owned type, such as `String` for `&str` or `Vec<T>` for `&[T]`"
            };
            cx.error_spanned_by(
                borrow,
                format_args!(
                    "borrowed argument in {role} method: {what} to the server's task, so they cannot borrow\n{help}"
                ),
            );
        }
    }
}

/// Arguments have a size: they are fields of the message enum (or the
/// start arguments), stored by value.
fn arguments_are_sized(cx: &Ctxt, method: &Method<'_>) {
    for input in &method.inputs {
        if !matches!(input.kind, InputKind::Plain) {
            continue;
        }
        if ty::is_unsized(&input.arg.ty) {
            cx.error_spanned_by(
                &input.arg.ty,
                format_args!(
                    "unsized argument in {} method: the message stores its arguments by value\n\
                     take an owned type, such as `String` for `str`, `Vec<T>` for `[T]` or `Box<dyn Trait + Send>`",
                    method.marker.role
                ),
            );
        }
    }
}

/// What a handler's message and its reply carry between tasks hold no
/// trait object that is certainly not `Send` (`Box<dyn FnOnce()>`): one
/// error at the `dyn`, with the bound to add, rather than rustc's at every
/// generated item that needs the message to be `Send`.
fn carried_trait_objects_are_send(cx: &Ctxt, handler: &Handler<'_>) {
    let method = &handler.method;
    arguments_are_not_unsent_trait_objects(cx, method, "a message travels to the server's task");
    if handler.kind != HandlerKind::Call {
        return;
    }
    // A boxed error in a `Result` reply has its own check and message,
    // and a deferred `Reply<T>` requires `T: Send` in the signature
    // itself, where rustc says so at the user's type.
    if let ReturnType::Type(_, reply) = &method.func.sig.output
        && !method.is_conditional()
        && boxed_error(method).is_none()
    {
        report_unsent_trait_object(cx, reply, "a reply travels back to the caller's task");
    }
}

fn arguments_are_not_unsent_trait_objects(cx: &Ctxt, method: &Method<'_>, why: &str) {
    // A method compiled out is not checked: what it would carry never
    // travels.
    if method.is_conditional() {
        return;
    }
    for input in &method.inputs {
        if matches!(input.kind, InputKind::Plain) {
            report_unsent_trait_object(cx, &input.arg.ty, why);
        }
    }
}

/// Reports the first trait object in `ty` that is certainly not `Send`.
fn report_unsent_trait_object(cx: &Ctxt, ty: &Type, why: &str) {
    if let Some(object) = ty::unsent_trait_object(ty) {
        let text = ty::type_text(object);
        cx.error_spanned_by(
            object,
            format_args!("`{text}` is not `Send`, and {why}\nwrite `{text} + Send`"),
        );
    }
}

/// Arguments have named types: they are fields of the message enum, and
/// `impl Trait` names no type.
fn arguments_are_not_impl_trait(cx: &Ctxt, method: &Method<'_>) {
    for input in &method.inputs {
        if !matches!(input.kind, InputKind::Plain) {
            continue;
        }
        if let Some(found) = ty::find_impl_trait(&input.arg.ty) {
            cx.error_spanned_by(
                found,
                format_args!(
                    "`impl Trait` argument in {} method: the message needs a type it can store\n\
                     name the type, or take a `Box<dyn Trait + Send>`",
                    method.marker.role
                ),
            );
        }
    }
}

/// The context is taken as `&mut Context<Self>`: the server lends it for
/// the duration of the call; it cannot be moved or shared.
fn context_is_mut_ref(cx: &Ctxt, method: &Method<'_>) {
    for input in &method.inputs {
        let InputKind::Context(shape) = input.kind else {
            continue;
        };
        let (taken, own_type) = match shape {
            ContextShape::Mut => continue,
            ContextShape::Shared => ("takes `&Context`", ""),
            // A type of the user's own can only be meant by value: a
            // borrowed argument is refused whatever its type.
            ContextShape::Value => (
                "takes `Context` by value",
                "; for a type of your own named `Context`, write its path (`self::Context`) \
                 or import it under another name",
            ),
        };
        cx.error_spanned_by(
            &input.arg.ty,
            format_args!(
                "{} method {taken}, but the server lends its context mutably\n\
                 write `&mut Context<Self>`{own_type}",
                method.marker.role
            ),
        );
    }
}

/// The context is this server's: `Context<Self>` (or the server's type
/// written out), not another server's.
fn context_is_this_servers(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    for input in &method.inputs {
        if !matches!(input.kind, InputKind::Context(_)) {
            continue;
        }
        let Some(of) = ty::context_of(&input.arg.ty) else {
            continue;
        };
        if !ty::is_self(of, &server.item.self_ty) {
            cx.error_spanned_by(
                of,
                format_args!(
                    "{} method takes the context of `{}`, another server\nwrite `&mut Context<Self>`",
                    method.marker.role,
                    ty::type_text(of)
                ),
            );
        }
    }
}

/// A marked method's `&mut Context` written without the server's type:
/// reported at `Context`, and completed to `Context<Self>` in the block,
/// which is emitted beside the errors, where rustc would report it again
/// and suggest `Context<S>`. Done before the block is parsed, so that the
/// rules on the context see the type the user meant. (`&Context` and
/// `Context` by value have errors of their own, with the same hint.)
pub(crate) fn complete_bare_contexts(
    cx: &Ctxt,
    item: &mut syn::ItemImpl,
    markers: &[Option<attr::Marker>],
    krate: Option<&syn::Path>,
) {
    for (impl_item, marker) in item.items.iter_mut().zip(markers) {
        let (syn::ImplItem::Fn(func), Some(_)) = (impl_item, marker) else {
            continue;
        };
        for arg in &mut func.sig.inputs {
            let syn::FnArg::Typed(arg) = arg else {
                continue;
            };
            if ty::context_shape(&arg.ty, krate) != Some(ContextShape::Mut) {
                continue;
            }
            if let Some(bare) = ty::without_arguments_mut(&mut arg.ty) {
                cx.error_spanned_by(
                    &*bare,
                    "`Context` takes the server's type\nwrite `&mut Context<Self>`",
                );
                let span = bare.ident.span();
                bare.arguments =
                    syn::PathArguments::AngleBracketed(syn::parse_quote_spanned!(span=> <Self>));
            }
        }
    }
}

/// At most one context argument: there is one context per server.
fn at_most_one_context(cx: &Ctxt, method: &Method<'_>) {
    let mut contexts = method
        .inputs
        .iter()
        .filter(|input| matches!(input.kind, InputKind::Context(_)));
    contexts.next();
    for extra in contexts {
        cx.error_spanned_by(
            extra.arg,
            "a method takes at most one `&mut Context<Self>`\nremove this argument",
        );
    }
}

/// A call has one caller, hence at most one `Reply<T>`.
fn at_most_one_reply(cx: &Ctxt, method: &Method<'_>) {
    let mut replies = method
        .inputs
        .iter()
        .filter(|input| matches!(input.kind, InputKind::Reply(_)));
    replies.next();
    for extra in replies {
        cx.error_spanned_by(
            extra.arg,
            "a `#[call]` has one caller, so it takes at most one `Reply<T>`\nremove this argument",
        );
    }
}

/// A `#[call]` that takes a `Reply<T>` answers through it, so it returns
/// `()`: a returned value would have nowhere to go.
fn deferred_call_returns_unit(cx: &Ctxt, method: &Method<'_>) {
    let Some(reply) = method.reply() else { return };
    if let ReturnType::Type(_, ty) = &method.func.sig.output
        && !ty::is_unit(ty)
    {
        cx.error_spanned_by(
            ty,
            format_args!(
                "a `#[call]` that takes a `Reply<{}>` answers through it, so it returns `()`\n\
                 remove the return type, and send the answer with `reply.send(value)`",
                ty::type_text(reply)
            ),
        );
    }
}

/// A `#[call]`'s reply is owned and named: it travels back to the caller's
/// task in a channel of that type.
fn call_reply_is_owned(cx: &Ctxt, method: &Method<'_>) {
    let ReturnType::Type(_, ty) = &method.func.sig.output else {
        return;
    };
    if let Some(borrow) = ty::find_borrow(ty) {
        cx.error_spanned_by(
            borrow,
            "a `#[call]` cannot return a borrow: the reply travels to the caller's task\n\
             return an owned type, such as `String` for `&str` or `Vec<T>` for `&[T]`",
        );
    } else if let Some(found) = ty::find_impl_trait(ty) {
        cx.error_spanned_by(
            found,
            "a `#[call]` cannot return `impl Trait`: the reply travels in a channel of a named type\n\
             name the type, or return a `Box<dyn Trait + Send>`",
        );
    }
}

/// The error of a `#[cast]` or `#[info]` ends the server, and that of
/// `#[init]` fails its start: either way it travels to other tasks (the
/// caller of `start`, monitors, links, supervisors) as the runtime's
/// `Box<dyn Error + Send + Sync>`. A `Box<dyn Error>` converts to that only
/// if it is `Send + Sync` itself, and rustc would otherwise report three
/// unmet bounds of the runtime's outcome traits, with no word of the fix.
fn error_is_send_sync(cx: &Ctxt, method: &Method<'_>) {
    error_is_not_unit(cx, method);
    let Some((err, boxed)) = boxed_error(method) else {
        return;
    };
    if boxed.send && boxed.sync {
        return;
    }
    let role = method.marker.role;
    let travels = if role == Role::Init {
        "fails the start and travels to the task that called `start`"
    } else {
        "ends the server and travels to monitors, links and supervisors in other tasks"
    };
    cx.error_spanned_by(
        err,
        format_args!(
            "the error of {role} {travels}, so it must be `Send + Sync`\n\
             write `Box<dyn {} + Send + Sync>`",
            ty::type_text(boxed.error)
        ),
    );
}

/// The same for a `#[call]`'s `Result` reply: it travels back to the
/// caller's task, so a `Box<dyn Error>` in it must be `Send`. Said here,
/// with the fix, rather than as rustc's unmet `Send` bound.
fn call_reply_error_is_send(cx: &Ctxt, method: &Method<'_>) {
    let Some((err, boxed)) = boxed_error(method) else {
        return;
    };
    // A reply needs no conversion, so a trait of the user's own named
    // `Error` may well be `Send` through its supertraits: only the
    // standard library's, written out, is known not to be.
    if boxed.send || !ty::is_std_error_path(boxed.error) {
        return;
    }
    cx.error_spanned_by(
        err,
        format_args!(
            "the reply of a `#[call]` travels to the caller's task, so its error must be `Send`\n\
             write `Box<dyn {} + Send + Sync>`",
            ty::type_text(boxed.error)
        ),
    );
}

/// The error of a cast, info or `#[init]` is not `()`: it becomes the
/// reason the server stopped (or did not start), a
/// `Box<dyn Error + Send + Sync>`, and `()` is not an error.
fn error_is_not_unit(cx: &Ctxt, method: &Method<'_>) {
    if method.is_conditional() {
        return;
    }
    let ReturnType::Type(_, ty) = &method.func.sig.output else {
        return;
    };
    let Some(err) = ty::result_err_type(ty).filter(|err| ty::is_unit(err)) else {
        return;
    };
    let role = method.marker.role;
    let (what, example) = if role == Role::Init {
        ("fails the start", "Result<Self, String>")
    } else {
        ("stops the server", "Result<(), String>")
    };
    cx.error_spanned_by(
        err,
        format_args!(
            "the error of {role} {what}, and is reported as the reason, a `Box<dyn std::error::Error + Send + Sync>`: `()` is not an error type\n\
             return an error that says what went wrong, such as `{example}`, or an error type of your own"
        ),
    );
}

/// The error type of a method returning `Result<_, Box<dyn Error ..>>`,
/// and what its trait object is bounded by.
///
/// `None` for a method under `#[cfg]`: one compiled out never reaches
/// rustc, and two written for different configurations may differ in
/// exactly this.
fn boxed_error<'a>(method: &'a Method<'_>) -> Option<(&'a Type, ty::BoxDynError<'a>)> {
    if method.is_conditional() {
        return None;
    }
    let ReturnType::Type(_, ty) = &method.func.sig.output else {
        return None;
    };
    let err = ty::result_err_type(ty)?;
    Some((err, ty::box_dyn_error(err)?))
}

/// `Reply<T>` belongs to `#[call]`: casts, info messages and `init` have no
/// caller waiting for an answer.
fn no_reply_argument(cx: &Ctxt, method: &Method<'_>, role: Role) {
    for input in &method.inputs {
        if let InputKind::Reply(_) = input.kind {
            cx.error_spanned_by(
                input.arg,
                format_args!(
                    "{role} method cannot take a `Reply`: nobody waits for its answer\n\
                     make it a `#[call]` to answer a caller, or remove this argument; for a type \
                     of your own named `Reply`, write its path (`self::Reply`) or import it under \
                     another name"
                ),
            );
        }
    }
}

/// No argument is, by name, the message enum itself: the enum would
/// contain itself (and for an `#[info]`, get `From<T> for T`, which the
/// standard library has). Far more likely, the user has a type of that
/// name, and the generated enum collides with it: rustc would report the
/// collision at the attribute, then everything the generated code does
/// with the user's type instead of the enum.
fn argument_is_not_the_message_enum(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    let state = explicit_state(server, method);
    for arg in method
        .plain()
        .filter(|arg| state.is_none_or(|state| !std::ptr::eq(state, *arg)))
    {
        if names_message_enum(server, &arg.ty) {
            cx.error_spanned_by(
                &arg.ty,
                format_args!(
                    "`#[genserver]` generates `{}`, so a type of that name cannot be an argument here\n\
                     rename your type, or choose other names with `#[genserver(message = ..., client = ...)]`",
                    server.message
                ),
            );
        }
    }
}

/// `ty` is the message enum's name, as written in the block's module
/// (`FooMessage`, `self::FooMessage`).
fn names_message_enum(server: &Server<'_>, ty: &Type) -> bool {
    let Type::Path(path) = ty::peel(ty) else {
        return false;
    };
    let segments: Vec<_> = path.path.segments.iter().collect();
    let last = match segments.as_slice() {
        [last] => last,
        [module, last] if names::is(&module.ident, "self") => last,
        _ => return false,
    };
    path.qself.is_none()
        && path.path.leading_colon.is_none()
        && last.arguments.is_none()
        && names::same(&last.ident, &server.message)
}

/// The handlers of the block whose argument is named like the message
/// enum: beside them, the enum goes by another name.
pub(crate) fn message_enum_named_by_an_argument(server: &Server<'_>) -> bool {
    server.handlers.iter().any(|handler| {
        let cx = Ctxt::new();
        argument_is_not_the_message_enum(&cx, server, &handler.method);
        cx.has_errors()
    })
}

/// An `#[info]` handler takes exactly one message (besides the context):
/// the variant carries that one value, and `From` converts it.
fn info_takes_one_message(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    let state = explicit_state(server, method);
    let mut messages = method
        .plain()
        .filter(|arg| state.is_none_or(|state| !std::ptr::eq(state, *arg)));
    if messages.next().is_none() {
        cx.error_spanned_by(
            method.ident(),
            "`#[info]` method has no message argument\n\
             add the message it handles, as in `fn tick(&mut self, tick: Tick)`",
        );
    }
    for extra in messages {
        cx.error_spanned_by(
            extra,
            "`#[info]` method takes one message, but this is a second one\n\
             an info message is one value: take a struct or a tuple of both",
        );
    }
}

/// An `#[info]` type is not a bare type parameter of the impl, nor one of
/// its associated types (`T::Item`): the message enum gets `From<T>`,
/// which would overlap with the blanket `From<T> for T`.
/// Nor is it one under fundamental wrappers (`Box<T>`, `Pin<Box<T>>`,
/// `&'static T`): the orphan rules see through those, so the generated
/// `impl InfoMessage<..> for Box<T>` would implement a foreign trait for
/// `T` (E0210, at the impl's parameter, with no word of the handler).
fn info_type_is_not_a_type_parameter(cx: &Ctxt, server: &Server<'_>, method: &Method<'_>) {
    let Some(message) = method.plain().next() else {
        return;
    };
    if let Some(param) = ty::as_type_param(&message.ty, &server.type_params) {
        cx.error_spanned_by(
            &message.ty,
            format_args!(
                "`#[info]` message type cannot be the type parameter `{param}`: the generated `From<{param}>` for `{}` would overlap with the standard `impl<T> From<T> for T`\n\
                 wrap it in a type of your own, such as `struct Event<{param}>({param})`",
                server.message
            ),
        );
    } else if let Some(param) = ty::as_projection_of_type_param(&message.ty, &server.type_params) {
        let text = ty::type_text(&message.ty);
        cx.error_spanned_by(
            &message.ty,
            format_args!(
                "`#[info]` message type cannot be `{text}`, a type named through the type parameter `{param}`: it can be any type, `{}` included, so the generated `From<{text}>` for it could overlap with the standard `impl<T> From<T> for T`\n\
                 wrap it in a type of your own that holds a `{text}`",
                server.message
            ),
        );
    } else if let Some(param) = ty::as_wrapped_type_param(&message.ty, &server.type_params) {
        let text = ty::type_text(&message.ty);
        cx.error_spanned_by(
            &message.ty,
            format_args!(
                "`#[info]` message type cannot be `{text}`: `Box`, `Pin` and references are transparent to the orphan rules, so the generated `InfoMessage` impl for `{text}` would be an impl for the type parameter `{param}`\n\
                 wrap it in a type of your own, such as `struct Event<{param}>({text})`"
            ),
        );
    }
}

/// Each info type has one handler: the type alone decides where an info
/// message goes (`From<Tick>` can exist once).
fn one_handler_per_info_type(cx: &Ctxt, server: &Server<'_>) {
    let mut seen: HashMap<String, Vec<&Handler<'_>>> = HashMap::new();
    for handler in &server.handlers {
        if handler.kind != HandlerKind::Info {
            continue;
        }
        let Some(message) = handler.method.plain().next() else {
            continue;
        };
        // `self::Tick` is `Tick`: the block's module is the type's scope.
        let written = message.ty.to_token_stream().to_string();
        let key = written
            .strip_prefix("self :: ")
            .unwrap_or(&written)
            .to_owned();
        let earlier = seen.entry(key).or_default();
        if let Some(first) = first_clash(earlier, handler) {
            cx.error_spanned_by(
                &message.ty,
                format_args!(
                    "two `#[info]` methods handle `{}`: `{}` already does\n\
                     an info type goes to one handler; merge them, or wrap one in a type of its own",
                    ty::type_text(&message.ty),
                    first.method.ident()
                ),
            );
        }
        earlier.push(handler);
    }
}

/// Each handler gets a variant of its own: method names that differ only
/// in case or underscores would make one variant name twice.
fn one_handler_per_variant(cx: &Ctxt, server: &Server<'_>) {
    let mut seen: HashMap<String, Vec<&Handler<'_>>> = HashMap::new();
    for handler in &server.handlers {
        let key = names::unraw(&handler.variant);
        let earlier = seen.entry(key.clone()).or_default();
        if let Some(first) = first_clash(earlier, handler) {
            // Also for two methods of one name, which rustc reports too
            // (E0592): without this error, the full expansion would add
            // its own about the variant made twice.
            let message = if names::unraw(first.method.ident())
                == names::unraw(handler.method.ident())
            {
                format!(
                    "two handlers are named `{}`: each is a message variant and a client method of its own\n\
                     rename one of them",
                    handler.method.ident()
                )
            } else {
                format!(
                    "`{}` and `{}` would both be the message variant `{key}`\nrename one of them",
                    first.method.ident(),
                    handler.method.ident()
                )
            };
            cx.error_spanned_by(handler.method.ident(), message);
        }
        earlier.push(handler);
    }
}

/// The first of `earlier` that `handler` certainly clashes with. Two
/// handlers that both have a `#[cfg]` may never be compiled together
/// (`unix` and `not(unix)`), and the macro cannot evaluate `cfg`s: if
/// both are compiled after all, rustc reports the duplicate definitions.
fn first_clash<'h, 'a>(
    earlier: &[&'h Handler<'a>],
    handler: &Handler<'_>,
) -> Option<&'h Handler<'a>> {
    earlier
        .iter()
        .copied()
        .find(|first| !(first.method.is_conditional() && handler.method.is_conditional()))
}

/// A server has one `#[init]` and one `#[terminate]`: each is the one
/// implementation of a `GenServer` method. As for handlers
/// ([`first_clash`]), two that both have a `#[cfg]` may be one per
/// configuration; if both are compiled after all, rustc reports the
/// duplicate definitions.
fn at_most_one(cx: &Ctxt, methods: &[Method<'_>], role: Role) {
    for (n, extra) in methods.iter().enumerate() {
        let Some(first) = methods[..n]
            .iter()
            .find(|first| !(first.is_conditional() && extra.is_conditional()))
        else {
            continue;
        };
        cx.error_spanned_by(
            &extra.marker.attr,
            format_args!(
                "a server has one {role} method, and `{}` is already marked {role}\nremove this attribute",
                first.ident()
            ),
        );
    }
}

/// `#[init]` takes no `self`: it builds the state.
fn init_takes_no_self(cx: &Ctxt, init: &Method<'_>) {
    if let Some(receiver) = init.receiver {
        cx.error_spanned_by(
            receiver,
            "`#[init]` builds the state, so it cannot take `self`\n\
             remove `self`, as in `async fn init(start: u64) -> Result<Self, E>`",
        );
    }
}

/// `#[init]` returns the state: `Self`, or `Result<Self, E>` to fail the
/// start. A type that visibly is not the state (`u8`, a tuple, a type
/// parameter) is reported here, at that type; one the macro cannot tell
/// (an alias, another struct) is left to rustc, whose error the expansion
/// places at the return type.
fn init_returns_the_state(cx: &Ctxt, server: &Server<'_>, init: &Method<'_>) {
    let ty = match &init.func.sig.output {
        ReturnType::Default => {
            cx.error_spanned_by(
                init.ident(),
                "`#[init]` must return the state\nadd `-> Self`, or `-> Result<Self, E>` if the start can fail",
            );
            return;
        }
        ReturnType::Type(_, ty) => ty,
    };
    if ty::is_unit(ty) {
        cx.error_spanned_by(
            ty,
            "`#[init]` must return the state, not `()`\nreturn `Self`, or `Result<Self, E>` if the start can fail",
        );
    } else if ty::is_visibly_not(ty, &server.type_params) {
        cx.error_spanned_by(
            ty,
            format_args!(
                "`#[init]` must return `Self` or `Result<Self, E>`, not `{}`\n\
                 return `Self`, or `Result<Self, E>` if the start can fail",
                ty::type_text(ty)
            ),
        );
    } else if let Some(ok) = ty::result_ok_type(ty)
        && ty::is_visibly_not(ok, &server.type_params)
    {
        cx.error_spanned_by(
            ok,
            format_args!(
                "`#[init]` must return `Self` or `Result<Self, E>`, not `{}`\n\
                 write `Self` here, and return the state in `Ok`",
                ty::type_text(ty)
            ),
        );
    }
}

/// `#[terminate]` takes, besides `self`, at most a `&ExitReason` and a
/// `&mut Context<Self>`: that is all the runtime has to give it.
fn terminate_arguments(cx: &Ctxt, server: &Server<'_>, terminate: &Method<'_>) {
    let mut reasons = 0;
    let state = explicit_state(server, terminate);
    for input in &terminate.inputs {
        if state.is_some_and(|state| std::ptr::eq(state, input.arg)) {
            continue;
        }
        match input.kind {
            InputKind::Context(_) => {}
            InputKind::Reason => {
                reasons += 1;
                if reasons > 1 {
                    cx.error_spanned_by(
                        input.arg,
                        "`#[terminate]` takes one `&ExitReason`\nremove this argument",
                    );
                }
                // The reason is lent for the call only: a named lifetime
                // (`&'static`) would fail inside the generated impl.
                if let Type::Reference(reference) = &*input.arg.ty
                    && let Some(lifetime) = &reference.lifetime
                    && !is_anonymous(Some(lifetime))
                {
                    cx.error_spanned_by(
                        lifetime,
                        "`#[terminate]` is lent the exit reason for the call only\n\
                         write `reason: &ExitReason`, and clone it to keep it",
                    );
                }
            }
            InputKind::Plain | InputKind::Reply(_) => cx.error_spanned_by(
                input.arg,
                "unexpected argument in `#[terminate]`\n\
                 it takes `&mut self` (or `&self`), and optionally `reason: &ExitReason` and `ctx: &mut Context<Self>`",
            ),
        }
    }
}

/// `&mut Ctx<Self>`: most likely the context, renamed by a `use .. as`.
fn is_mut_ref_to_generic_of_self(ty: &Type, self_ty: &Type) -> bool {
    matches!(ty::peel(ty), Type::Reference(r) if r.mutability.is_some())
        && ty::context_of(ty).is_some_and(|of| ty::is_self(of, self_ty))
}

/// `#[terminate]` returns `()`: the server is stopping and nobody reads a
/// value from it.
fn terminate_returns_unit(cx: &Ctxt, terminate: &Method<'_>) {
    if let ReturnType::Type(_, ty) = &terminate.func.sig.output
        && !ty::is_unit(ty)
    {
        cx.error_spanned_by(
            ty,
            "`#[terminate]` returns `()`: the server is stopping, so nobody reads its value\nremove the return type",
        );
    }
}
