//! Builds a Xen policy tree with the library and prints its diagnostics as `flaskc check`
//! would: `cargo run --release --example build_tree -- [DIR]` (the bundled `policy/` by
//! default). Exit code 1 when the tree has errors.

use flaskc::policydb::Target;
use flaskc::project::{self, fs::RealFs, Options};
use std::path::PathBuf;

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("policy"), PathBuf::from);
    let mut opts = Options::new(Target::Xen);
    opts.for_writing = false;
    let outcome = match project::build_tree(&dir, &opts, &RealFs) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    eprint!(
        "{}",
        flaskc::diag::render(&outcome.diagnostics, &outcome.map)
    );
    match &outcome.db {
        Some(db) => println!(
            "{}: {} types, {} classes, {} diagnostics",
            dir.display(),
            db.types.len(),
            db.classes.len(),
            outcome.diagnostics.len()
        ),
        None => std::process::exit(1),
    }
}
