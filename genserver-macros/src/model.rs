//! The server as the macro understands it. Every node keeps the user's
//! syn node, so that a rule found broken later can point at it.

use proc_macro2::TokenStream;
use syn::{Attribute, Ident, ImplItemFn, ItemImpl, PatType, Path, Receiver, Type, Visibility};

use crate::attr::{self, Marker, Timeout};
use crate::ty::ContextShape;

/// One `#[genserver] impl` block.
pub(crate) struct Server<'a> {
    /// The user's block, marker attributes removed.
    pub(crate) item: &'a ItemImpl,
    /// Where generated code finds the runtime.
    pub(crate) krate: Path,
    /// Where generated code finds what it refers to: the runtime's
    /// `__private` module, or, under `crate = path`, the name that
    /// [`Server::private_import`] gives it.
    pub(crate) private: Path,
    /// Under `crate = path`, the one import of `path::__private`: a path
    /// that is not the runtime is then one error, at the user's path,
    /// rather than one at every item that refers to it.
    pub(crate) private_import: Option<TokenStream>,
    /// The self type's name: `Counter` in `impl Counter`.
    pub(crate) ident: &'a Ident,
    /// The message enum's name.
    pub(crate) message: Ident,
    /// The client's name.
    pub(crate) client: Ident,
    /// `#[call]`, `#[cast]` and `#[info]` methods, in source order.
    pub(crate) handlers: Vec<Handler<'a>>,
    /// Every `#[init]` (one is valid, or one per configuration).
    pub(crate) inits: Vec<Method<'a>>,
    /// Every `#[terminate]` (one is valid, or one per configuration).
    pub(crate) terminates: Vec<Method<'a>>,
    /// Every method of the block, marked or not.
    pub(crate) methods: Vec<&'a ImplItemFn>,
    /// The type parameters of the impl.
    pub(crate) type_params: Vec<&'a Ident>,
}

/// A marked method.
pub(crate) struct Method<'a> {
    pub(crate) func: &'a ImplItemFn,
    pub(crate) marker: Marker,
    pub(crate) receiver: Option<&'a Receiver>,
    /// Every argument after the receiver, in order.
    pub(crate) inputs: Vec<Input<'a>>,
}

/// An argument of a marked method.
pub(crate) struct Input<'a> {
    pub(crate) arg: &'a PatType,
    pub(crate) kind: InputKind<'a>,
}

pub(crate) enum InputKind<'a> {
    /// Part of the message: a start argument, a message field.
    Plain,
    /// The server's context, in whatever shape it was written.
    Context(ContextShape),
    /// `Reply<T>`: a call answered later.
    Reply(&'a Type),
    /// `&ExitReason`, as `#[terminate]` takes it.
    Reason,
}

/// A `#[call]`, `#[cast]` or `#[info]` method.
pub(crate) struct Handler<'a> {
    pub(crate) method: Method<'a>,
    pub(crate) kind: HandlerKind,
    /// The message enum's variant for it.
    pub(crate) variant: Ident,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum HandlerKind {
    Call,
    Cast,
    Info,
}

impl<'a> Method<'a> {
    pub(crate) fn ident(&self) -> &'a Ident {
        &self.func.sig.ident
    }

    pub(crate) fn vis(&self) -> &'a Visibility {
        &self.func.vis
    }

    pub(crate) fn is_async(&self) -> bool {
        self.func.sig.asyncness.is_some()
    }

    pub(crate) fn attrs(&self) -> &'a [Attribute] {
        &self.func.attrs
    }

    /// Whether a `#[cfg]` (or a `#[cfg_attr]` that adds one) decides if
    /// the method exists.
    pub(crate) fn is_conditional(&self) -> bool {
        self.attrs().iter().any(|a| attr::cfg_part(a).is_some())
    }

    /// The arguments that travel in the message (or are the start
    /// arguments), with their position among those.
    pub(crate) fn plain(&self) -> impl Iterator<Item = &'a PatType> + '_ {
        self.inputs.iter().filter_map(|input| match input.kind {
            InputKind::Plain => Some(input.arg),
            _ => None,
        })
    }

    /// The `T` of a `Reply<T>` argument.
    pub(crate) fn reply(&self) -> Option<&'a Type> {
        self.inputs.iter().find_map(|input| match input.kind {
            InputKind::Reply(ty) => Some(ty),
            _ => None,
        })
    }

    pub(crate) fn timeout(&self) -> Option<&Timeout> {
        self.marker.timeout.as_ref()
    }
}

impl Handler<'_> {
    /// A call that answers through a `Reply<T>` argument.
    pub(crate) fn is_deferred(&self) -> bool {
        self.kind == HandlerKind::Call && self.method.reply().is_some()
    }
}
