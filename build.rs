//! Generates the policy.conf parser from `grammar/policy.lalrpop`.
fn main() {
    lalrpop::Configuration::new()
        .set_in_dir("grammar")
        .emit_rerun_directives(true)
        .process()
        .expect("the lalrpop grammar must build");
}
