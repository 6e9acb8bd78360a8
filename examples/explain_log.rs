//! Explains the denials of a Xen AVC log (`xl dmesg`) against the bundled policy, as
//! `flaskc explain` does: `cargo run --release --example explain_log -- [LOG]`. Without
//! a log it explains one denial written here.

use flaskc::policydb::Target;
use flaskc::project::{self, fs::RealFs, Options};

/// A guest asking for an IOMMU on a device it was not given.
const DENIAL: &str = "(XEN) avc: denied { use_iommu } for source=d3 device=0x300 \
    scontext=system_u:system_r:domU_t tcontext=system_u:object_r:nic_dev_t tclass=resource\n";

fn main() {
    let log = match std::env::args().nth(1) {
        Some(f) => std::fs::read_to_string(&f).unwrap_or_else(|e| {
            eprintln!("error: cannot read `{f}`: {e}");
            std::process::exit(2)
        }),
        None => DENIAL.to_string(),
    };
    let outcome = project::build_tree("policy".as_ref(), &Options::new(Target::Xen), &RealFs)
        .expect("the bundled tree's flaskc.toml is valid");
    let Some(db) = outcome.db else {
        eprint!(
            "{}",
            flaskc::diag::render(&outcome.diagnostics, &outcome.map)
        );
        std::process::exit(1)
    };
    let records = flaskc::avc::parse(&log).records;
    let report = flaskc::explain::explain(&db, &records, &[]);
    print!("{}", flaskc::explain::render(&report));
}
