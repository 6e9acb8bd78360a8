//! Fuzz target: any bytes as an m4 input file must expand without panicking, within the
//! limits, with origins sorted and inside the output.
#![no_main]

use flaskc::m4::{expand, Arg, FileLoader, Options};
use libfuzzer_sys::fuzz_target;

/// Serves the fuzz input as `in.m4` and a small fixed file as `inc.m4`.
struct Input<'a>(&'a [u8]);

impl FileLoader for Input<'_> {
    fn load(&self, path: &str) -> Option<Vec<u8>> {
        match path {
            "in.m4" => Some(self.0.to_vec()),
            "inc.m4" => Some(b"define(`inc', `included\n$1')dnl\ninc(x)\n".to_vec()),
            _ => None,
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        synclines: data.first().is_some_and(|b| b & 1 == 1),
        prefix_builtins: data.first().is_some_and(|b| b & 2 == 2),
        nesting_limit: 256,
        max_expansion_depth: 20_000,
        max_output: 16 << 20,
        max_memory: 64 << 20,
        ..Options::default()
    };
    let out = expand(&[Arg::File("in.m4".into())], &opts, &Input(data));
    assert!(out.origins.windows(2).all(|w| w[0].start <= w[1].start));
    assert!(out
        .origins
        .iter()
        .all(|o| (o.start as usize) <= out.output.len()));
});
