//! GitHub Actions workflow commands: each finding becomes an `::error` (or `::warning`)
//! annotation on the file and lines it concerns.
//!
//! Columns are counted in UTF-16 code units, as in the SARIF output. GitHub only accepts
//! columns on single-line annotations, so multi-line spans carry lines alone.

use std::io::{self, Write};
use std::path::PathBuf;

use stockade_validator::Severity;

use super::{relative_to, Located, Printer, Summary};
use crate::source::SourceFile;

/// Writes one workflow command per finding, nothing else.
#[derive(Debug)]
pub struct GithubPrinter {
    base: Option<PathBuf>,
}

impl GithubPrinter {
    /// A printer that names files under `base` (the working directory) relative to it.
    pub fn new(base: Option<PathBuf>) -> Self {
        GithubPrinter { base }
    }
}

impl Printer for GithubPrinter {
    fn file(
        &mut self,
        out: &mut dyn Write,
        file: &SourceFile,
        findings: &[Located<'_>],
    ) -> io::Result<()> {
        let path = file.name().path().map(|path| {
            let path = relative_to(path, self.base.as_deref()).unwrap_or(path);
            let shown = path.to_string_lossy().replace('\\', "/");
            shown.strip_prefix("./").map(str::to_owned).unwrap_or(shown)
        });
        for located in findings {
            let finding = located.finding;
            let (start, end) = (located.region.start, located.region.end);
            let command = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut properties = Vec::new();
            if let Some(path) = &path {
                properties.push(format!("file={}", escape_property(path)));
            }
            properties.push(format!("line={}", start.line));
            if start.line == end.line {
                properties.push(format!("col={}", start.column_utf16));
            }
            properties.push(format!("endLine={}", end.line));
            if start.line == end.line {
                properties.push(format!("endColumn={}", end.column_utf16));
            }
            properties.push(format!("title={}", escape_property(finding.code)));
            let message = format!("{}\nhelp: {}", finding.message, finding.help);
            writeln!(
                out,
                "::{command} {}::{}",
                properties.join(","),
                escape_data(&message)
            )?;
        }
        Ok(())
    }

    fn finish(&mut self, _out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        Ok(())
    }
}

/// Escapes a command's message: `%`, CR and LF would otherwise end or corrupt the command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` are separators as well.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InputName;
    use stockade_validator::{Finding, Span};

    #[test]
    fn data_escapes_percent_first_then_line_breaks() {
        assert_eq!(escape_data("100%\r\nok"), "100%25%0D%0Aok");
        // A literal "%0A" in the input must not turn into a newline when unescaped.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
    }

    #[test]
    fn properties_also_escape_separators() {
        assert_eq!(escape_property("dir,x/a:b%.py\n"), "dir%2Cx/a%3Ab%25.py%0A");
    }

    fn annotate(source: &str, name: InputName, span: Span) -> String {
        let file = SourceFile::new(name, source.as_bytes());
        let finding = Finding {
            code: "SBX001",
            severity: Severity::Error,
            message: "syntax error: 100% wrong, here: `::`".into(),
            help: "fix the syntax".into(),
            span,
        };
        let located = [Located {
            finding: &finding,
            region: file.region(finding.span),
        }];
        let mut out = Vec::new();
        GithubPrinter::new(Some(PathBuf::from("/repo")))
            .file(&mut out, &file, &located)
            .expect("write");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn one_command_per_finding_with_utf16_columns() {
        // 𝘦 is one character but two UTF-16 code units, so `(` is at UTF-16 column 12.
        let src = "s = '𝘦' + (\n";
        let at = src.find('(').expect("a paren");
        let out = annotate(
            src,
            InputName::Path("./st, rat:egy.py".into()),
            Span::new(at, at + 1),
        );
        assert_eq!(
            out,
            "::error file=st%2C rat%3Aegy.py,line=1,col=12,endLine=1,endColumn=13,title=SBX001\
             ::syntax error: 100%25 wrong, here: `::`%0Ahelp: fix the syntax\n"
        );
    }

    #[test]
    fn absolute_paths_in_the_working_directory_are_relative() {
        let out = annotate("(", InputName::Path("/repo/s/a.py".into()), Span::new(0, 1));
        assert!(out.starts_with("::error file=s/a.py,line=1,"), "{out}");
        let out = annotate("(", InputName::Path("/other/a.py".into()), Span::new(0, 1));
        assert!(out.starts_with("::error file=/other/a.py,line=1,"), "{out}");
    }

    #[test]
    fn multi_line_spans_have_no_columns_and_stdin_no_file() {
        let out = annotate("x = (\n1\n", InputName::Stdin(None), Span::new(4, 7));
        assert!(
            out.starts_with("::error line=1,endLine=2,title=SBX001::"),
            "{out}"
        );
    }
}
