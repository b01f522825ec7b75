//! Interchangeable renderings of validation results: the checker hands every file and its
//! findings to one [`Printer`], which writes text, JSON, SARIF or GitHub annotations.

pub mod github;
pub mod json;
pub mod sarif;
pub mod text;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use stockade_validator::{Finding, Severity};

use crate::source::{Region, SourceFile};

/// The output formats of `stockade validate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `path:line:col: CODE message`, the source line with a caret, and a help line.
    Text,
    /// One JSON array of findings.
    Json,
    /// SARIF 2.1.0, as GitHub code scanning accepts it.
    Sarif,
    /// GitHub Actions workflow commands that annotate the pull request.
    Github,
}

/// A finding with its position resolved in the file it belongs to.
#[derive(Debug)]
pub struct Located<'a> {
    /// What the validator reported.
    pub finding: &'a Finding,
    /// Where, in lines and columns.
    pub region: Region,
}

/// Totals over a whole run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Files checked.
    pub files: usize,
    /// Files with at least one finding.
    pub files_with_findings: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
}

impl Summary {
    /// Counts one checked file.
    pub fn add(&mut self, findings: &[Located<'_>]) {
        self.files += 1;
        if !findings.is_empty() {
            self.files_with_findings += 1;
        }
        for located in findings {
            match located.finding.severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
        }
    }
}

/// Writes one output format. Files arrive in order; `finish` is called once at the end.
pub trait Printer {
    /// Reports one checked file and its findings (none for a clean file).
    fn file(
        &mut self,
        out: &mut dyn Write,
        file: &SourceFile,
        findings: &[Located<'_>],
    ) -> io::Result<()>;

    /// Ends the report.
    fn finish(&mut self, out: &mut dyn Write, summary: &Summary) -> io::Result<()>;
}

/// Options that only some formats use.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Colour the text format.
    pub color: bool,
    /// Leave out everything but the findings (the text format's summary).
    pub quiet: bool,
}

/// The printer for `format`. Tools that resolve paths against the checkout (SARIF, GitHub)
/// get absolute paths under `base`, the working directory, made relative to it.
pub fn printer(format: Format, options: Options, base: Option<PathBuf>) -> Box<dyn Printer> {
    match format {
        Format::Text => Box::new(text::TextPrinter::new(options)),
        Format::Json => Box::new(json::JsonPrinter::default()),
        Format::Sarif => Box::new(sarif::SarifPrinter::new(base)),
        Format::Github => Box::new(github::GithubPrinter::new(base)),
    }
}

/// `path` relative to `base` when it is absolute and inside it; `None` when it is outside.
fn relative_to<'p>(path: &'p Path, base: Option<&Path>) -> Option<&'p Path> {
    if path.is_absolute() {
        base.and_then(|base| path.strip_prefix(base).ok())
    } else {
        Some(path)
    }
}
