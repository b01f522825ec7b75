//! A `stockade serve` child process, as the fault and abuse tests start it.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::Child;

/// Reads the URL line the runner prints once it is serving (after its start-up sweep) and
/// returns its `host:port`, or an empty string when the runner ended without printing one.
/// The child must have been spawned with a piped stdout.
pub fn read_address(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.trim()
        .rsplit_once("http://")
        .map(|(_, url)| url.trim_end_matches('/').to_string())
        .unwrap_or_default()
}
