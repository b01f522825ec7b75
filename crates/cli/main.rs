//! `stockade`: validate and run untrusted Python strategies.

fn main() {}
