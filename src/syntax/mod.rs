//! The policy.conf front end: lexer, spanned AST, parser and printer.
//!
//! [`parse`] turns one file of a [`SourceMap`](crate::source::SourceMap) into an
//! [`ast::Policy`] plus diagnostics; [`print()`] turns a tree back into policy.conf text that
//! parses to the same tree (up to spans).

pub mod ast;
pub mod lexer;
mod order;
mod parser;
pub mod printer;

pub use parser::{parse, parse_pieces, MAX_NESTING, MAX_OPERATORS};
pub use printer::print;
