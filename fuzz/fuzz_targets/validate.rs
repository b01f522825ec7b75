//! Text through `validate`, as the service and the browser editor call it: sound spans, and
//! the same verdict as decoding the text's bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        stockade_fuzz::check_text(text);
    }
});
