//! Prints the differential test's policy for a seed, to reproduce a reported divergence:
//! `cargo run --example gen_policy -- SEED > p.conf` writes the policy, and the
//! checkpolicy arguments go to standard error.

#[path = "../tests/gen/mod.rs"]
mod gen;

fn main() {
    let Some(seed) = std::env::args().nth(1).and_then(|s| s.parse::<u64>().ok()) else {
        eprintln!("usage: gen_policy SEED   (FLASKC_GRAMMAR_OFF as in the test)");
        std::process::exit(2);
    };
    let case = gen::generate(seed, &gen::Switches::from_env());
    print!("{}", case.policy);
    eprintln!("args: {}", case.args.join(" "));
    if let Some(b) = case.breakage {
        eprintln!("broken on purpose: {b:?}");
    }
    if case.mixes_tunable_and_bool {
        eprintln!("mixes a tunable and a boolean (checkpolicy aborts)");
    }
}
