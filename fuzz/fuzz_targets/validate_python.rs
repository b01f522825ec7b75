//! Generated Python through `validate`: the repository's sources mutated by splicing
//! statements and expressions, nesting around the depth limit, Unicode that NFKC folds and
//! encoding changes (see `stockade_fuzz::mutator`), mixed with libFuzzer's byte mutations.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};
use stockade_fuzz::mutator::{mutate, Rng};

fuzz_target!(|data: &[u8]| {
    stockade_fuzz::check_text(&String::from_utf8_lossy(data));
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = Rng::new(seed);
    // A quarter of the time libFuzzer's own byte-level mutations, guided by coverage.
    if rng.below(4) == 0 {
        return fuzzer_mutate(data, size, max_size);
    }
    let text = String::from_utf8_lossy(&data[..size]);
    let mutated = mutate(&text, &mut rng);
    if mutated.len() > max_size {
        return fuzzer_mutate(data, size, max_size);
    }
    data[..mutated.len()].copy_from_slice(mutated.as_bytes());
    mutated.len()
});
