//! Compatibility with programs written for the original sandbox, which print their metrics as
//! JSON between `__SIGNAL_JSON_START__` and `__SIGNAL_JSON_END__` instead of setting `signal`.
//! When the code leaves no result (`signal` unset or `None`), the last well-formed block of
//! that kind in its stdout becomes the result, so such programs do not silently lose it.
//!
//! The block is read from the captured stdout, which is as untrusted as `signal` itself and
//! already capped at `docker.stdout_limit`; stdout is left as the program printed it.

/// Opens the JSON block.
pub const START: &str = "__SIGNAL_JSON_START__";
/// Closes the JSON block.
pub const END: &str = "__SIGNAL_JSON_END__";

/// The JSON of the last complete, parseable block in `stdout`, if any.
pub fn signal_from_stdout(stdout: &str) -> Option<serde_json::Value> {
    stdout.rmatch_indices(START).find_map(|(at, _)| {
        let body = &stdout[at + START.len()..];
        let end = body.find(END)?;
        serde_json::from_str(body[..end].trim()).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_block_between_the_markers() {
        let out = "log line\n__SIGNAL_JSON_START__\n{\"sharpe\": 1.5, \"trades\": [1, 2]}\n__SIGNAL_JSON_END__\n";
        assert_eq!(
            signal_from_stdout(out),
            Some(json!({"sharpe": 1.5, "trades": [1, 2]}))
        );
    }

    #[test]
    fn the_last_complete_block_wins() {
        let out = "__SIGNAL_JSON_START__1__SIGNAL_JSON_END__\n__SIGNAL_JSON_START__2__SIGNAL_JSON_END__\n__SIGNAL_JSON_START__{\"cut off";
        assert_eq!(signal_from_stdout(out), Some(json!(2)));
    }

    #[test]
    fn no_block_or_a_broken_one_gives_nothing() {
        assert_eq!(signal_from_stdout("plain output\n"), None);
        assert_eq!(
            signal_from_stdout("__SIGNAL_JSON_START__ not json __SIGNAL_JSON_END__"),
            None
        );
        assert_eq!(
            signal_from_stdout("__SIGNAL_JSON_END__ 1 __SIGNAL_JSON_START__"),
            None
        );
    }
}
