//! `flaskc diff`: what two binary policies differ in, by name, over
//! [`crate::query::diff`], as a sediff-like summary or as JSON.

use super::read_policy;
use crate::query::diff::{self, Section};
use clap::Args;
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `flaskc diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The first (old) binary policy.
    pub first: PathBuf,
    /// The second (new) binary policy.
    pub second: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 when the policies differ (as `diff` does).
    #[arg(long = "exit-code")]
    pub exit_code: bool,
}

/// A section as sediff prints it: a count line, then `+`/`-`/`*` items.
fn section_text(o: &mut String, s: &Section) {
    let _ = writeln!(
        o,
        "{} ({} Added, {} Removed, {} Modified)",
        s.name,
        s.added.len(),
        s.removed.len(),
        s.modified.len()
    );
    for (sign, items) in [('+', &s.added), ('-', &s.removed)] {
        for i in items {
            let _ = writeln!(o, "   {sign} {i}");
        }
    }
    for m in &s.modified {
        let _ = writeln!(o, "   * {}", m.name);
        for a in &m.added {
            let _ = writeln!(o, "      + {a}");
        }
        for r in &m.removed {
            let _ = writeln!(o, "      - {r}");
        }
    }
    o.push('\n');
}

/// Runs `flaskc diff` and returns the exit code.
pub fn run(args: &DiffArgs) -> i32 {
    let (a, b) = match (read_policy(&args.first), read_policy(&args.second)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            crate::io::eprintln!("error: {e}");
            return e.code();
        }
    };
    let sections = diff::diff(&a.db, &b.db);
    let differ = !sections.iter().all(Section::is_empty);
    let code = i32::from(args.exit_code && differ);
    if args.json {
        let items: serde_json::Map<String, serde_json::Value> = sections
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| {
                let modified: Vec<_> = s
                    .modified
                    .iter()
                    .map(|m| json!({ "name": m.name, "added": m.added, "removed": m.removed }))
                    .collect();
                let v = json!({ "added": s.added, "removed": s.removed, "modified": modified });
                (s.name.to_owned(), v)
            })
            .collect();
        let report = json!({ "differ": differ, "sections": items });
        super::print_text(code, &format!("{report:#}\n"))
    } else if differ {
        let mut o = String::new();
        for s in sections.iter().filter(|s| !s.is_empty()) {
            section_text(&mut o, s);
        }
        super::print_text(code, &o)
    } else {
        super::print_text(code, "The policies are the same.\n")
    }
}
