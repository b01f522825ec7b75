//! The result frame the harness writes on its private copy of stdout.
//!
//! `\n\x1eSTOCKADE-RESULT <nonce> <json>\n`; the nonce is fresh for every run, and only the
//! last frame carrying it counts. Nothing in the frame decides `timed_out`, `oom_killed` or the
//! exit code: those come from Docker.
//!
//! Just before the frame, the harness ends its stderr with the closing line
//! `\n\x1eSTOCKADE-END <nonce>\n`: once both are read, all the output is in.

use serde::Deserialize;

/// The frame's fixed prefix (before the nonce).
pub const PREFIX: &[u8] = b"\n\x1eSTOCKADE-RESULT ";

/// The harness's first bytes on stdout: start-up is over and it waits for its request.
pub const READY: &[u8] = b"\x1eSTOCKADE-READY\n";

/// The closing line's fixed prefix (before the nonce), on stderr.
pub const END_PREFIX: &[u8] = b"\n\x1eSTOCKADE-END ";

/// The bytes that introduce a frame for `nonce`.
pub fn marker(nonce: &str) -> Vec<u8> {
    let mut m = PREFIX.to_vec();
    m.extend_from_slice(nonce.as_bytes());
    m.push(b' ');
    m
}

/// The closing line for `nonce`, without its newline.
pub fn end_marker(nonce: &str) -> Vec<u8> {
    let mut m = END_PREFIX.to_vec();
    m.extend_from_slice(nonce.as_bytes());
    m
}

/// A fresh 128-bit nonce in hex.
pub fn new_nonce() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The harness's report.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Frame {
    /// The code finished without raising.
    pub ok: bool,
    /// The produced value.
    #[serde(default)]
    pub signal: serde_json::Value,
    /// The exception, when the code raised.
    #[serde(default)]
    pub error: Option<FrameError>,
    /// The value was replaced because it was too large.
    #[serde(default)]
    pub result_truncated: bool,
}

/// An exception raised by the code (or a harness-level failure).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FrameError {
    /// Exception type name.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Exception message.
    #[serde(default)]
    pub message: String,
    /// Formatted traceback.
    #[serde(default)]
    pub traceback: String,
}

/// Where the frame sits in the stream, and what it says.
#[derive(Debug)]
pub enum Found {
    /// No frame with our nonce.
    Missing,
    /// A frame started at `offset` but could not be read.
    Garbled {
        /// Absolute stream offset of the frame's leading newline.
        offset: u64,
        /// Why it could not be read.
        reason: String,
    },
    /// A readable frame starting at `offset`.
    Frame {
        /// Absolute stream offset of the frame's leading newline.
        offset: u64,
        /// The decoded frame.
        frame: Frame,
    },
}

/// Finds the last frame for `nonce` in `window`, whose first byte is at absolute offset
/// `window_start` of the stream.
pub fn find(window: &[u8], window_start: u64, nonce: &str) -> Found {
    let marker = marker(nonce);
    let Some(pos) = rfind(window, &marker) else {
        return Found::Missing;
    };
    let offset = window_start + pos as u64;
    let body = &window[pos + marker.len()..];
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Found::Garbled {
            offset,
            reason: "the frame is not terminated (output cut short)".into(),
        };
    };
    match serde_json::from_slice::<Frame>(&body[..end]) {
        Ok(frame) => Found::Frame { offset, frame },
        Err(e) => Found::Garbled {
            offset,
            reason: format!("the frame is not valid JSON ({e})"),
        },
    }
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > haystack.len() {
        return None;
    }
    (0..=haystack.len() - needle.len())
        .rev()
        .find(|&i| haystack[i..].starts_with(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "00112233445566778899aabbccddeeff";

    fn framed(json: &str) -> Vec<u8> {
        let mut v = marker(NONCE);
        v.extend_from_slice(json.as_bytes());
        v.push(b'\n');
        v
    }

    #[test]
    fn nonce_is_fresh_hex() {
        let (a, b) = (new_nonce(), new_nonce());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn last_frame_with_our_nonce_wins() {
        let mut out = b"user output".to_vec();
        out.extend(framed(r#"{"ok":false,"signal":1}"#));
        out.extend(b"\n\x1eSTOCKADE-RESULT ffffffffffffffffffffffffffffffff {\"ok\":true}\n");
        out.extend(framed(
            r#"{"ok":true,"signal":[1,2],"error":null,"result_truncated":false}"#,
        ));
        match find(&out, 100, NONCE) {
            Found::Frame { offset, frame } => {
                assert!(frame.ok);
                assert_eq!(frame.signal, serde_json::json!([1, 2]));
                assert!(offset > 100 + 11);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_nonce_is_missing() {
        let out = b"\n\x1eSTOCKADE-RESULT 0000 {\"ok\":true}\n";
        assert!(matches!(find(out, 0, NONCE), Found::Missing));
    }

    #[test]
    fn garbage_and_unterminated_frames_are_garbled() {
        let out = framed("{not json");
        assert!(matches!(
            find(&out, 0, NONCE),
            Found::Garbled { offset: 0, .. }
        ));
        let mut cut = marker(NONCE);
        cut.extend(b"{\"ok\":tr");
        assert!(matches!(find(&cut, 0, NONCE), Found::Garbled { .. }));
    }
}
