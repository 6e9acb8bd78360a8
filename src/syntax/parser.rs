//! The generated LALR parser and the conversion of its errors into diagnostics.

#[allow(clippy::all, unused_parens, missing_docs)]
mod generated {
    lalrpop_util::lalrpop_mod!(pub policy, "/policy.rs");
}
