//! One checked input as the printers see it: its name, a displayable text, and the mapping from
//! the validator's byte offsets (into the raw input) to lines and columns of that text.
//!
//! Inputs are read as bytes and may not be UTF-8 (the validator reports that as a finding), so
//! the text shown to people is decoded lossily: each invalid byte sequence becomes one U+FFFD,
//! and a UTF-8 byte-order mark is dropped. Offsets into the raw bytes are mapped through the
//! segments recorded while decoding, so a finding's position stays right after the mark or an
//! invalid sequence.

use std::path::{Path, PathBuf};

use stockade_validator::{LineIndex, Location, Span};

/// Where an input came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputName {
    /// A file, named as the user gave it or as found under a directory the user gave.
    Path(PathBuf),
    /// Standard input, optionally named with `--stdin-filename`.
    Stdin(Option<PathBuf>),
}

impl InputName {
    /// The name shown in human-facing output.
    pub fn label(&self) -> String {
        match self {
            InputName::Path(path) | InputName::Stdin(Some(path)) => path.display().to_string(),
            InputName::Stdin(None) => "<stdin>".to_owned(),
        }
    }

    /// The path to report to tools that resolve it against the checkout, if there is one.
    pub fn path(&self) -> Option<&Path> {
        match self {
            InputName::Path(path) | InputName::Stdin(Some(path)) => Some(path),
            InputName::Stdin(None) => None,
        }
    }
}

/// A run of raw bytes and the text it decoded to.
#[derive(Debug, Clone, Copy)]
struct Segment {
    raw_start: usize,
    raw_len: usize,
    text_start: usize,
    text_len: usize,
    /// True when the run was valid UTF-8 and was copied byte for byte.
    copied: bool,
}

/// Which edge of a span an offset is: an end inside a replaced sequence maps past its U+FFFD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    Start,
    End,
}

/// A decoded input ready to be rendered.
#[derive(Debug)]
pub struct SourceFile {
    name: InputName,
    raw_len: usize,
    text: String,
    segments: Vec<Segment>,
    index: LineIndex,
}

/// Start and end positions of a finding, computed once for every printer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Where the span starts.
    pub start: Location,
    /// Where the span ends (exclusive).
    pub end: Location,
    /// The span as byte offsets into [`SourceFile::text`].
    pub text_span: Span,
}

impl SourceFile {
    /// Decodes `bytes` for display.
    pub fn new(name: InputName, bytes: &[u8]) -> Self {
        const BOM: &[u8] = b"\xEF\xBB\xBF";
        let mut segments = Vec::new();
        let mut text = String::with_capacity(bytes.len());
        let mut raw = 0;
        if bytes.starts_with(BOM) {
            segments.push(Segment {
                raw_start: 0,
                raw_len: BOM.len(),
                text_start: 0,
                text_len: 0,
                copied: false,
            });
            raw = BOM.len();
        }
        for chunk in bytes[raw..].utf8_chunks() {
            let valid = chunk.valid();
            segments.push(Segment {
                raw_start: raw,
                raw_len: valid.len(),
                text_start: text.len(),
                text_len: valid.len(),
                copied: true,
            });
            text.push_str(valid);
            raw += valid.len();
            let invalid = chunk.invalid();
            if !invalid.is_empty() {
                segments.push(Segment {
                    raw_start: raw,
                    raw_len: invalid.len(),
                    text_start: text.len(),
                    text_len: char::REPLACEMENT_CHARACTER.len_utf8(),
                    copied: false,
                });
                text.push(char::REPLACEMENT_CHARACTER);
                raw += invalid.len();
            }
        }
        let index = LineIndex::new(&text);
        SourceFile {
            name,
            raw_len: bytes.len(),
            text,
            segments,
            index,
        }
    }

    /// Where the input came from.
    pub fn name(&self) -> &InputName {
        &self.name
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        self.index.line_text(&self.text, line)
    }

    /// Lines and columns of a span of raw byte offsets (clamped to the input).
    pub fn region(&self, span: Span) -> Region {
        let start = self.text_offset(span.start, Edge::Start);
        let end = self
            .text_offset(span.end.max(span.start), Edge::End)
            .max(start);
        Region {
            start: self.index.location(&self.text, start),
            end: self.index.location(&self.text, end),
            text_span: Span::new(start, end),
        }
    }

    fn text_offset(&self, raw: usize, edge: Edge) -> usize {
        let raw = raw.min(self.raw_len);
        let at = self.segments.partition_point(|s| s.raw_start <= raw);
        let Some(segment) = at.checked_sub(1).and_then(|i| self.segments.get(i)) else {
            return 0;
        };
        let into = raw - segment.raw_start;
        if segment.copied {
            segment.text_start + into.min(segment.text_len)
        } else if into == 0 || (edge == Edge::Start && into < segment.raw_len) {
            segment.text_start
        } else {
            segment.text_start + segment.text_len
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> SourceFile {
        SourceFile::new(InputName::Stdin(None), bytes)
    }

    #[test]
    fn utf8_offsets_map_one_to_one() {
        let src = file("a = 1\nb = 'é' + x\n".as_bytes());
        let at = "a = 1\nb = 'é' + ".len();
        let region = src.region(Span::new(at, at + 1));
        assert_eq!((region.start.line, region.start.column), (2, 11));
        assert_eq!(region.start.column_utf8, 12);
        assert_eq!((region.end.line, region.end.column), (2, 12));
    }

    #[test]
    fn byte_order_mark_is_not_a_column() {
        let src = file(b"\xEF\xBB\xBFx = (\n");
        assert_eq!(src.line_text(1), "x = (");
        let region = src.region(Span::new(3, 4));
        assert_eq!((region.start.line, region.start.column), (1, 1));
        assert_eq!(region.text_span, Span::new(0, 1));
        // An offset inside the mark itself is the start of the text.
        assert_eq!(src.region(Span::new(1, 1)).text_span, Span::new(0, 0));
    }

    #[test]
    fn invalid_bytes_become_one_replacement_each_run() {
        // A truncated three-byte sequence is one invalid run; a lone 0xFF is another.
        let src = file(b"x = 1\ny = \xe2\x82 2\nz\xff\n");
        assert_eq!(src.line_text(3), "z\u{FFFD}");
        assert_eq!(src.line_text(2), "y = \u{FFFD} 2");
        // The span of the invalid run covers exactly its replacement character.
        let region = src.region(Span::new(10, 12));
        assert_eq!((region.start.line, region.start.column), (2, 5));
        assert_eq!((region.end.line, region.end.column), (2, 6));
        // Offsets after the run shift by the difference in length.
        let region = src.region(Span::new(15, 16));
        assert_eq!((region.start.line, region.start.column), (3, 1));
        let region = src.region(Span::new(16, 17));
        assert_eq!((region.start.line, region.start.column), (3, 2));
        assert_eq!((region.end.line, region.end.column), (3, 3));
        // A span ending inside the run still covers the replacement character.
        let region = src.region(Span::new(10, 11));
        assert_eq!((region.end.line, region.end.column), (2, 6));
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let src = file(b"x = \xff");
        let region = src.region(Span::new(5, 5));
        assert_eq!((region.start.column, region.end.column), (6, 6));
        let src = file(b"x = (");
        let region = src.region(Span::new(99, 7));
        assert_eq!((region.start.line, region.start.column), (1, 6));
        assert_eq!(region.start, region.end);
        assert_eq!(file(b"").region(Span::new(0, 3)).start.line, 1);
    }
}
