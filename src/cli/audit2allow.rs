//! `flaskc audit2allow`: `.te` text that would allow the denials of a Xen AVC log.
//!
//! Same inputs as `flaskc explain`; with `--source`, interfaces of the tree's
//! `modules/xen.if` are proposed where one covers a denial. `-D` writes `dontaudit` rules
//! instead. Exit codes as `explain`.

use super::explain::{load, LogInput};
use crate::explain::propose;
use clap::Args;

/// Arguments of `flaskc audit2allow`.
#[derive(Debug, Args)]
pub struct Audit2allowArgs {
    #[command(flatten)]
    pub input: LogInput,
    /// Write `dontaudit` rules (silence the denials) instead of `allow` rules.
    #[arg(short = 'D', long = "dontaudit")]
    pub dontaudit: bool,
}

/// Runs `flaskc audit2allow`; the exit code.
pub(crate) fn run(args: &Audit2allowArgs) -> i32 {
    let loaded = match load(&args.input) {
        Ok(l) => l,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let ifs = loaded
        .tree
        .iter()
        .find(|f| f.path == "modules/xen.if")
        .map(|f| propose::Interfaces::parse(&f.text));
    let (db, exs) = (&loaded.db, &loaded.report.explanations);
    let text = if args.input.json {
        let json = propose::to_json(db, exs, ifs.as_ref(), args.dontaudit);
        format!("{json}\n")
    } else {
        propose::render_te(db, exs, ifs.as_ref(), args.dontaudit)
    };
    super::print_text(loaded.code, &text)
}
