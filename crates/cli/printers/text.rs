//! The human format: `path:line:col: CODE message`, the source line with carets under the span,
//! a help line, and a summary.
//!
//! Columns in the header count characters (Unicode scalar values), as a person counts them.
//! The source comes from untrusted input, so it is never written raw to the terminal: control
//! characters, bidirectional overrides and other invisible characters are shown as visible
//! stand-ins, tabs are expanded, and carets are placed by display width (wide CJK characters
//! take two cells). Very long lines are cut to a window around the span.

use std::borrow::Cow;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};
use stockade_validator::Severity;
use unicode_width::UnicodeWidthStr;

use super::{Located, Options, Printer, Summary};
use crate::source::SourceFile;

/// What a tab expands to in the snippet.
const TAB: &str = "    ";
/// Widest snippet line shown before it is cut to a window around the span.
const MAX_SNIPPET_WIDTH: usize = 120;
/// How much of the line to keep left of the span when cutting.
const LEFT_CONTEXT: usize = 40;
/// Marks where a cut line continues.
const ELLIPSIS: &str = "…";

/// Renders findings for people.
#[derive(Debug)]
pub struct TextPrinter {
    quiet: bool,
    styles: Styles,
}

#[derive(Debug, Clone, Copy)]
struct Styles {
    path: Style,
    error: Style,
    warning: Style,
    gutter: Style,
    help: Style,
    success: Style,
}

impl Styles {
    fn new(color: bool) -> Self {
        if !color {
            let plain = Style::new();
            return Styles {
                path: plain,
                error: plain,
                warning: plain,
                gutter: plain,
                help: plain,
                success: plain,
            };
        }
        let fg = |color: AnsiColor| Style::new().fg_color(Some(color.into()));
        Styles {
            path: Style::new().bold(),
            error: fg(AnsiColor::Red).bold(),
            warning: fg(AnsiColor::Yellow).bold(),
            gutter: fg(AnsiColor::Blue).bold(),
            help: fg(AnsiColor::Cyan),
            success: fg(AnsiColor::Green).bold(),
        }
    }
}

impl TextPrinter {
    /// A printer that colours its output when `options.color` is set.
    pub fn new(options: Options) -> Self {
        TextPrinter {
            quiet: options.quiet,
            styles: Styles::new(options.color),
        }
    }
}

impl Printer for TextPrinter {
    fn file(
        &mut self,
        out: &mut dyn Write,
        file: &SourceFile,
        findings: &[Located<'_>],
    ) -> io::Result<()> {
        let s = self.styles;
        let label = file.name().label();
        for located in findings {
            let finding = located.finding;
            let (start, end) = (located.region.start, located.region.end);
            let (code_style, severity) = match finding.severity {
                Severity::Error => (s.error, ""),
                Severity::Warning => (s.warning, " [warning]"),
            };
            writeln!(
                out,
                "{}{}:{}:{}:{} {code_style}{}{}{code_style:#} {}",
                s.path,
                visible(&label),
                start.line,
                start.column,
                s.path.render_reset(),
                finding.code,
                severity,
                visible(&finding.message),
            )?;

            let line = file.line_text(start.line);
            let span_start = start.column_utf8 - 1;
            let span_end = if end.line == start.line {
                end.column_utf8 - 1
            } else {
                line.len()
            };
            let snippet = Snippet::new(line, span_start, span_end);
            let number = start.line.to_string();
            let pad = " ".repeat(number.len());
            let gutter = s.gutter;
            writeln!(out, "{gutter} {number} |{gutter:#} {}", snippet.line)?;
            writeln!(
                out,
                "{gutter} {pad} |{gutter:#} {code_style}{}{code_style:#}",
                snippet.carets
            )?;
            writeln!(
                out,
                "{gutter} {pad} ={gutter:#} {}help{}: {}",
                s.help,
                s.help.render_reset(),
                visible(&finding.help)
            )?;
            writeln!(out)?;
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()> {
        if self.quiet {
            return Ok(());
        }
        let checked = plural(summary.files, "file", "files");
        if summary.errors + summary.warnings == 0 {
            let ok = self.styles.success;
            return writeln!(out, "{ok}All checks passed{ok:#} ({checked} checked).");
        }
        let mut counts = Vec::new();
        if summary.errors > 0 {
            counts.push(plural(summary.errors, "error", "errors"));
        }
        if summary.warnings > 0 {
            counts.push(plural(summary.warnings, "warning", "warnings"));
        }
        writeln!(
            out,
            "Found {} in {} ({checked} checked).",
            counts.join(" and "),
            plural(summary.files_with_findings, "file", "files"),
        )
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What stands in for `c` on a terminal, if it is not shown as itself.
fn stand_in(c: char) -> Option<Cow<'static, str>> {
    match c {
        '\t' => Some(Cow::Borrowed(TAB)),
        // C0 controls and DEL have printable "control pictures" (U+2400..U+2421).
        '\0'..='\x1f' => Some(Cow::Owned(
            char::from_u32(0x2400 + u32::from(c))
                .unwrap_or(char::REPLACEMENT_CHARACTER)
                .to_string(),
        )),
        '\x7f' => Some(Cow::Borrowed("\u{2421}")),
        // C1 controls, line separators, bidirectional controls (the "Trojan Source" trick),
        // and invisible characters that could hide code from a reviewer.
        '\u{80}'..='\u{9f}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}'
        | '\u{200b}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{061c}'
        | '\u{feff}' => Some(Cow::Owned(format!("<U+{:04X}>", u32::from(c)))),
        _ => None,
    }
}

/// `text` with the stand-ins of [`stand_in`].
fn visible(text: &str) -> Cow<'_, str> {
    if text.chars().all(|c| stand_in(c).is_none()) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len());
    for c in text.chars() {
        match stand_in(c) {
            Some(replacement) => shown.push_str(&replacement),
            None => shown.push(c),
        }
    }
    Cow::Owned(shown)
}

/// One source line made safe to print, and the caret line under a span of it.
#[derive(Debug, PartialEq, Eq)]
struct Snippet {
    line: String,
    carets: String,
}

impl Snippet {
    /// Renders `line` and carets under its bytes `start..end` (clamped; at least one caret).
    fn new(line: &str, start: usize, end: usize) -> Self {
        struct Cell {
            text: Cow<'static, str>,
            column: usize,
            width: usize,
            marked: bool,
        }
        let mut cells = Vec::new();
        let mut column = 0;
        let mut caret_column = None;
        for (at, c) in line.char_indices() {
            if at >= start && caret_column.is_none() {
                caret_column = Some(column);
            }
            let text = stand_in(c).unwrap_or_else(|| Cow::Owned(c.to_string()));
            let width = text.width();
            cells.push(Cell {
                marked: at >= start && at < end,
                text,
                column,
                width,
            });
            column += width;
        }
        let total = column;
        let caret_column = caret_column.unwrap_or(total);

        // Keep a window of the line around the span when it is too wide to read.
        let (from, to) = if total <= MAX_SNIPPET_WIDTH {
            (0, total)
        } else {
            let from = caret_column
                .saturating_sub(LEFT_CONTEXT)
                .min(total - MAX_SNIPPET_WIDTH);
            (from, from + MAX_SNIPPET_WIDTH)
        };
        let mut shown_line = String::new();
        let mut carets = String::new();
        if from > 0 {
            shown_line.push_str(ELLIPSIS);
            carets.push(' ');
        }
        let mut marked_width = 0;
        for cell in &cells {
            if cell.column < from || cell.column + cell.width > to {
                continue;
            }
            shown_line.push_str(&cell.text);
            if cell.marked {
                carets.push_str(&"^".repeat(cell.width));
                marked_width += cell.width;
            } else if marked_width == 0 {
                carets.push_str(&" ".repeat(cell.width));
            }
        }
        if to < total {
            shown_line.push_str(ELLIPSIS);
        }
        if marked_width == 0 {
            // An empty span (an insertion point such as "expected `)` here"), a span at the end
            // of the line, or one over zero-width characters: one caret where it starts.
            carets.truncate(usize::from(from > 0));
            let offset = caret_column.saturating_sub(from).min(to - from);
            carets.push_str(&" ".repeat(offset));
            carets.push('^');
        }
        Snippet {
            line: shown_line,
            carets,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printers::{Located, Summary};
    use crate::source::InputName;
    use stockade_validator::{Finding, Span};

    fn snippet(line: &str, marked: &str) -> Snippet {
        let start = line.find(marked).expect("marked text is in the line");
        Snippet::new(line, start, start + marked.len())
    }

    #[test]
    fn carets_sit_under_ascii_spans() {
        let s = snippet("import os, sys", "os");
        assert_eq!(s.line, "import os, sys");
        assert_eq!(s.carets, "       ^^");
    }

    #[test]
    fn carets_count_characters_not_bytes() {
        // é is two bytes but one cell; 𝘦 is four bytes (two UTF-16 units) but one cell.
        let s = snippet("name = 'é𝘦' + eval(x)", "eval");
        assert_eq!(s.carets, "              ^^^^");
        assert_eq!(s.line.find("eval").map(|at| s.line[..at].width()), Some(14));
    }

    #[test]
    fn wide_characters_take_two_cells() {
        let s = snippet("価格 = 終値 + exec", "終値");
        assert_eq!(s.carets, "       ^^^^");
        let s = snippet("価格 = 終値 + exec", "exec");
        assert_eq!(s.carets, "              ^^^^");
    }

    #[test]
    fn tabs_expand_the_same_in_line_and_carets() {
        let s = snippet("\tx = eval", "eval");
        assert_eq!(s.line, "    x = eval");
        assert_eq!(s.carets, "        ^^^^");
    }

    #[test]
    fn control_and_bidi_characters_are_made_visible() {
        let s = snippet("x = '\x1b[2J' # \u{202e}evil", "evil");
        assert_eq!(s.line, "x = '\u{241b}[2J' # <U+202E>evil");
        assert!(!s.line.chars().any(|c| c.is_control()));
        assert_eq!(s.carets, format!("{}^^^^", " ".repeat(21)));
    }

    #[test]
    fn empty_spans_and_line_ends_get_one_caret() {
        assert_eq!(Snippet::new("f(x", 3, 3).carets, "   ^");
        assert_eq!(Snippet::new("f(x", 1, 1).carets, " ^");
        assert_eq!(Snippet::new("", 0, 5).carets, "^");
        assert_eq!(Snippet::new("é(", 2, 99).carets, " ^");
        // A span that runs past the end of the line marks up to the end.
        assert_eq!(Snippet::new("a = (b +", 4, 99).carets, "    ^^^^");
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}eval(x){}", "a".repeat(500), "b".repeat(500));
        let s = snippet(&line, "eval");
        assert!(s.line.starts_with(ELLIPSIS) && s.line.ends_with(ELLIPSIS));
        assert_eq!(s.line.width(), MAX_SNIPPET_WIDTH + 2);
        let caret_at = s.carets.find('^').expect("a caret");
        assert_eq!(
            &s.line[s.line.char_indices().nth(caret_at).map_or(0, |(i, _)| i)..][..4],
            "eval"
        );
        assert_eq!(s.carets.trim(), "^^^^");

        // Near the end, the window ends with the line, and an empty span at the end still
        // gets its caret.
        let line = "x".repeat(500);
        let s = Snippet::new(&line, 500, 500);
        assert!(s.line.starts_with(ELLIPSIS) && !s.line.ends_with(ELLIPSIS));
        assert_eq!(s.line.width(), MAX_SNIPPET_WIDTH + 1);
        assert_eq!(s.carets, format!("{}^", " ".repeat(MAX_SNIPPET_WIDTH + 1)));
    }

    #[test]
    fn messages_are_made_visible() {
        assert_eq!(visible("plain `os`"), "plain `os`");
        assert_eq!(visible("name `a\u{202e}b`\n"), "name `a<U+202E>b`\u{240a}");
    }

    fn render(source: &str, spans: &[(usize, usize)], summary_only: bool) -> String {
        let spans: Vec<_> = spans
            .iter()
            .map(|&(start, end)| (start, end, Severity::Error))
            .collect();
        render_with(source, &spans, summary_only)
    }

    fn render_with(source: &str, spans: &[(usize, usize, Severity)], summary_only: bool) -> String {
        let file = SourceFile::new(InputName::Path("s.py".into()), source.as_bytes());
        let findings: Vec<Finding> = spans
            .iter()
            .map(|&(start, end, severity)| Finding {
                code: "SBX001",
                severity,
                message: "syntax error: unexpected token".into(),
                help: "fix the syntax".into(),
                span: Span::new(start, end),
            })
            .collect();
        let located: Vec<Located<'_>> = findings
            .iter()
            .map(|finding| Located {
                finding,
                region: file.region(finding.span),
            })
            .collect();
        let mut printer = TextPrinter::new(Options::default());
        let mut out = Vec::new();
        if !summary_only {
            printer.file(&mut out, &file, &located).expect("write");
        }
        let mut summary = Summary::default();
        summary.add(&located);
        printer.finish(&mut out, &summary).expect("write");
        String::from_utf8(out).expect("UTF-8 output")
    }

    #[test]
    fn findings_render_header_snippet_and_help() {
        let src = "x = 1\nprix = \"€\" $ 2\n";
        let at = src.find('$').expect("a dollar");
        let out = render(src, &[(at, at + 1)], false);
        assert_eq!(
            out,
            "s.py:2:12: SBX001 syntax error: unexpected token\n \
             2 | prix = \"€\" $ 2\n   \
             |            ^\n   \
             = help: fix the syntax\n\n\
             Found 1 error in 1 file (1 file checked).\n"
        );
    }

    #[test]
    fn warnings_are_marked_and_counted_apart() {
        let src = "a = (\nb = [\n";
        let out = render_with(
            src,
            &[
                (4, 5, Severity::Error),
                (10, 11, Severity::Warning),
                (4, 4, Severity::Error),
            ],
            false,
        );
        assert!(
            out.contains("s.py:2:5: SBX001 [warning] syntax error"),
            "{out}"
        );
        assert!(
            out.ends_with("Found 2 errors and 1 warning in 1 file (1 file checked).\n"),
            "{out}"
        );
        let out = render_with(src, &[(10, 11, Severity::Warning)], true);
        assert_eq!(out, "Found 1 warning in 1 file (1 file checked).\n");
    }

    #[test]
    fn summary_for_clean_files() {
        assert_eq!(
            render("x = 1\n", &[], true),
            "All checks passed (1 file checked).\n"
        );
    }

    #[test]
    fn colors_are_off_unless_asked() {
        let out = render("x = (\n", &[(4, 5)], false);
        assert!(!out.contains('\x1b'));
    }
}
