//! `flaskc lsp`: runs the language server on standard input and output.

use clap::Args;

/// Arguments of `flaskc lsp`.
#[derive(Debug, Args)]
pub struct LspArgs {
    /// Accepted for editors that pass it (the server always talks over standard I/O).
    #[arg(long)]
    pub stdio: bool,
}

/// Serves until the editor exits; exit code 0, or 1 when the protocol broke.
pub fn run(_args: &LspArgs) -> i32 {
    match crate::lsp::run_stdio() {
        Ok(()) => 0,
        Err(e) => {
            crate::io::eprintln!("error: language server: {e}");
            1
        }
    }
}
