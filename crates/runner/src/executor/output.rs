//! Bounded capture of a container's output.
//!
//! A program may print forever. The runner keeps the first `cap` bytes of each stream for the
//! user, a bounded tail window of stdout in which to look for the result frame, and counts (then
//! discards) everything else, so its memory stays bounded whatever the code writes.

/// Captures one stream: a head of at most `cap` bytes plus, optionally, a tail window.
#[derive(Debug)]
pub struct Capture {
    cap: usize,
    head: Vec<u8>,
    tail: Vec<u8>,
    window: usize,
    total: u64,
}

impl Capture {
    /// Keeps the first `cap` bytes and a tail window of `window` bytes (0: no window).
    pub fn new(cap: usize, window: usize) -> Self {
        Capture {
            cap,
            head: Vec::with_capacity(cap.min(64 * 1024)),
            tail: Vec::new(),
            window,
            total: 0,
        }
    }

    /// Records a chunk; returns the part that fell inside the head (for live streaming).
    pub fn push<'a>(&mut self, chunk: &'a [u8]) -> &'a [u8] {
        let room = self.cap.saturating_sub(self.head.len());
        let kept = &chunk[..room.min(chunk.len())];
        self.head.extend_from_slice(kept);
        if self.window > 0 {
            if chunk.len() >= self.window {
                self.tail.clear();
                self.tail
                    .extend_from_slice(&chunk[chunk.len() - self.window..]);
            } else {
                self.tail.extend_from_slice(chunk);
                // Amortised trimming: let the buffer grow a quarter past the window, then cut.
                if self.tail.len() > self.window + (self.window / 4).max(4096) {
                    let cut = self.tail.len() - self.window;
                    self.tail.drain(..cut);
                }
            }
        }
        self.total += chunk.len() as u64;
        kept
    }

    /// Total bytes seen.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The head, cut at `end` (an absolute stream offset), and whether bytes before `end` were
    /// dropped.
    pub fn head_until(&self, end: u64) -> (&[u8], bool) {
        let end_in_head = usize::try_from(end)
            .unwrap_or(usize::MAX)
            .min(self.head.len());
        (&self.head[..end_in_head], end > self.head.len() as u64)
    }

    /// The whole head and whether the stream was longer than the cap.
    pub fn head(&self) -> (&[u8], bool) {
        self.head_until(self.total)
    }

    /// The retained tail and the absolute offset of its first byte.
    pub fn tail(&self) -> (&[u8], u64) {
        let start = if self.tail.len() > self.window {
            self.tail.len() - self.window
        } else {
            0
        };
        let slice = &self.tail[start..];
        (slice, self.total - slice.len() as u64)
    }
}

/// Removes lines that start with `marker` (which begins with `\n`) from a live byte stream,
/// so that consumers of streamed stdout never see the result frame.
#[derive(Debug)]
pub struct FrameFilter {
    marker: Vec<u8>,
    matched: usize,
    suppressing: bool,
}

impl FrameFilter {
    /// Filters lines introduced by `marker`; the marker must start with `\n` and contain no
    /// other newline.
    pub fn new(marker: Vec<u8>) -> Self {
        debug_assert!(marker.first() == Some(&b'\n'));
        FrameFilter {
            marker,
            matched: 0,
            suppressing: false,
        }
    }

    /// Feeds a chunk; returns what may be shown. Bytes that might start a frame are held back
    /// until the next chunk decides.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(chunk.len());
        for &b in chunk {
            if self.suppressing {
                if b == b'\n' {
                    self.suppressing = false;
                }
                continue;
            }
            if b == self.marker[self.matched] {
                self.matched += 1;
                if self.matched == self.marker.len() {
                    self.matched = 0;
                    self.suppressing = true;
                }
                continue;
            }
            // Mismatch: release what was held back. The marker's only newline is its first
            // byte, so the current byte can only restart a match if it is a newline.
            out.extend_from_slice(&self.marker[..self.matched]);
            self.matched = 0;
            if b == self.marker[0] {
                self.matched = 1;
            } else {
                out.push(b);
            }
        }
        out
    }

    /// Releases bytes held back at the end of the stream (a partial marker is just output;
    /// a frame that never ended stays hidden).
    pub fn finish(&mut self) -> Vec<u8> {
        let held = self.marker[..self.matched].to_vec();
        self.matched = 0;
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_is_capped_and_total_counted() {
        let mut c = Capture::new(4, 0);
        assert_eq!(c.push(b"abc"), b"abc");
        assert_eq!(c.push(b"defg"), b"d");
        assert_eq!(c.total(), 7);
        assert_eq!(c.head(), (&b"abcd"[..], true));
        assert_eq!(c.head_until(2), (&b"ab"[..], false));
    }

    #[test]
    fn tail_window_is_bounded() {
        let mut c = Capture::new(2, 5);
        for _ in 0..1000 {
            c.push(b"0123456789");
        }
        let (tail, start) = c.tail();
        assert_eq!(tail, b"56789");
        assert_eq!(start, 10_000 - 5);
        assert!(c.tail.capacity() < 64, "tail buffer stays small");
        c.push(&[b'x'; 100]);
        assert_eq!(c.tail().0, b"xxxxx");
    }

    #[test]
    fn filter_removes_frame_lines() {
        let mut f = FrameFilter::new(b"\n\x1eMARK ".to_vec());
        let mut out = f.feed(b"hello\n\n\x1eMA");
        out.extend(f.feed(b"RK {\"ok\":true}\nafter\n\n\x1eNOT"));
        out.extend(f.feed(b"\n"));
        assert_eq!(out, b"hello\nafter\n\n\x1eNOT");
        assert_eq!(f.finish(), b"\n", "held-back bytes released at the end");
    }
}
