//! What the validator reports: findings with byte spans, rendered to lines and columns on demand.

#[cfg(feature = "serde")]
use serde::Serialize;

/// How serious a finding is. Any [`Severity::Error`] means the code must not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(Serialize), serde(rename_all = "lowercase"))]
pub enum Severity {
    /// The code is rejected.
    Error,
    /// Worth a look, but does not block execution.
    Warning,
}

impl Severity {
    /// Lower-case name, as printed by every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A half-open range of byte offsets into the validated source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Span {
    /// First byte of the range.
    pub start: usize,
    /// One past the last byte of the range.
    pub end: usize,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }
}

/// One reason the code may not run (or, for warnings, deserves a look).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Finding {
    /// Stable rule code, such as `SBX301`.
    pub code: &'static str,
    /// How serious the finding is.
    pub severity: Severity,
    /// One line that names the offending thing.
    pub message: String,
    /// What to do instead.
    pub help: String,
    /// Where in the source, in bytes.
    pub span: Span,
}

/// A position in the source: 1-based line, and 1-based columns in the encodings tools use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize))]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column counted in Unicode scalar values (what a terminal user sees).
    pub column: usize,
    /// 1-based column counted in UTF-8 bytes.
    pub column_utf8: usize,
    /// 1-based column counted in UTF-16 code units (what a browser editor uses).
    pub column_utf16: usize,
}

/// Maps byte offsets of one source text to [`Location`]s.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `source` (`\n`, `\r\n` and lone `\r` end a line, as in Python).
    pub fn new(source: &str) -> Self {
        let bytes = source.as_bytes();
        let mut line_starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => line_starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => line_starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { line_starts }
    }

    /// The location of byte `offset` in `source` (the text this index was built from).
    /// Offsets past the end, or inside a multi-byte character, are clamped to a character boundary.
    pub fn location(&self, source: &str, offset: usize) -> Location {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line - 1];
        let prefix = &source[line_start..offset];
        Location {
            line,
            column: prefix.chars().count() + 1,
            column_utf8: prefix.len() + 1,
            column_utf16: prefix.encode_utf16().count() + 1,
        }
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line_text<'s>(&self, source: &'s str, line: usize) -> &'s str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).copied().unwrap_or(source.len());
        let start = start.min(source.len());
        let end = end.clamp(start, source.len());
        source
            .get(start..end)
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_in_every_encoding() {
        let src = "x = 1\ny = '𝘦é' + eval\n";
        let index = LineIndex::new(src);
        let offset = src.find("eval").expect("eval in source");
        let loc = index.location(src, offset);
        assert_eq!(loc.line, 2);
        // y = '𝘦é' + eval: 𝘦 is 4 bytes / 2 UTF-16 units, é is 2 bytes / 1 unit.
        assert_eq!(loc.column, 12);
        assert_eq!(loc.column_utf8, 16);
        assert_eq!(loc.column_utf16, 13);
        assert_eq!(index.line_text(src, 2), "y = '𝘦é' + eval");
    }

    #[test]
    fn carriage_returns_end_lines() {
        let src = "a\r\nb\rc";
        let index = LineIndex::new(src);
        assert_eq!(index.location(src, 3).line, 2);
        assert_eq!(index.location(src, 5).line, 3);
        assert_eq!(index.line_text(src, 1), "a");
    }
}
