//! `flaskc check-guest`: check the labels of xl configuration files against a binary
//! policy and say which of the configured domains may talk to, map or control each other.
//!
//! Errors go to standard error as `FILE:LINE: KEY: message`. Exit codes: 0 when every
//! label is valid, 1 when one is not, 2 when a file cannot be read.

use crate::guest;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `flaskc check-guest`.
#[derive(Debug, Args)]
pub struct CheckGuestArgs {
    /// The binary policy.
    #[arg(long)]
    pub policy: PathBuf,
    /// xl configuration files.
    #[arg(required = true)]
    pub configs: Vec<PathBuf>,
}

/// Runs `flaskc check-guest`; the exit code.
pub(crate) fn run(args: &CheckGuestArgs) -> i32 {
    let db = match super::read_policy(&args.policy) {
        Ok(p) => p.db,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let mut texts = Vec::new();
    for c in &args.configs {
        match crate::io::read_text(c) {
            Ok(t) => texts.push(t),
            Err(e) => {
                crate::io::eprintln!("flaskc: {}: {e}", crate::io::input_name(c));
                return 2;
            }
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let rep = guest::check(&db, &refs);
    let file = |i: usize| {
        args.configs
            .get(i)
            .map_or(String::new(), |p| p.display().to_string())
    };
    for e in &rep.errors {
        crate::io::eprintln!(
            "{}:{}: {}: {}",
            file(e.at.config),
            e.at.line,
            e.at.key,
            e.error
        );
    }
    if rep.relations_left_out > 0 {
        crate::io::eprintln!(
            "flaskc: note: {} more related pairs of domains are not listed (at most {} are)",
            rep.relations_left_out,
            guest::MAX_RELATIONS
        );
    }
    super::print_report(i32::from(!rep.errors.is_empty()), |o| {
        for (l, ty) in &rep.domains {
            writeln!(o, "{} ({}): {ty}", file(l.config), l.key)?;
        }
        for r in &rep.relations {
            let (a, b) = (&rep.domains[r.from], &rep.domains[r.to]);
            let rights: Vec<&str> = [(r.talk, "talk"), (r.map, "map"), (r.control, "control")]
                .iter()
                .filter(|x| x.0)
                .map(|x| x.1)
                .collect();
            writeln!(
                o,
                "{} ({}) -> {} ({}): {}",
                file(a.0.config),
                a.1,
                file(b.0.config),
                b.1,
                rights.join(", ")
            )?;
        }
        Ok(())
    })
}
