//! Fuzz target: reading arbitrary bytes as a binary policy never panics, and a policy the
//! reader accepts writes back (at its own version) to bytes that read as the same policy.
#![no_main]

use flaskc::binary::{read, write, WriteOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(policy) = read(data) {
        let out = write(&policy.db, &WriteOptions { version: policy.version })
            .expect("an accepted policy must be writable at its own version");
        let again = read(&out).expect("a re-written policy must read back");
        assert_eq!(again, policy, "policy changed on write-then-read");
        // The dumps must not panic on anything the reader accepts either.
        let _ = flaskc::dump::to_conf(&again.db);
        let _ = flaskc::dump::to_cil(&again.db);
    }
});
