//! Every limit the expander enforces, in one place, so hostile input ends with a clear
//! error in bounded time and memory instead of a crash. docs/limits.md tables them.
//!
//! The first four are the defaults of [`super::Options`] fields and can be changed there
//! (`-L` sets the nesting limit on the command line); the rest are fixed.

/// Default of [`super::Options::nesting_limit`] (`-L`): macro calls open at once while
/// their arguments are collected. GNU m4 1.4.19 defaults to unlimited and then overflows
/// its stack; its message for the limit is kept.
pub const NESTING_LIMIT: usize = 1024;

/// Default of [`super::Options::max_expansion_depth`]: the length of a chain of
/// expansions (and of the input stack), which is what stops `define(a, a)a`.
pub const EXPANSION_DEPTH: usize = 250_000;

/// Default of [`super::Options::max_output`]: bytes of text the run may produce in all
/// (output, diversions, collected arguments, expansions), whether or not it is kept. A
/// bound on work: text that is produced and discarded (`divert(-1)`) still costs time.
pub const OUTPUT_LIMIT: usize = 512 << 20;

/// Default of [`super::Options::max_memory`]: bytes the expander may hold at once (input
/// and pushed-back text, collected arguments, definitions, diversions and output, `m4wrap`
/// text, the record of macro calls). A run that needs more stops; a Xen policy needs
/// a few MiB. Also the largest file `include` reads, and the largest `format` field.
pub const MEMORY_LIMIT: usize = 256 << 20;

/// Files open at once through nested `include`; GNU m4 runs out of descriptors near here.
pub const OPEN_FILES: usize = 1000;

/// Steps (program states visited) one `regexp` or `patsubst` call may take. Patterns
/// without back-references need at most pattern size times text length steps; with
/// back-references matching can be exponential, and this stops it.
pub const REGEX_STEPS: usize = 20_000_000;
