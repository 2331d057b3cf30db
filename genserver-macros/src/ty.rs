//! Reading types syntactically: the context, a deferred reply, borrows,
//! `impl Trait`, and `Self` outside the impl block.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Expr, GenericArgument, Ident, Lifetime, Path, PathArguments, QSelf, ReturnType, Type,
    TypeParamBound, TypePath,
};

use crate::names;

/// `(T)` and invisible groups (from `macro_rules!`) read as `T`.
pub(crate) fn peel(mut ty: &Type) -> &Type {
    loop {
        match ty {
            Type::Paren(inner) => ty = &inner.elem,
            Type::Group(inner) => ty = &inner.elem,
            _ => return ty,
        }
    }
}

/// How a method takes the server's `Context`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ContextShape {
    /// `&mut Context<Self>`: the one that works.
    Mut,
    /// `&Context<Self>`.
    Shared,
    /// `Context<Self>`.
    Value,
}

/// The last segment of a path type, when `ty` is one.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match peel(ty) {
        Type::Path(TypePath {
            qself: None, path, ..
        }) => path.segments.last(),
        _ => None,
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|segment| names::is(&segment.ident, name))
}

/// Whether `ty` is the crate's type `name`, as far as the macro can tell
/// without resolving names: `name` written bare, or through a path that
/// starts with `genserver` (`genserver::Context`,
/// `::genserver::prelude::Context`) or with the `crate = ` path of a
/// re-export. `chat::Context` or `crate::ui::Reply<T>` is another type of
/// that name.
fn is_ours(ty: &Type, name: &str, krate: Option<&Path>) -> bool {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = peel(ty)
    else {
        return false;
    };
    let Some(last) = path.segments.last() else {
        return false;
    };
    if !names::is(&last.ident, name) {
        return false;
    }
    let module: Vec<&Ident> = path
        .segments
        .iter()
        .take(path.segments.len() - 1)
        .map(|segment| &segment.ident)
        .collect();
    let starts_with = |prefix: &Path| {
        prefix.segments.len() <= module.len()
            && prefix
                .segments
                .iter()
                .zip(&module)
                .all(|(prefix, ident)| prefix.ident == **ident)
    };
    match module.first() {
        None => path.leading_colon.is_none(),
        Some(first) => names::is(first, "genserver") || krate.is_some_and(starts_with),
    }
}

/// `&mut Context<Self>` and its mistaken forms, by [`is_ours`].
pub(crate) fn context_shape(ty: &Type, krate: Option<&Path>) -> Option<ContextShape> {
    match peel(ty) {
        Type::Reference(reference) if is_ours(&reference.elem, "Context", krate) => {
            Some(if reference.mutability.is_some() {
                ContextShape::Mut
            } else {
                ContextShape::Shared
            })
        }
        other if is_ours(other, "Context", krate) => Some(ContextShape::Value),
        _ => None,
    }
}

/// `str`, `[T]` or a bare `dyn Trait`: a type without a size known at
/// compile time, as written.
pub(crate) fn is_unsized(ty: &Type) -> bool {
    match peel(ty) {
        Type::Slice(_) | Type::TraitObject(_) => true,
        Type::Path(TypePath {
            qself: None, path, ..
        }) => path.is_ident("str"),
        _ => false,
    }
}

/// The `S` of a context type, `&mut Context<S>` or a mistaken form of it.
pub(crate) fn context_of(ty: &Type) -> Option<&Type> {
    let named = match peel(ty) {
        Type::Reference(reference) => &*reference.elem,
        other => other,
    };
    let segment = last_segment(named)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(of)), None) => Some(of),
        _ => None,
    }
}

/// The last segment of `ty` (behind a reference) when it has no generic
/// arguments at all: `Context` in `&mut Context`.
pub(crate) fn without_arguments_mut(mut ty: &mut Type) -> Option<&mut syn::PathSegment> {
    while let Type::Paren(syn::TypeParen { elem, .. })
    | Type::Group(syn::TypeGroup { elem, .. })
    | Type::Reference(syn::TypeReference { elem, .. }) = ty
    {
        ty = elem;
    }
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
    else {
        return None;
    };
    path.segments
        .last_mut()
        .filter(|segment| segment.arguments.is_none())
}

/// The generic arguments of a type whose last segment is `name`, as in
/// `name<...>`.
fn generic_args<'a>(
    ty: &'a Type,
    name: &str,
) -> Option<syn::punctuated::Iter<'a, GenericArgument>> {
    let segment = last_segment(ty)?;
    if !names::is(&segment.ident, name) {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    Some(args.args.iter())
}

/// `Reply<T>`, by [`is_ours`]: the `T` of a deferred reply.
pub(crate) fn reply_type<'a>(ty: &'a Type, krate: Option<&Path>) -> Option<&'a Type> {
    if !is_ours(ty, "Reply", krate) {
        return None;
    }
    let mut types = generic_args(ty, "Reply")?;
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(inner)), None) => Some(inner),
        _ => None,
    }
}

/// `&ExitReason`: the reason `#[terminate]` may take.
pub(crate) fn is_exit_reason_ref(ty: &Type) -> bool {
    match peel(ty) {
        Type::Reference(reference) => {
            reference.mutability.is_none() && is_named(&reference.elem, "ExitReason")
        }
        _ => false,
    }
}

/// `()`, written or implied by a missing return type.
pub(crate) fn is_unit_return(output: &ReturnType) -> bool {
    match output {
        ReturnType::Default => true,
        ReturnType::Type(_, ty) => is_unit(ty),
    }
}

pub(crate) fn is_unit(ty: &Type) -> bool {
    matches!(peel(ty), Type::Tuple(tuple) if tuple.elems.is_empty())
}

pub(crate) fn is_never(ty: &Type) -> bool {
    matches!(peel(ty), Type::Never(_))
}

/// A type that cannot be a server's state whatever the names in scope
/// are: `()` and other tuples, references, slices, arrays, pointers,
/// functions, trait objects, `impl Trait`, `!`, a primitive, `String`,
/// `Vec`, `Option` or `Box`, or one of the impl's type parameters. (The
/// state is the impl's named self type, and neither a type parameter nor a
/// primitive can be that.)
pub(crate) fn is_visibly_not(ty: &Type, type_params: &[&Ident]) -> bool {
    const NOT_A_STATE: &[&str] = &[
        "bool", "char", "str", "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32",
        "u64", "u128", "usize", "f16", "f32", "f64", "f128", "String", "Vec", "Option", "Box",
    ];
    match peel(ty) {
        Type::Tuple(_)
        | Type::Reference(_)
        | Type::Slice(_)
        | Type::Array(_)
        | Type::Ptr(_)
        | Type::FnPtr(_)
        | Type::TraitObject(_)
        | Type::ImplTrait(_)
        | Type::Never(_) => true,
        Type::Path(TypePath {
            qself: None, path, ..
        }) if path.leading_colon.is_none() && path.segments.len() == 1 => {
            let ident = &path.segments[0].ident;
            NOT_A_STATE.iter().any(|name| names::is(ident, name))
                || as_type_param(ty, type_params).is_some()
        }
        _ => false,
    }
}

/// The `T` of `Result<T, E>` (or of a `Result<T>` alias such as
/// `io::Result<T>`), by the last segment's name.
pub(crate) fn result_ok_type(ty: &Type) -> Option<&Type> {
    match generic_args(ty, "Result")?.next()? {
        GenericArgument::Type(ok) => Some(ok),
        _ => None,
    }
}

/// The `E` of `Result<T, E>`.
pub(crate) fn result_err_type(ty: &Type) -> Option<&Type> {
    let mut args = generic_args(ty, "Result")?;
    match (args.next(), args.next(), args.next()) {
        (Some(_), Some(GenericArgument::Type(err)), None) => Some(err),
        _ => None,
    }
}

/// `Box<dyn Error>`, with `Error` under any path, as written: the path to
/// `Error`, and whether the object is also `Send` and `Sync`.
pub(crate) struct BoxDynError<'a> {
    pub(crate) error: &'a Path,
    pub(crate) send: bool,
    pub(crate) sync: bool,
}

/// `std::error::Error` or `core::error::Error`, with or without a
/// leading `::`.
pub(crate) fn is_std_error_path(path: &Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    matches!(&names[..], [krate, module, error]
        if (krate == "std" || krate == "core") && module == "error" && error == "Error")
}

pub(crate) fn box_dyn_error(ty: &Type) -> Option<BoxDynError<'_>> {
    let mut args = generic_args(ty, "Box")?;
    let (Some(GenericArgument::Type(inner)), None) = (args.next(), args.next()) else {
        return None;
    };
    let Type::TraitObject(object) = peel(inner) else {
        return None;
    };
    let (mut error, mut send, mut sync) = (None, false, false);
    for bound in &object.bounds {
        let TypeParamBound::Trait(bound) = bound else {
            continue;
        };
        let Some(last) = bound.path.segments.last() else {
            continue;
        };
        if last.ident == "Error" {
            error = Some(&bound.path);
        } else if last.ident == "Send" {
            send = true;
        } else if last.ident == "Sync" {
            sync = true;
        }
    }
    Some(BoxDynError {
        error: error?,
        send,
        sync,
    })
}

/// `Self`, or the impl's self type written out.
pub(crate) fn is_self(ty: &Type, self_ty: &Type) -> bool {
    let ty = peel(ty);
    if let Type::Path(TypePath {
        qself: None, path, ..
    }) = ty
        && path.is_ident("Self")
    {
        return true;
    }
    same_tokens(ty, self_ty)
}

/// Token-for-token equality: how the macro compares types it cannot
/// resolve.
pub(crate) fn same_tokens(a: &impl ToTokens, b: &impl ToTokens) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

/// The first part of `ty` that borrows: a reference without a `'static`
/// lifetime, a path with a lifetime argument other than `'static`
/// (`Cow<'_, str>`), or a trait object bounded by one (`dyn Fn() + '_`).
/// References under `fn(..)` pointers and in `Fn(..)` sugar are
/// higher-ranked and do not borrow; those in a trait object's other type
/// arguments (`dyn Iterator<Item = &str>`) do.
pub(crate) fn find_borrow(ty: &Type) -> Option<&Type> {
    fn borrows(lifetime: &Lifetime) -> bool {
        lifetime.ident != "static"
    }
    find(ty, &|ty| {
        match ty {
        Type::Reference(reference) => reference.lifetime.as_ref().is_none_or(borrows),
        Type::Path(path) => path.path.segments.iter().any(|segment| {
            matches!(&segment.arguments, PathArguments::AngleBracketed(args)
                if args.args.iter().any(|arg| matches!(arg, GenericArgument::Lifetime(l) if borrows(l))))
        }),
        Type::TraitObject(object) => object
            .bounds
            .iter()
            .any(|bound| matches!(bound, TypeParamBound::Lifetime(l) if borrows(l))),
        _ => false,
    }
    })
}

/// The first `impl Trait` in `ty`.
pub(crate) fn find_impl_trait(ty: &Type) -> Option<&Type> {
    find(ty, &|ty| matches!(ty, Type::ImplTrait(_)))
}

/// The first of the runtime's types named `name` (by [`is_ours`]) inside
/// `ty`, or `ty` itself when `outer`.
pub(crate) fn find_ours<'a>(
    ty: &'a Type,
    name: &str,
    krate: Option<&Path>,
    outer: bool,
) -> Option<&'a Type> {
    find(ty, &|inner| {
        (outer || !std::ptr::eq(inner, ty)) && is_ours(inner, name, krate)
    })
}

/// Whether `ty` has a `_`, a type left for the compiler to infer.
pub(crate) fn has_placeholder(ty: &Type) -> bool {
    find(ty, &|ty| matches!(ty, Type::Infer(_))).is_some()
}

/// Whether `ty` has an `impl Trait` or a `_`.
pub(crate) fn has_impl_trait_or_infer(ty: &Type) -> bool {
    find(ty, &|ty| matches!(ty, Type::ImplTrait(_) | Type::Infer(_))).is_some()
}

fn find<'a>(ty: &'a Type, hit: &dyn Fn(&Type) -> bool) -> Option<&'a Type> {
    if hit(ty) {
        return Some(ty);
    }
    match ty {
        Type::Array(array) => find(&array.elem, hit),
        Type::Group(group) => find(&group.elem, hit),
        Type::Paren(paren) => find(&paren.elem, hit),
        Type::Ptr(ptr) => find(&ptr.elem, hit),
        Type::Reference(reference) => find(&reference.elem, hit),
        Type::Slice(slice) => find(&slice.elem, hit),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(|elem| find(elem, hit)),
        Type::Path(path) => {
            let in_qself = path.qself.as_ref().and_then(|q| find(&q.ty, hit));
            in_qself.or_else(|| find_in_path(&path.path, hit))
        }
        // The type arguments of a trait object's traits (`Item = &str` in
        // `dyn Iterator<Item = &str>`). Not under `for<'a>`, whose
        // lifetimes are the bound's own, nor in `Fn(..)` sugar (skipped by
        // `find_in_path`), whose elided lifetimes are higher-ranked.
        Type::TraitObject(object) => object.bounds.iter().find_map(|bound| match bound {
            TypeParamBound::Trait(t) if t.lifetimes.is_none() => find_in_path(&t.path, hit),
            _ => None,
        }),
        _ => None,
    }
}

fn find_in_path<'a>(path: &'a Path, hit: &dyn Fn(&Type) -> bool) -> Option<&'a Type> {
    path.segments
        .iter()
        .find_map(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(ty) => find(ty, hit),
                GenericArgument::AssocType(assoc) => find(&assoc.ty, hit),
                _ => None,
            }),
            _ => None,
        })
}

/// A single identifier that names one of `params`: `T` in `impl<T>`.
pub(crate) fn as_type_param<'a>(ty: &Type, params: &'a [&'a Ident]) -> Option<&'a Ident> {
    let Type::Path(TypePath {
        qself: None, path, ..
    }) = peel(ty)
    else {
        return None;
    };
    param_named(params, path.get_ident()?)
}

/// The one of `params` named `ident`, raw or not.
fn param_named<'a>(params: &'a [&'a Ident], ident: &Ident) -> Option<&'a Ident> {
    params
        .iter()
        .copied()
        .find(|param| names::same(param, ident))
}

/// The type parameter that `ty` is an associated type of: `T::Item`,
/// `<T as Iterator>::Item`. Such a type can be any type at all.
pub(crate) fn as_projection_of_type_param<'a>(
    ty: &Type,
    params: &'a [&'a Ident],
) -> Option<&'a Ident> {
    let Type::Path(TypePath { qself, path, .. }) = peel(ty) else {
        return None;
    };
    match qself {
        Some(qself) => as_type_param(&qself.ty, params),
        None if path.leading_colon.is_none() && path.segments.len() > 1 => {
            param_named(params, &path.segments.first()?.ident)
        }
        None => None,
    }
}

/// The type parameter that `ty` is, or is under fundamental wrappers
/// only: `T`, `Box<T>`, `Pin<Box<T>>`, `&'static T`. Rust's orphan rules
/// see through `Box`, `Pin` and references, so an impl of a foreign trait
/// for any of these is an impl for `T` itself. `Box` and `Pin` are
/// recognised by name, as the macro cannot resolve names.
pub(crate) fn as_wrapped_type_param<'a>(ty: &Type, params: &'a [&'a Ident]) -> Option<&'a Ident> {
    match peel(ty) {
        Type::Reference(reference) => as_wrapped_type_param(&reference.elem, params),
        other => {
            let inner = ["Box", "Pin"].into_iter().find_map(|name| {
                let mut args = generic_args(other, name)?;
                match (args.next(), args.next()) {
                    (Some(GenericArgument::Type(inner)), None) => Some(inner),
                    _ => None,
                }
            });
            match inner {
                Some(inner) => as_wrapped_type_param(inner, params),
                None => as_type_param(other, params),
            }
        }
    }
}

/// Rewrites `Self` into the impl's self type, for types and expressions
/// that move out of the impl block (into the message enum and the client,
/// where `Self` means something else): in type paths, in expressions
/// inside types (`[u8; Self::BLOCK]`, const generic arguments), in a
/// `#[call(timeout = ...)]` and in macro arguments. The self type takes
/// the span of the `Self` it replaces, so errors still point there. The
/// self type says no `Self` itself: `parse::server` refuses such a block.
pub(crate) struct ReplaceSelf<'a> {
    pub(crate) self_ty: &'a Type,
}

impl ReplaceSelf<'_> {
    fn self_at(&self, span: Span) -> Type {
        let tokens = respan(self.self_ty.to_token_stream(), span);
        syn::parse2(tokens).unwrap_or_else(|_| self.self_ty.clone())
    }

    /// The self type as an expression path, `Cache::<K, V>`: what `Self`
    /// stands for in a value (`Self::LIMIT`, `Self { .. }`, a pattern).
    /// `None` for a self type that is not a plain path.
    fn self_path_at(&self, span: Span) -> Option<Path> {
        let Type::Path(TypePath {
            qself: None, path, ..
        }) = peel(self.self_ty)
        else {
            return None;
        };
        let mut path = path.clone();
        for segment in &mut path.segments {
            if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
                args.colon2_token.get_or_insert_with(Default::default);
            }
        }
        syn::parse2(respan(path.into_token_stream(), span)).ok()
    }

    pub(crate) fn ty(&mut self, ty: &Type) -> Type {
        let mut ty = ty.clone();
        self.visit_type_mut(&mut ty);
        ty
    }

    pub(crate) fn expr(&mut self, expr: &Expr) -> Expr {
        let mut expr = expr.clone();
        self.visit_expr_mut(&mut expr);
        expr
    }

    /// `Self::X` in a value or pattern path becomes `Server::<T>::X`, or
    /// `<Server>::X` when the self type is not a plain path.
    fn path(&self, qself: &mut Option<QSelf>, path: &mut Path) {
        if qself.is_some() || path.leading_colon.is_some() {
            return;
        }
        let Some(first) = path.segments.first() else {
            return;
        };
        if first.ident != "Self" || !first.arguments.is_none() {
            return;
        }
        let span = first.ident.span();
        let rest = path.segments.iter().skip(1).cloned();
        if let Some(mut self_path) = self.self_path_at(span) {
            self_path.segments.extend(rest);
            *path = self_path;
        } else if path.segments.len() > 1 {
            *qself = Some(self.qself_at(span));
            *path = Path {
                leading_colon: Some(syn::Token![::](span)),
                segments: rest.collect(),
            };
        }
    }

    fn qself_at(&self, span: Span) -> QSelf {
        QSelf {
            lt_token: syn::Token![<](span),
            ty: Box::new(self.self_at(span)),
            position: 0,
            as_token: None,
            gt_token: syn::Token![>](span),
        }
    }

    /// `Self` among a macro's tokens, which the macro may use as a type, a
    /// value or an ident: the self type's name when it is one plain ident,
    /// which reads as all three. A longer path (generics, modules) would
    /// no longer match a macro's `$name:ident`, so `Self` stays as
    /// written there.
    fn tokens(&self, tokens: TokenStream) -> TokenStream {
        tokens
            .into_iter()
            .flat_map(|tree| match tree {
                TokenTree::Ident(ident) if ident == "Self" => {
                    let name = self.self_path_at(ident.span());
                    let name = name.and_then(|path| path.get_ident().cloned());
                    TokenStream::from(TokenTree::Ident(name.unwrap_or(ident)))
                }
                TokenTree::Group(group) => {
                    let mut new =
                        proc_macro2::Group::new(group.delimiter(), self.tokens(group.stream()));
                    new.set_span(group.span());
                    TokenTree::Group(new).into()
                }
                other => other.into(),
            })
            .collect()
    }
}

impl VisitMut for ReplaceSelf<'_> {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::Path(TypePath {
            qself: None, path, ..
        }) = ty
            && path.leading_colon.is_none()
            && let Some(first) = path.segments.first()
            && first.ident == "Self"
            && first.arguments.is_none()
        {
            let span = first.ident.span();
            if path.segments.len() == 1 {
                *ty = self.self_at(span);
                return;
            }
            // `Self::Assoc` becomes `<Server>::Assoc`.
            let segments = path.segments.clone().into_iter().skip(1).collect();
            *ty = Type::Path(TypePath {
                attrs: Vec::new(),
                qself: Some(self.qself_at(span)),
                path: Path {
                    leading_colon: Some(syn::Token![::](span)),
                    segments,
                },
            });
        }
        visit_mut::visit_type_mut(self, ty);
    }

    fn visit_expr_path_mut(&mut self, expr: &mut syn::ExprPath) {
        self.path(&mut expr.qself, &mut expr.path);
        visit_mut::visit_expr_path_mut(self, expr);
    }

    fn visit_expr_struct_mut(&mut self, expr: &mut syn::ExprStruct) {
        self.path(&mut expr.qself, &mut expr.path);
        visit_mut::visit_expr_struct_mut(self, expr);
    }

    fn visit_pat_struct_mut(&mut self, pat: &mut syn::PatStruct) {
        self.path(&mut pat.qself, &mut pat.path);
        visit_mut::visit_pat_struct_mut(self, pat);
    }

    fn visit_pat_tuple_struct_mut(&mut self, pat: &mut syn::PatTupleStruct) {
        self.path(&mut pat.qself, &mut pat.path);
        visit_mut::visit_pat_tuple_struct_mut(self, pat);
    }

    fn visit_macro_mut(&mut self, mac: &mut syn::Macro) {
        mac.tokens = self.tokens(std::mem::take(&mut mac.tokens));
    }

    /// An item inside an expression (`{ struct S; impl S { .. } S::X }`)
    /// has a `Self` of its own.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The same tokens, all at `span`.
pub(crate) fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(group) = &tree {
                let mut new =
                    proc_macro2::Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                tree = TokenTree::Group(new);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// The first trait object in `ty` that is certainly not `Send`: one of
/// the standard library's traits that do not require `Send` (`dyn
/// FnOnce()`, `dyn std::any::Any`, `dyn Iterator<Item = u8>`, ...) with no
/// `Send` bound written. A trait of the user's own may require `Send` of
/// its implementors, so it is left to rustc: a name that needs importing
/// (`Any`, `Error`, `Debug`, ...) counts only written with its `std` or
/// `core` path. What a trait object's own signature names (`dyn Fn() ->
/// Box<dyn Any> + Send`) and what a pointer or a reference points to are
/// not looked into: they do not decide whether the value is sent.
pub(crate) fn unsent_trait_object(ty: &Type) -> Option<&syn::TypeTraitObject> {
    match ty {
        Type::TraitObject(object) => {
            let mut traits = object.bounds.iter().filter_map(|bound| match bound {
                TypeParamBound::Trait(bound) => Some(&bound.path),
                _ => None,
            });
            let all_without_send = traits.clone().all(is_std_trait_without_send);
            (traits.next().is_some() && all_without_send).then_some(object)
        }
        Type::Path(TypePath { path, .. }) => path.segments.iter().find_map(|segment| {
            let PathArguments::AngleBracketed(args) = &segment.arguments else {
                return None;
            };
            args.args.iter().find_map(|arg| match arg {
                GenericArgument::Type(inner) => unsent_trait_object(inner),
                _ => None,
            })
        }),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(unsent_trait_object),
        Type::Array(array) => unsent_trait_object(&array.elem),
        Type::Slice(slice) => unsent_trait_object(&slice.elem),
        Type::Paren(paren) => unsent_trait_object(&paren.elem),
        Type::Group(group) => unsent_trait_object(&group.elem),
        _ => None,
    }
}

/// Whether `path` names a standard trait that does not require `Send`.
fn is_std_trait_without_send(path: &Path) -> bool {
    let Some(last) = path.segments.last() else {
        return false;
    };
    let from_std = path.segments.len() > 1
        && ["std", "core", "alloc"]
            .iter()
            .any(|krate| path.segments[0].ident == krate);
    let bare = path.segments.len() == 1 && path.leading_colon.is_none();
    let name = last.ident.to_string();
    match name.as_str() {
        // The parenthesized form is the closure traits' own.
        "Fn" | "FnMut" | "FnOnce" => matches!(last.arguments, PathArguments::Parenthesized(_)),
        // In the prelude; the auto traits besides `Send` imply nothing of it.
        "Iterator" | "Future" | "Sync" | "Unpin" => bare || from_std,
        "Any" | "Error" | "Debug" | "Display" | "Read" | "Write" => from_std,
        _ => false,
    }
}

/// Whether `ty`, as written, certainly has no higher-ranked part: no
/// reference, lifetime, function pointer, trait object, `Fn(..)` sugar,
/// `for<..>` or macro. (An alias may still hide one: see
/// [`bound_key`].)
pub(crate) fn cannot_be_higher_ranked(ty: &Type) -> bool {
    fn plain(tokens: TokenStream) -> bool {
        let mut after_ident = false;
        for tree in tokens {
            match &tree {
                TokenTree::Punct(p) if matches!(p.as_char(), '&' | '\'' | '!') => return false,
                TokenTree::Ident(i) if ["fn", "dyn", "for", "impl"].iter().any(|k| i == k) => {
                    return false;
                }
                TokenTree::Group(g) => {
                    if after_ident && g.delimiter() == proc_macro2::Delimiter::Parenthesis {
                        return false;
                    }
                    if !plain(g.stream()) {
                        return false;
                    }
                }
                _ => {}
            }
            after_ident = matches!(tree, TokenTree::Ident(_));
        }
        true
    }
    plain(ty.to_token_stream())
}

/// What tells two `Send` bounds apart: the type's text, or for a path
/// its last segment, so that `Job` and `jobs::Job` (one alias, maybe of a
/// higher-ranked type) are one.
pub(crate) fn bound_key(ty: &Type) -> String {
    match ty {
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .map_or_else(String::new, |last| last.to_token_stream().to_string()),
        other => other.to_token_stream().to_string(),
    }
}

/// A bound the macro requires of every type parameter.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// `Send`, under any path ending in it.
    Send,
    /// `'static`.
    Static,
}

/// Whether `generics` bound `param` by `bound`, inline (`K: Send`) or in
/// the `where` clause (`where K: Send`), not under a `?` or a `for<..>`.
pub(crate) fn has_bound(generics: &syn::Generics, param: &Ident, bound: Bound) -> bool {
    let is = |b: &syn::TypeParamBound| match (b, bound) {
        (syn::TypeParamBound::Trait(t), Bound::Send) => {
            t.maybe.is_none()
                && t.lifetimes.is_none()
                && t.path.segments.last().is_some_and(|last| {
                    last.ident == "Send" && matches!(last.arguments, syn::PathArguments::None)
                })
        }
        (syn::TypeParamBound::Lifetime(l), Bound::Static) => l.ident == "static",
        _ => false,
    };
    let inline = generics
        .type_params()
        .any(|p| p.ident == *param && p.bounds.iter().any(is));
    let in_where = generics.where_clause.iter().flat_map(|w| &w.predicates).any(|pred| {
        let syn::WherePredicate::Type(pred) = pred else {
            return false;
        };
        pred.lifetimes.is_none()
            && matches!(&pred.bounded_ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident(param))
            && pred.bounds.iter().any(is)
    });
    inline || in_where
}

/// `add_item` → `AddItem`: a variant name from a method name.
pub(crate) fn pascal_case(ident: &Ident) -> String {
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut out = String::with_capacity(name.len());
    for word in name.split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() {
        out.push_str("Message");
    }
    out
}

/// Types as a reader writes them: `Vec<u8>`, not `Vec < u8 >`.
pub(crate) fn type_text(tokens: &impl ToTokens) -> String {
    let mut text = tokens.to_token_stream().to_string();
    for (from, to) in [
        (" < ", "<"),
        ("< ", "<"),
        (" <", "<"),
        (" >", ">"),
        (" , ", ", "),
        (" ,", ","),
        (" :: ", "::"),
        (":: ", "::"),
        (" ::", "::"),
        ("& ", "&"),
        ("( ", "("),
        (" )", ")"),
        ("[ ", "["),
        (" ]", "]"),
        (" ;", ";"),
        (" : ", ": "),
    ] {
        text = text.replace(from, to);
    }
    text
}
