//! The `#[genserver]` attribute of the [`genserver`](https://docs.rs/genserver)
//! crate. Depend on `genserver`, which re-exports it.

// The macro works in four steps, one module each: `attr` and `args` read
// the attributes, `parse` builds the model (`model`), `validate` checks
// every rule and reports all broken ones at once (`ctxt`), and `expand`
// generates the code, which cannot fail.

mod args;
mod attr;
mod ctxt;
mod doc_links;
mod expand;
mod model;
mod names;
mod parse;
mod ty;
mod validate;

use proc_macro::TokenStream;

/// Makes a `GenServer` of an `impl` block.
///
/// ```ignore
/// #[genserver]
/// impl Counter {
///     #[init]
///     async fn init(start: u64) -> Result<Self, Infallible> { Ok(Counter { total: start }) }
///
///     /// Adds `by` and returns the new total.
///     #[call]
///     pub fn add(&mut self, by: u64) -> u64 { self.total += by; self.total }
///
///     #[cast]
///     pub fn reset(&mut self) { self.total = 0 }
///
///     #[info]
///     fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {}
///
///     #[terminate]
///     async fn stopped(&mut self, reason: &ExitReason) {}
/// }
/// ```
///
/// generates, beside the block (whose marker attributes it removes):
///
/// - `CounterMessage`, an enum with one variant per `#[call]`, `#[cast]`
///   and `#[info]` method (named after it in `PascalCase`), and
///   `From<Tick>` for each info type;
/// - `CounterClient`, a cheap, cloneable, `Send + Sync` handle with one
///   `async` method per `#[call]` (returning `Result<T, CallError>` for the
///   handler's reply type `T`)
///   and `#[cast]` (returning `Result<(), SendError<CounterMessage>>`),
///   with the handler's docs, a non-waiting `try_<cast>` per `#[cast]`
///   (returning `Result<(), TrySendError<CounterMessage>>`), plus `info`, `try_info`, `stop`,
///   `stop_with`, `wait`, `id`, `is_alive`, `with_timeout`,
///   `without_timeout` and `server_ref`;
/// - `Counter::start(..)` and `Counter::start_with(.., options)`, taking
///   `#[init]`'s arguments as it declares them (`start(name, size)` for
///   `init(name: String, size: usize)`), or the state itself without an
///   `#[init]`;
/// - `impl GenServer for Counter`.
///
/// # Methods
///
/// - `#[call]`, `#[call(timeout = "250ms")]`: `&self` or `&mut self` (also
///   written `self: &Self`, `self: &mut Counter`, `&'_ self`), owned
///   arguments, optionally `&mut Context<Self>` anywhere; the return value
///   is the reply. A `Reply<T>` argument makes a deferred call: the
///   method returns `()` and answers through the `Reply`. The timeout is a
///   string, a whole number and a unit (`ms`, `s`, `m`, `h`), or
///   `"infinity"`, or a `Duration` expression (finer than a millisecond,
///   say); 5 s by default. A string of zero is refused (every call
///   would time out, semantics 3.4); a zero `Duration` is taken as
///   written. The client evaluates the expression
///   before it sends the call: `Self` there is the server type (for its
///   constants), `self` the client, and the server's fields and the
///   handler's arguments are out of reach.
/// - `#[cast]`: as a call, returning `()` or `Result<(), E>`; an `Err`
///   stops the server.
/// - `#[info]`: one message argument, of a type no other `#[info]` takes.
/// - `#[init]`: no `self`; its arguments are `start`'s, and optionally
///   `&mut Context<Self>` (to set an idle timeout, continue, monitor or
///   link from the start); returns `Self` or `Result<Self, E>`, `Self`
///   written so or by the type's name or path. Without it, `start` takes
///   the state itself. The
///   server's `GenServer::Args`, which a supervisor's
///   `ChildSpec::server(id, || args)` closure returns, are `()` for an
///   `init` without arguments, the argument's type for one, and a tuple
///   of them for more (`init(name: String, size: usize)` takes
///   `(String, usize)`); without `init`, the server type.
/// - `#[terminate]`: `&mut self` (or `&self`), optionally `&ExitReason` and
///   `&mut Context<Self>`.
///
/// `E` in the `Result<_, E>` of `#[init]`, `#[cast]` and `#[info]` (a
/// `#[call]`'s return value, `Result` or not, is its reply) is any error
/// that converts into a boxed `Error + Send + Sync`: an error type, a
/// `String` or a `&'static str`. It becomes the exit reason
/// `ExitReason::Error`, and `ExitReason::downcast_ref::<E>()` gives it
/// back typed; a `String` or `&str` is kept as its text only. `E` may
/// also be `ExitReason` itself, which is the exit reason as it is:
/// `Err(ExitReason::Normal)` stops the server cleanly (OTP's
/// `{:stop, :normal, state}`).
///
/// The context and a deferred reply are recognised by how they are
/// written, as the macro cannot resolve names: `Context` and `Reply<T>`
/// written bare or through a path that starts with `genserver` (or with
/// the `crate = ` path) are the server's (`&mut Context<Self>`,
/// `&mut genserver::Context<Self>`, `genserver::prelude::Reply<T>`); one
/// written through any other module path (`chat::Context`,
/// `crate::ui::Reply<T>`) is the user's own type, an ordinary argument.
/// The reason of `#[terminate]` is `&` a path ending in `ExitReason`.
///
/// Methods may be `async`. A block must mark at least one method (with none,
/// the markers were most likely forgotten); a server with only `#[init]`
/// and `#[terminate]` is valid.
///
/// # Visibility
///
/// The message enum, the client and `start` have the widest visibility of
/// the `#[call]`, `#[cast]`, `#[info]` and `#[init]` methods; each client
/// method has its handler's. Of two paths the block alone cannot compare,
/// one from the crate root and one from its own module
/// (`pub(in crate::a)` and `pub(super)`), they are `pub(crate)`, which
/// reaches both. A `pub` server type needs at least one `pub`
/// handler, or the compiler reports the private enum in its public
/// `GenServer` impl, at the server type.
///
/// The other way round, a handler wider than the server type (`pub fn` on
/// a `pub(crate) struct`) makes a client wider than the server it names.
/// On an inherent method that is allowed, but the client's `impl Client`
/// names the server, and the compiler requires it there to be as visible
/// as the client: it reports a crate-private (or private) type in a public
/// interface (E0446) at the handler's `pub`. The macro cannot see the
/// server type's visibility, and a client that could follow it would need
/// a type parameter naming the server; give the handlers at most the
/// server's visibility (`pub(crate) fn` on a `pub(crate) struct`).
///
/// # Attributes on methods
///
/// `#[cfg]` on a method applies to everything generated from it: its
/// variant, client method, dispatch and `From` impl. Docs go to the
/// variant and the client method, `#[deprecated]` to the client method.
/// A lint about the handler's name or arguments (`non_snake_case` for a
/// `GetValue`) fires on the handler only, so an `#[allow]` there covers
/// the client methods generated from it. The lints that a handler's
/// signature trips only because it is the server's contract are allowed
/// on it: `clippy::unused_self`, `needless_pass_by_value`,
/// `trivially_copy_pass_by_ref`, `unused_async`, `must_use_candidate`,
/// `missing_const_for_fn` and `needless_pass_by_ref_mut` (one the
/// handler names in an `#[expect]` is left to that expectation).
/// An intra-doc link to `Self` or `Self::item` in a handler's docs
/// (`` [`Self::reset`] ``, `[reset](Self::reset)`, `[r]: Self::reset`) means
/// the server there as on the handler: the generated copies link it to
/// the server, except that on the client a link to a method the client
/// has too (its `reset`) stays on the client's. Links written inside a
/// `#[cfg_attr]` or built by a macro (`#[doc = concat!(..)]`) are left as
/// they are. A `#[cfg_attr]` is forwarded reduced to what it adds of these
/// (`#[cfg_attr(p, cfg(q), doc = "..", inline)]` gives the generated items
/// `#[cfg_attr(p, cfg(q))]` and `#[cfg_attr(p, doc = "..")]`); the rest of
/// it, like any other attribute (an `inline`, a lint level, a
/// `tracing::instrument` that names the handler's `ctx`), stays on the
/// handler. A marker is not read inside a `#[cfg_attr]` (the block is
/// read before `cfg_attr` applies): it is an error there; write the marker
/// plainly and the `#[cfg]` beside it.
///
/// Two handlers of one name, or two `#[info]` handlers of one type, may
/// coexist when both have a `#[cfg]` (`unix` and `not(unix)`), and so may
/// several `#[init]` or `#[terminate]` methods when each has one: the macro
/// cannot evaluate `cfg`s, so if both are compiled in after all, rustc
/// reports the duplicates. `start` takes the arguments of the `#[init]`
/// compiled in; when every `#[init]` is compiled out, the server has none,
/// and `start` takes the state.
///
/// A `#[call]` or `#[cast]` cannot take a name the client already has:
/// its own methods listed above, `try_reset` beside a cast `reset`, and
/// the names of methods that take `self` by value and that every type has
/// (`into`, `try_into`, and `tracing`'s `instrument`, `in_current_span`,
/// `with_subscriber` and `with_current_subscriber`, wherever their trait
/// is in scope), which method lookup would pick before the client's. Each
/// is an error at the handler's name; the rest of the block still
/// expands, so the code that uses the other handlers compiles.
///
/// A handler named like a method of `ClientExt` (`stats`,
/// `inspect_state`, `replace_state`, `stop_after_queued`) takes that name
/// on the client, as an inherent method does over a trait's; the runtime's
/// method stays reachable as `ClientExt::stats(&client)` or through
/// `client.server_ref()`.
///
/// # Options
///
/// `#[genserver(crate = path, message = Name, client = Name)]`: where the
/// `genserver` crate is (for crates that re-export it), and other names
/// for the enum and the client.
///
/// Under `crate = path`, the block's module gets one private import,
/// `use path::__private as __genserver_private_Counter;`, through which
/// the generated code reaches the runtime: a `path` that is not the
/// `genserver` crate is then one error, rustc's "unresolved import" at
/// the attribute, rather than one for every generated item.
///
/// The enum and the client are items of the block's module: a type of
/// that name already there collides with them. Where a handler takes it
/// (`#[info] fn on(&mut self, m: CounterMessage)`), the macro says so at
/// the argument; elsewhere, rustc reports the name defined twice. Choose
/// other names with these options.
///
/// # Attributes on the block
///
/// A `#[cfg]` or an `#[allow]` on the block (also inside `#[cfg_attr]`)
/// holds for what the macro generates beside it too: a block compiled out
/// leaves no enum, client or `impl GenServer` behind, and
/// `#[allow(deprecated)]` on the block of a deprecated type covers the
/// generated code that names it. Other attributes stay on the block.
///
/// # Generics
///
/// Type and const parameters and the `where` clause of the block carry
/// over to the enum, the client and every impl, which also require each
/// type parameter to be `Send + 'static` (a server and its messages cross
/// tasks). The block itself is left as written: a handler that takes
/// `ctx: &mut Context<Self>` names the server as a server there, so such a
/// block bounds its type parameters itself (`impl<T: Clone + Send +
/// 'static> Store<T>`), as rustc's errors then ask. Lifetime parameters
/// are an error.
///
/// A server is one block: its handlers cannot be split over two
/// `#[genserver]` blocks, which would each make a `GenServer` impl. Two
/// servers made from one generic type (`impl Pair<u8>` and `impl
/// Pair<u16>`, each its own server) are two blocks whose default names
/// are the same (`PairMessage`, `PairClient`): name the second pair with
/// `message = ..` and `client = ..`.
///
/// An `async` handler that takes `&self` holds the reference across
/// `.await`, so its server must be `Sync`; take `&mut self` otherwise.
#[proc_macro_attribute]
pub fn genserver(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::genserver(args.into(), input.into()).into()
}

/// Marks a call handler in a [`genserver`](macro@genserver) block, which
/// reads and removes it. Anywhere else it is an error saying so.
#[proc_macro_attribute]
pub fn call(_args: TokenStream, item: TokenStream) -> TokenStream {
    stray("call", item)
}

/// Marks a cast handler in a [`genserver`](macro@genserver) block, which
/// reads and removes it. Anywhere else it is an error saying so.
#[proc_macro_attribute]
pub fn cast(_args: TokenStream, item: TokenStream) -> TokenStream {
    stray("cast", item)
}

/// Marks an info handler in a [`genserver`](macro@genserver) block, which
/// reads and removes it. Anywhere else it is an error saying so.
#[proc_macro_attribute]
pub fn info(_args: TokenStream, item: TokenStream) -> TokenStream {
    stray("info", item)
}

/// Marks the constructor of the state in a [`genserver`](macro@genserver)
/// block, which reads and removes it. Anywhere else it is an error saying
/// so.
#[proc_macro_attribute]
pub fn init(_args: TokenStream, item: TokenStream) -> TokenStream {
    stray("init", item)
}

/// Marks the clean-up method in a [`genserver`](macro@genserver) block,
/// which reads and removes it. Anywhere else it is an error saying so.
#[proc_macro_attribute]
pub fn terminate(_args: TokenStream, item: TokenStream) -> TokenStream {
    stray("terminate", item)
}

/// A marker that no `#[genserver]` block read: the item unchanged, and an
/// error at the marker (the call site of this attribute). Either there is
/// no `#[genserver]` on the block, or the marker is written under a path
/// the block does not recognise as one (an alias, a re-export elsewhere),
/// which this expansion cannot tell apart: the message covers both.
fn stray(marker: &str, item: TokenStream) -> TokenStream {
    let message = format!(
        "`#[{marker}]` marks a method of an `impl` block that has `#[genserver]`, \
         which reads it written as `#[{marker}]`, `#[genserver::{marker}]` or `#[genserver::prelude::{marker}]`\n\
         help: put `#[genserver]` on the `impl` block, and write the marker as `#[{marker}]`"
    );
    let mut tokens: proc_macro2::TokenStream = item.into();
    tokens.extend(quote::quote!(::core::compile_error!(#message);));
    tokens.into()
}

#[cfg(test)]
mod tests {
    use proc_macro2::TokenStream;

    /// The macro never panics: on anything rustc can hand an attribute
    /// macro, it returns tokens (the expansion, or the input and errors).
    #[test]
    fn never_panics() {
        let args = [
            "",
            "crate = ::genserver",
            "crate = \"x::y\"",
            "crate = 1",
            "message = A, client = B",
            "message",
            "message = a::b",
            "unknown",
            "crate",
            "client = B,,",
            "message = (",
            "= =",
            "message = Self, client = crate",
            "crate = ",
            "crate = ,",
            "message = A client = B",
            "message: A",
            "\"x\"",
            "message = A B",
            "client = (,",
        ];
        let inputs = [
            "",
            "fn f() {}",
            "struct S;",
            "impl S {}",
            "impl Tr for S {}",
            "impl !Send for S {}",
            "unsafe impl S { #[call] fn f(&self) {} }",
            "impl<T> [T] { #[call] fn f(&self) {} }",
            "impl dyn Tr { #[call] fn f(&self) {} }",
            "impl<'a, T, const N: usize> S<'a, T, N> where T: Clone { #[call] fn f(&self) {} }",
            "impl<T> S<T> { #[info] fn f(&mut self, _: T) {} #[info] fn g(&mut self, _: T) {} }",
            "impl S { #[call] #[cast] #[info] #[init] #[terminate] fn f() {} }",
            "impl S { #[call(timeout)] fn a(&self) {} #[call(timeout = \"\")] fn b(&self) {} \
             #[call(timeout = \"ms\")] fn c(&self) {} #[call(timeout = \"99999999999999999999h\")] fn d(&self) {} \
             #[call(timeout = 1.5)] fn e(&self) {} #[call(timeout(1))] fn f(&self) {} #[call = 1] fn g(&self) {} }",
            "impl S { #[call] const X: u8 = 1; #[cast] type T = u8; #[info] m!(); }",
            "impl S { #[call] fn f(self: Box<Self>, ctx: Context, r: Reply, r2: Reply<u8, u8>, x: &'static str) -> impl Tr {} }",
            "impl S { #[call] fn f(&self, ...) {} #[cast] extern \"C\" fn g(&self) {} #[info] unsafe fn h(&self) {} }",
            "impl S { #[init] fn a() {} #[init] fn b(&self) -> u8 {} #[terminate] fn c(&self, a: u8, b: &ExitReason, c: &ExitReason) -> u8 {} #[terminate] fn d() {} }",
            "impl S { #[call] fn r#type(&self) {} #[call] fn __(&self) {} #[call] fn _x(&self, _: u8, (a, b): (u8, u8)) {} }",
            "impl S { #[call] fn start(&self) {} #[cast] fn stop(&self) {} fn start_with() {} }",
            "impl S { #[call] fn f(&mut self, c: &mut Context<Self>, d: &mut Context<Self>, e: Context<Self>, f: &Context<Self>) {} }",
            "impl S { #[info] fn f(&mut self) {} #[info] fn g(&mut self, a: A, b: B) {} #[info] fn h(&mut self, r: Reply<u8>) {} }",
            "impl S { #[call] fn f<T>(&self, t: T) where T: Clone {} #[cast] fn g(&self, x: Vec<&str>, y: impl Fn()) {} }",
            "impl S { #[call] fn f(&self, r: Reply<u8>) -> u8 {} #[call] fn g(&self, x: [Self; 2], y: <Self as Tr>::A, z: Self::B) -> Self {} }",
            "#[call] impl S {}",
            "impl S { #[cfg_attr] #[cfg_attr(x)] #[cfg_attr(a, cfg_attr(b))] #[cfg_attr(a, cfg_attr = 1, doc)] #[call] fn f(&self) {} }",
            "impl r#match { #[call] fn get(&self) -> u8 { 1 } }",
            "impl S { #[genserver::prelude::call] fn a(&self) {} #[::genserver::prelude::cast] fn b(&self) {} \
             #[x::call] fn c(&self) {} #[prelude::info] fn d(&mut self, _: u8) {} #[genserver::prelude::call::<u8>] fn e(&self) {} }",
            "impl S { #[genserver::call] fn a(&self) {} #[::genserver::cast] fn b(&self) {} #[genserver::call::<u8>] fn c(&self) {} #[call::call] fn d(&self) {} #[genserver::x::call] fn e(&self) {} }",
            "impl S { #[cfg(a)] #[init] fn a() -> Self {} #[cfg_attr(b, cfg(c), cfg_attr(d, cfg(e)))] #[init] fn b(x: u8) -> Self {} \
             #[cfg_attr] #[init] fn c() -> Self {} #[cfg(x)] #[terminate] fn t(&mut self) {} #[cfg(y)] #[terminate] fn u(&mut self) {} #[terminate] fn v(&mut self) {} }",
            "impl S { #[cast] fn a(&mut self, j: Box<dyn for<'a> FnOnce(&'a mut Self) + Send>, k: fn(&u8), l: m!(), m: a::Job, n: Job) {} \
             #[cfg(x)] #[call] fn b(&self, j: Job) -> Job {} #[call] fn c(&self, j: <Job as Tr>::Out) -> [u8; { &1; 2 }] {} }",
            "impl S { #[call] fn f(&self, a: chat::Context, b: &mut ::Context<Self>, c: crate::Reply<u8>, d: genserver::Reply<>, e: <T as genserver>::Context) {} \
             #[cast] fn g(&mut self, r: ::genserver::Reply<u8>, c: genserver::Context<Self>, d: &mut x::y::Context<Self, u8>) {} }",
            "impl S { #[call] fn f(&self, #[cfg(x)] a: u8, #[cfg_attr(x, cfg(y))] b: u8, #[allow(x)] c: u8, #[cfg] d: u8) {} }",
            "impl<T> S<T> { #[info] fn f(&mut self, _: Box<T>) {} #[info] fn g(&mut self, _: Pin<Box<&'static T>>) {} #[info] fn h(&mut self, _: Box<>) {} }",
            "impl S { #[call(timeout = Self::X)] fn f(&self, a: [u8; Self::N], _: Self, _: u8, mut _x: u8, ref y: u8, _z @ 1..: u8, _type: u8) -> [Self; { Self::N + m!(Self::N, Self { a: Self }) }] {} }",
            "impl S { #[call] fn _1(&self) -> u8 { 1 } #[info] fn _2d(&mut self, _: T) {} #[cast] fn _\u{301}x(&mut self) {} }",
            "impl S { #[cast] fn a(&mut self) -> Result<(), Box<dyn Error>> {} #[info] fn b(&mut self, _: T) -> Result<(), Box<dyn>> {} \
             #[call] fn c(&self) -> Result<u8, Box<dyn std::error::Error + Sync, u8>> {} #[init] fn d() -> Result<Self, Box<(dyn Error + Send)>> {} \
             #[call] fn e(&self) -> Result<Box<dyn Error>> {} #[cast] fn f(&self) -> Result<(), Box<dyn 'static + ?Sized + Error>> {} }",
            "impl S { #[call] fn a(by: u64, state: &mut Self) {} #[info] fn b(_: T, s: &S, t: Self) {} #[terminate] fn c(s: &'a mut (Self)) {} #[cast] fn d(s: &mut Self, t: &Self) {} }",
            "impl S<'_> { #[call] fn a(&self) {} }",
            "impl S { /// \u{201c}Self\u{201d}, \u{ab}Self::a\u{bb}, \u{6570}Self, \u{e9}@Self
             #[call] fn a(&self) {} #[doc = \"\u{201c}[Self]\u{201d}\"] #[cast] fn b(&self) {} }",
            "impl S<&str, Box<dyn Fn() + '_>, &'static u8> { #[call] fn a(&self) {} }",
            "impl<'a> S<'_, 'a> { #[call] fn a(&self) {} }",
            "#[genserver] #[genserver::genserver(x)] #[genserver = 1] #[allow(x)] impl S { #[call] fn a(&self) {} }",
            "impl S { #[cast] fn a(self, x: &'a str, y: str) {} #[call] fn b<'a, T: Tr<Self>>(&self, x: &'a u8) -> &'a Self where Self: Tr {} \
             #[call] fn c(s: &mut Self, x: u8) -> impl Tr {} #[call] fn d(&self) -> Result<_, str> {} #[init] fn i(&self) {} }",
            "impl S { #[info] fn a(&mut self, _: SMessage) {} #[cast] fn b(&mut self, x: self::SMessage, y: ::SMessage, z: Box<SMessage>) {} #[call] fn c(s: SMessage) {} }",
            "impl S { #[call(timeout = )] fn a(&self) {} #[call(\"1s\")] fn b(&self) {} #[call(timeout = \"5s\",,)] fn c(&self) {} \
             #[call(timeout: \"1s\")] fn d(&self) {} #[call(timeout = \"5s\" \"1s\")] fn e(&self) {} #[call(timeout:)] fn f(&self) {} \
             #[cast(timeout = )] fn g(&self) {} #[call(,)] fn h(&self) {} #[call(timeout = x y)] fn i(&self) {} #[call(timeout = =)] fn j(&self) {} }",
            "impl S { #[call(timeout = self.n)] fn a(&self) {} #[call(timeout = self::X)] fn b(&self) {} #[call(timeout = f(self))] fn c(&self) {} \
             #[call(timeout = { m!(self) })] fn d(&self) {} #[call(timeout = self)] fn e(&self) {} }",
            "impl S { #[cfg_attr(x, cast)] fn a(&mut self) {} #[cfg_attr(x, inline, call(timeout = 1), cast)] fn b(&self) {} \
             #[cfg_attr(call)] fn c(&self) {} #[cfg_attr(, call)] fn d(&self) {} #[cfg_attr(x, cfg_attr(y, call))] fn e(&self) {} #[cfg_attr = call] fn f(&self) {} }",
            "impl S { #[call] fn into(&self) {} #[cast] fn r#try_into(&mut self) {} #[cast] fn a(&mut self) -> Result<(), ()> {} \
             #[init] fn i() -> Result<Self, ()> {} #[info] fn b(&mut self, _: T) -> Result<(), (())> {} }",
            "impl S { #[call(timeout = \"1.5s\")] fn a(&self) {} #[call(timeout = \"1m30s\")] fn b(&self) {} #[call(timeout = \"5 seconds\")] fn c(&self) {} \
             #[call(timeout = \"99999999999999999999.99999999999999999999h 9999999999999999999999h\")] fn d(&self) {} #[call(timeout = \"1.\u{e9}s\")] fn e(&self) {} }",
        ];
        for args in args {
            for input in inputs {
                let args: TokenStream = args.parse().unwrap_or_default();
                let input: TokenStream = input.parse().unwrap_or_default();
                let _ = crate::expand::genserver(args, input);
            }
        }
    }

    /// What a server with a cast generates, as text.
    fn expansion(input: &str) -> String {
        let input: TokenStream = input.parse().unwrap();
        crate::expand::genserver(TokenStream::new(), input).to_string()
    }

    /// Generated docs are prose: no runs of spaces left by a lost `\` at
    /// the end of a line of the source.
    #[test]
    fn generated_docs_have_no_runs_of_spaces() {
        let text = expansion(
            "impl S { #[cast] fn reset(&mut self) {} #[call] fn get(&self) -> u8 { 1 } }",
        );
        assert!(text.contains("try_reset"), "{text}");
        for doc in text.split("doc = \"").skip(1) {
            let doc = doc.split('"').next().unwrap_or_default();
            assert!(!doc.trim_start().contains("  "), "{doc:?}");
        }
    }

    /// A handler's docs go on the client method and the message variant
    /// with their `Self` links pointed at the server, except, on the
    /// client, a link to a method the client has too.
    #[test]
    fn carried_docs_link_to_the_server() {
        let text = expansion(
            "impl S { \
             #[doc = \"[`Self::helper`], [`Self::reset`], [`Self::try_reset`], [`Self::get`]\"] \
             #[cast] fn reset(&mut self) {} \
             #[call] fn get(&self) -> u8 { 1 } \
             fn helper(&self) {} }",
        );
        let docs: Vec<&str> = text
            .split("doc = \"")
            .skip(1)
            .filter_map(|doc| doc.split('"').next())
            .filter(|doc| doc.contains("Self::helper"))
            .collect();
        // On the server's own method, as written; on the message variant;
        // on the client method.
        assert_eq!(
            docs,
            [
                "[`Self::helper`], [`Self::reset`], [`Self::try_reset`], [`Self::get`]",
                "[`Self::helper`](S::helper), [`Self::reset`](S::reset), \
                 [`Self::try_reset`](S::try_reset), [`Self::get`](S::get)",
                "[`Self::helper`](S::helper), [`Self::reset`], [`Self::try_reset`], [`Self::get`]",
            ],
            "{text}"
        );
    }

    /// Client parameters are named after the user's bindings where there
    /// is one, and `arg{n}` otherwise, never alike.
    #[test]
    fn client_parameters_have_readable_names() {
        let text = expansion(
            "impl S { #[cast] fn take(&mut self, _: u8, (a, b): (u8, u8), _unused: u16, \
             mut x: u8, ref y: u8, _type: u8, arg6: u8, _arg6: u8, _options: u8) {} }",
        );
        let signature = text
            .split("async fn take")
            .nth(1)
            .and_then(|rest| rest.split(") ->").next())
            .unwrap_or_default();
        assert_eq!(
            signature,
            " (& self , arg0 : u8 , arg1 : (u8 , u8) , unused : u16 , x : u8 , y : u8 , \
             arg5 : u8 , arg6 : u8 , arg7 : u8 , arg8 : u8"
        );
    }
}
