//! `#[simloop::test]`: an `async fn` test, checked under CPython's order
//! and many seeded schedules on every profile by `simloop::check::Check`.
//!
//! ```ignore
//! #[simloop::test(seeds = 500, jitter = 20)]
//! async fn fetch_all_is_structured() -> Result<(), simloop::core::Exc> {
//!     fetch_all(urls()).await.map(drop)
//! }
//! ```
//!
//! expands to a `#[test]` that runs
//! `Check::new().seeds(500).jitter(20).run(body)` on the function's body,
//! and does nothing else. Arguments, each optional:
//!
//! | argument | `Check` method |
//! |---|---|
//! | `seeds = N` | `seeds(N)` |
//! | `jitter = N` | `jitter(N)` |
//! | `profiles = "py312, py313"` | `profiles(&[Profile::Py312, Profile::Py313])` |
//! | `allow = "cancel-balance@py311"` (repeatable) | `allow_spec("cancel-balance@py311")` |
//! | `deny_findings` | `deny_findings()` |
//!
//! Other attributes on the function (`#[should_panic]`, `#[ignore]`) stay
//! on the test.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::Parser;
use syn::{parse_macro_input, Ident, ItemFn, LitInt, LitStr};

/// An `async fn` test checked by `simloop::check::Check`; see the crate
/// docs for its arguments.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let func = parse_macro_input!(item as ItemFn);
    let mut calls = Vec::<TokenStream2>::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("seeds") {
            let n: LitInt = meta.value()?.parse()?;
            calls.push(quote! { .seeds(#n) });
        } else if meta.path.is_ident("jitter") {
            let n: LitInt = meta.value()?.parse()?;
            calls.push(quote! { .jitter(#n) });
        } else if meta.path.is_ident("profiles") {
            let list: LitStr = meta.value()?.parse()?;
            let mut profiles = Vec::new();
            for name in list.value().split([',', ' ']).filter(|s| !s.is_empty()) {
                let variant = match name {
                    "py311" => "Py311",
                    "py312" => "Py312",
                    "py313" => "Py313",
                    "py314" => "Py314",
                    other => {
                        return Err(meta.error(format!(
                            "unknown profile {other:?}; expected py311, py312, py313 or py314"
                        )))
                    }
                };
                let v = Ident::new(variant, Span::call_site());
                profiles.push(quote! { ::simloop::core::Profile::#v });
            }
            calls.push(quote! { .profiles(&[#(#profiles),*]) });
        } else if meta.path.is_ident("allow") {
            let spec: LitStr = meta.value()?.parse()?;
            calls.push(quote! { .allow_spec(#spec) });
        } else if meta.path.is_ident("deny_findings") {
            calls.push(quote! { .deny_findings() });
        } else {
            return Err(meta.error(
                "unknown argument; expected seeds, jitter, profiles, allow or deny_findings",
            ));
        }
        Ok(())
    });
    if let Err(e) = parser.parse(args) {
        return e.to_compile_error().into();
    }
    if func.sig.asyncness.is_none() {
        return syn::Error::new_spanned(func.sig.fn_token, "#[simloop::test] needs an async fn")
            .to_compile_error()
            .into();
    }
    if !func.sig.inputs.is_empty() {
        return syn::Error::new_spanned(&func.sig.inputs, "#[simloop::test] takes no arguments")
            .to_compile_error()
            .into();
    }
    let name = &func.sig.ident;
    let attrs = &func.attrs;
    let vis = &func.vis;
    let output = &func.sig.output;
    let body = &func.block;
    quote! {
        #[::core::prelude::v1::test]
        #(#attrs)*
        #vis fn #name() {
            async fn __simloop_body() #output #body
            ::simloop::check::Check::new()
                #(#calls)*
                .name(::core::stringify!(#name))
                .run(__simloop_body);
        }
    }
    .into()
}
