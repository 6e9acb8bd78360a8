//! The policy.conf front end: lexer, spanned AST, parser and printer.

pub mod ast;
pub mod lexer;
mod parser;
