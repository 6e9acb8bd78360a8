//! Reads a binary policy and lists the rights of one domain (its `allow` rules, as
//! `flaskc search -s DOMAIN` does): `cargo run --release --example domain_rights --
//! [POLICY.bin] [DOMAIN]`. Without a file it compiles the bundled tree and reads back the
//! binary it writes, in memory; the default domain is `domU_t`.

use flaskc::policydb::{avkind, Target};
use flaskc::project::{self, fs::RealFs, Options};
use flaskc::query::search::{search, Query};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (file, domain) = match args.as_slice() {
        [] => (None, "domU_t"),
        [d] if !d.ends_with(".bin") => (None, d.as_str()),
        [f] => (Some(f.as_str()), "domU_t"),
        [f, d, ..] => (Some(f.as_str()), d.as_str()),
    };
    let bytes = match file {
        Some(f) => std::fs::read(f).unwrap_or_else(|e| fail(&format!("cannot read `{f}`: {e}"))),
        None => bundled_binary(),
    };
    let policy = flaskc::binary::read(&bytes).unwrap_or_else(|e| fail(&e.to_string()));
    let query = Query {
        kinds: avkind::ALLOWED,
        source: Some(domain.to_string()),
        ..Query::default()
    };
    let rules = search(&policy.db, &query).unwrap_or_else(|e| fail(&e.to_string()));
    println!("{} allow rules for `{domain}`:", rules.len());
    for r in rules {
        println!("{r}");
    }
}

/// The bundled tree, compiled and written as Xen's default version.
fn bundled_binary() -> Vec<u8> {
    let outcome = project::build_tree("policy".as_ref(), &Options::new(Target::Xen), &RealFs)
        .unwrap_or_else(|e| fail(&e.to_string()));
    let Some(db) = outcome.db else {
        fail(&flaskc::diag::render(&outcome.diagnostics, &outcome.map));
    };
    let opts = flaskc::binary::WriteOptions {
        version: outcome.version,
    };
    flaskc::binary::write(&db, &opts).unwrap_or_else(|e| fail(&e.to_string()))
}

fn fail(why: &str) -> ! {
    eprintln!("error: {why}");
    std::process::exit(1)
}
