//! Raw bytes through `validate_bytes`, as the CLI reads files and stdin: any byte string
//! (invalid UTF-8, BOMs, `coding:` cookies) comes back as a report with sound spans.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stockade_fuzz::check_bytes(data);
});
