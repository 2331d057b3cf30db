use proc_macro::TokenStream;
/// placeholder
#[proc_macro_attribute]
pub fn genserver(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
