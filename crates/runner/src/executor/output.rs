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
/// so that consumers of streamed output never see the harness's own lines, and notes where the
/// first complete such line started.
#[derive(Debug)]
pub struct FrameFilter {
    marker: Vec<u8>,
    matched: usize,
    suppressing: bool,
    /// Bytes fed so far.
    fed: u64,
    /// Where the line being suppressed started.
    line_start: u64,
    /// Where the first complete line started.
    first_line: Option<u64>,
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
            fed: 0,
            line_start: 0,
            first_line: None,
        }
    }

    /// Feeds a chunk; returns what may be shown. Bytes that might start a marked line are
    /// held back until the next chunk decides.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(chunk.len());
        self.run(chunk, |bytes| out.extend_from_slice(bytes));
        out
    }

    /// Feeds a chunk only to find marked lines (see [`FrameFilter::first_line`]).
    pub fn scan(&mut self, chunk: &[u8]) {
        if self.first_line.is_none() {
            self.run(chunk, |_| {});
        }
    }

    /// The stream offset at which the first complete marked line (newline included) started.
    pub fn first_line(&self) -> Option<u64> {
        self.first_line
    }

    fn run(&mut self, chunk: &[u8], mut show: impl FnMut(&[u8])) {
        for &b in chunk {
            let at = self.fed;
            self.fed += 1;
            if self.suppressing {
                if b == b'\n' {
                    self.suppressing = false;
                    self.first_line.get_or_insert(self.line_start);
                }
                continue;
            }
            if b == self.marker[self.matched] {
                self.matched += 1;
                if self.matched == self.marker.len() {
                    self.matched = 0;
                    self.suppressing = true;
                    self.line_start = at + 1 - self.marker.len() as u64;
                }
                continue;
            }
            // Mismatch: release what was held back. The marker's only newline is its first
            // byte, so the current byte can only restart a match if it is a newline.
            show(&self.marker[..self.matched]);
            self.matched = 0;
            if b == self.marker[0] {
                self.matched = 1;
            } else {
                show(&[b]);
            }
        }
    }

    /// Releases bytes held back at the end of the stream (a partial marker is just output;
    /// a marked line that never ended stays hidden).
    pub fn finish(&mut self) -> Vec<u8> {
        let held = self.marker[..self.matched].to_vec();
        self.matched = 0;
        held
    }
}

/// One output stream of an execution: the bounded capture, the live view (harness lines
/// removed, within the cap), and where the harness's closing line is.
#[derive(Debug)]
pub struct StreamOutput {
    capture: Capture,
    live: FrameFilter,
    closing: FrameFilter,
}

impl StreamOutput {
    /// A stream capped at `cap` bytes (plus a tail `window`) whose harness lines start with
    /// `marker`.
    pub fn new(cap: usize, window: usize, marker: Vec<u8>) -> Self {
        StreamOutput {
            capture: Capture::new(cap, window),
            live: FrameFilter::new(marker.clone()),
            closing: FrameFilter::new(marker),
        }
    }

    /// Records a chunk; returns what to stream live.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<u8> {
        self.closing.scan(chunk);
        let shown = self.capture.push(chunk);
        if shown.is_empty() {
            Vec::new()
        } else {
            self.live.feed(shown)
        }
    }

    /// Bytes held back from the live view at the end of the stream (none once the cap was
    /// reached: nothing more is streamed then).
    pub fn finish(&mut self) -> Vec<u8> {
        if self.capture.head().1 {
            Vec::new()
        } else {
            self.live.finish()
        }
    }

    /// Where the first complete harness line started, once it has been read.
    pub fn closing_line(&self) -> Option<u64> {
        self.closing.first_line()
    }

    /// The capture.
    pub fn capture(&self) -> &Capture {
        &self.capture
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
        assert_eq!(f.first_line(), Some(6));
    }

    #[test]
    fn closing_line_is_found_across_chunks() {
        let mut s = StreamOutput::new(1 << 20, 0, b"\n\x1eEND ".to_vec());
        assert_eq!(s.push(b"warn"), b"warn");
        assert_eq!(s.push(b"\n\x1eEN"), b"");
        assert_eq!(s.closing_line(), None);
        assert_eq!(s.push(b"D abc"), b"");
        assert_eq!(s.closing_line(), None, "not complete before its newline");
        assert_eq!(s.push(b"\nlate"), b"late");
        assert_eq!(s.closing_line(), Some(4));
        assert_eq!(s.capture().head_until(4).0, b"warn");
    }

    #[test]
    fn closing_line_is_found_past_the_cap() {
        let mut s = StreamOutput::new(3, 0, b"\n\x1eEND ".to_vec());
        assert_eq!(s.push(b"abcdef"), b"abc");
        assert_eq!(s.push(b"\n\x1eEND x\n"), b"");
        assert_eq!(s.closing_line(), Some(6));
        assert_eq!(s.finish(), b"");
    }
}
