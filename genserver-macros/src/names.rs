//! Every identifier the macro makes up, in one place.
//!
//! Locals use `Span::mixed_site()`: they cannot capture or shadow a name
//! of the user's, whatever the user names their arguments.

use proc_macro2::Span;
use syn::Ident;
use syn::ext::IdentExt;

use crate::args::Args;
use crate::ty;

/// The message enum: `{Server}Message`, or `#[genserver(message = ..)]`.
/// `r#match` gives `matchMessage`: the name without its `r#`, followed by
/// letters, is an identifier.
pub(crate) fn message(server: &Ident, args: &Args) -> Ident {
    args.message
        .clone()
        .unwrap_or_else(|| Ident::new(&format!("{}Message", unraw(server)), server.span()))
}

/// The client: `{Server}Client`, or `#[genserver(client = ..)]`.
pub(crate) fn client(server: &Ident, args: &Args) -> Ident {
    args.client
        .clone()
        .unwrap_or_else(|| Ident::new(&format!("{}Client", unraw(server)), server.span()))
}

/// A handler's variant: `add_item` → `AddItem`, at the method's name.
/// `self_` would make the keyword `Self`: it becomes `Self_`. `_1` would
/// make `1`, which starts with a digit: it becomes `_1`. A name that is
/// still not an identifier (a word that starts with a combining mark)
/// keeps the method's name.
pub(crate) fn variant(method: &Ident) -> Ident {
    let name = ty::pascal_case(method);
    let name = if name == "Self" {
        "Self_".to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    };
    // `Ident::new` panics on what is not an identifier; parsing does not.
    match syn::parse_str::<Ident>(&name) {
        Ok(mut ident) => {
            ident.set_span(method.span());
            ident
        }
        Err(_) => method.clone(),
    }
}

/// The hidden variant that uses the impl's type parameters.
pub(crate) fn phantom_variant() -> Ident {
    Ident::new("__Phantom", Span::call_site())
}

/// The client's one field.
pub(crate) fn server_field() -> Ident {
    Ident::new("server", Span::call_site())
}

/// Methods every client has; a `#[call]` or `#[cast]` of the same name
/// would clash with them.
pub(crate) const CLIENT_METHODS: &[&str] = &[
    "clone",
    "from_server_ref",
    "id",
    "info",
    "is_alive",
    "server_ref",
    "stop",
    "stop_with",
    "try_info",
    "wait",
    "with_timeout",
    "without_timeout",
];

/// A method of a trait every type has, taking `self` by value.
pub(crate) struct TraitMethod {
    pub(crate) name: &'static str,
    pub(crate) trait_path: &'static str,
    /// In the prelude, so in scope everywhere.
    pub(crate) in_prelude: bool,
}

/// Methods of traits every type has that take `self` by value: method
/// lookup finds them on the client before a client method of the same
/// name, which takes `&self`. Those of `tracing`, which every user of this
/// crate has and async code often imports, hide the client's method only
/// where the trait is in scope, which is worse: the handler works in one
/// module and not in the next.
pub(crate) const TRAIT_METHODS_BY_VALUE: &[TraitMethod] = &[
    TraitMethod::prelude("into", "Into"),
    TraitMethod::prelude("try_into", "TryInto"),
    TraitMethod::imported("instrument", "tracing::Instrument"),
    TraitMethod::imported("in_current_span", "tracing::Instrument"),
    TraitMethod::imported("with_subscriber", "tracing::instrument::WithSubscriber"),
    TraitMethod::imported(
        "with_current_subscriber",
        "tracing::instrument::WithSubscriber",
    ),
];

impl TraitMethod {
    const fn prelude(name: &'static str, trait_path: &'static str) -> Self {
        TraitMethod {
            name,
            trait_path,
            in_prelude: true,
        }
    }

    const fn imported(name: &'static str, trait_path: &'static str) -> Self {
        TraitMethod {
            name,
            trait_path,
            in_prelude: false,
        }
    }
}

/// The client's non-waiting method for the cast `name`: `try_name`.
pub(crate) fn try_cast(name: &Ident) -> Ident {
    Ident::new(&format!("try_{}", unraw(name)), name.span())
}

/// A name as the user means it, and as `GenServer::NAME` and `Debug` show
/// it: `r#match` is `match`.
pub(crate) fn unraw(name: &Ident) -> String {
    name.unraw().to_string()
}

/// `name` is `word`, raw or not: `r#stop` is `stop`. Every rule about a
/// name compares with this, so that a raw identifier cannot slip past a
/// rule that its plain spelling breaks.
pub(crate) fn is(name: &Ident, word: &str) -> bool {
    name.unraw() == word
}

/// `a` and `b` are one name, raw or not.
pub(crate) fn same(a: &Ident, b: &Ident) -> bool {
    a.unraw() == b.unraw()
}

/// Associated functions generated on the server type.
pub(crate) const SERVER_FUNCTIONS: &[&str] = &["start", "start_with"];

/// The name a method of the user's named like a generated function
/// (`start`) gets beside the errors, at the user's name: out of the way of
/// the generated `start`, which the user's code goes on to call.
pub(crate) fn out_of_the_way(method: &Ident) -> Ident {
    Ident::new(
        &format!("__genserver_user_{}", unraw(method)),
        method.span(),
    )
}

fn local(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// `handle`'s message parameter.
pub(crate) fn message_local() -> Ident {
    local("__genserver_message")
}

/// The `&mut Context<Self>` parameter of `init`, `handle`, `terminate`.
pub(crate) fn ctx_local() -> Ident {
    local("__genserver_ctx")
}

/// A call's reply channel.
pub(crate) fn reply_local() -> Ident {
    local("__genserver_reply")
}

/// A call handler's return value.
pub(crate) fn value_local() -> Ident {
    local("__genserver_value")
}

/// A cast or info handler's return value, located at the user's return
/// type so that a wrong type is reported there.
pub(crate) fn outcome_local(at: Span) -> Ident {
    Ident::new("__genserver_outcome", Span::mixed_site().located_at(at))
}

/// An info message.
pub(crate) fn info_local() -> Ident {
    local("__genserver_info")
}

/// `init`'s arguments, as one value.
pub(crate) fn args_local() -> Ident {
    local("__genserver_args")
}

/// `terminate`'s reason.
pub(crate) fn reason_local() -> Ident {
    local("__genserver_reason")
}

/// The value of the uninhabited phantom variant.
pub(crate) fn never_local() -> Ident {
    local("__genserver_never")
}

/// The `Formatter` of `Debug` impls.
pub(crate) fn formatter_local() -> Ident {
    local("__genserver_f")
}

/// `start_with`'s options.
pub(crate) fn options_local() -> Ident {
    local("options")
}

/// The state, as `start` takes it when there is no `#[init]`.
pub(crate) fn state_local() -> Ident {
    local("state")
}

/// The `n`th message field or start argument.
pub(crate) fn arg_local(n: usize) -> Ident {
    local(&format!("__genserver_arg{n}"))
}
