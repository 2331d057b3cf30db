//! The error collector: every independent mistake in one compile.

use std::cell::{Cell, RefCell};
use std::fmt::Display;

use quote::ToTokens;

/// Collects the errors found while parsing and validating one
/// `#[genserver]` block, so that the user sees all of them at once instead
/// of fixing them one compile at a time.
#[derive(Default)]
pub(crate) struct Ctxt {
    errors: RefCell<Vec<syn::Error>>,
    /// A rule was broken that rustc reports itself (see [`Ctxt::left_to_rustc`]).
    left_to_rustc: Cell<bool>,
}

impl Ctxt {
    pub(crate) fn new() -> Self {
        Ctxt::default()
    }

    /// An error spanning `tokens` (first to last token where the compiler
    /// allows it).
    ///
    /// `message` is what is wrong, and after a line break, what to write
    /// instead.
    pub(crate) fn error_spanned_by<T: ToTokens>(&self, tokens: T, message: impl Display) {
        self.errors.borrow_mut().push(syn::Error::new_spanned(
            tokens.into_token_stream(),
            render(&message.to_string()),
        ));
    }

    /// An error that syn produced while parsing.
    pub(crate) fn syn_error(&self, error: syn::Error) {
        self.errors.borrow_mut().extend(error);
    }

    /// A rule broken in the user's block that rustc reports there, at the
    /// user's own token, as clearly as the macro could: the macro adds no
    /// error of its own, but generates nothing from the part that broke
    /// it, which would only repeat rustc's error in every generated item.
    pub(crate) fn left_to_rustc(&self) {
        self.left_to_rustc.set(true);
    }

    /// `true` once any error was recorded, or a rule left to rustc broken.
    pub(crate) fn has_errors(&self) -> bool {
        self.left_to_rustc.get() || !self.errors.borrow().is_empty()
    }

    /// All errors, in source order, as one combined error; `Ok` when none.
    ///
    /// Rules run in several passes (per method, then across methods), so
    /// the order they were found in is not the order a reader expects.
    pub(crate) fn check(self) -> Result<(), syn::Error> {
        let mut errors = self.errors.into_inner();
        // `sort_by_key` is stable: errors at one position keep their order.
        errors.sort_by_key(|e| {
            let start = e.span().start();
            (start.line, start.column)
        });
        let mut errors = errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                first.extend(errors);
                Err(first)
            }
        }
    }
}

/// Puts the suggestion on a line of its own, marked as rustc marks its
/// help (a proc macro cannot attach a real `help` note on stable).
fn render(message: &str) -> String {
    match message.split_once('\n') {
        Some((what, help)) => format!("{what}\nhelp: {help}"),
        None => message.to_owned(),
    }
}
