//! `flaskc explain-code CODE`: the long explanation of a diagnostic code, from the
//! registry in [`crate::diag::codes`] (as `rustc --explain` does for its error codes).

use crate::diag::{codes, suggest};
use clap::Args;

/// Arguments of `flaskc explain-code`.
#[derive(Debug, Args)]
pub struct ExplainCodeArgs {
    /// The code, as diagnostics show it in brackets (`undefined-type`); `--list` for all.
    #[arg(required_unless_present = "list")]
    pub code: Option<String>,
    /// List every code with its summary.
    #[arg(long)]
    pub list: bool,
}

/// Prints the explanation; exit code 0, or 2 for a code that does not exist.
pub fn run(args: &ExplainCodeArgs) -> i32 {
    if args.list {
        let width = codes::CODES.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let text: String = (codes::CODES.iter())
            .map(|c| format!("{:width$}  {}\n", c.name, c.summary))
            .collect();
        return super::print_text(0, &text);
    }
    let asked = args.code.as_deref().unwrap_or_default();
    // `error[undefined-type]` pasted whole works too.
    let name = asked
        .rsplit_once('[')
        .map_or(asked, |(_, rest)| rest.trim_end_matches(']'));
    match codes::lookup(name) {
        Some(c) => super::print_text(0, &codes::explain(c)),
        None => {
            let close = suggest::closest(name, codes::CODES.iter().map(|c| c.name));
            let hint = close.map_or(String::new(), |c| format!("; {}", suggest::did_you_mean(c)));
            crate::io::eprintln!(
                "flaskc: error: no diagnostic code `{name}`{hint} (`flaskc explain-code --list` lists them)"
            );
            2
        }
    }
}
