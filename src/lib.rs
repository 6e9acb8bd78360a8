//! flaskc: a FLASK policy compiler for Xen XSM (and SELinux) policies.
//!
//! The compiler is a pipeline of stages with plain data between them:
//! `m4::expand` → `syntax::parse` → `sema::lower` → `binary::write`, and back with
//! `binary::read`. See `docs/architecture.md`.

pub mod analysis;
pub mod avc;
pub mod binary;
pub mod cli;
pub mod device;
pub mod diag;
pub mod dump;
pub mod explain;
pub mod guest;
pub mod io;
pub mod lsp;
pub mod m4;
pub mod name;
pub mod parallel;
pub mod policydb;
pub mod project;
pub mod query;
pub mod sema;
pub mod source;
pub mod syntax;
