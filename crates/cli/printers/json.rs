//! The machine format: one JSON array with an object per finding.
//!
//! `span` holds the validator's byte offsets into the raw input; `start` and `end` give the
//! 1-based line and the column counted in characters (`column`) and in UTF-16 code units
//! (`column_utf16`, what browser editors use). `end` is exclusive.

use std::io::{self, Write};

use serde::Serialize;
use stockade_validator::{Location, Severity, Span};

use super::{Located, Printer, Summary};
use crate::source::SourceFile;

/// Collects every finding and writes the array at the end, so the output is always one
/// complete JSON document.
#[derive(Debug, Default)]
pub struct JsonPrinter {
    findings: Vec<JsonFinding>,
}

#[derive(Debug, Serialize)]
struct JsonFinding {
    path: String,
    code: &'static str,
    severity: Severity,
    message: String,
    help: String,
    span: Span,
    start: Position,
    end: Position,
}

#[derive(Debug, Serialize)]
struct Position {
    line: usize,
    column: usize,
    column_utf16: usize,
}

impl From<Location> for Position {
    fn from(location: Location) -> Self {
        Position {
            line: location.line,
            column: location.column,
            column_utf16: location.column_utf16,
        }
    }
}

impl Printer for JsonPrinter {
    fn file(
        &mut self,
        _out: &mut dyn Write,
        file: &SourceFile,
        findings: &[Located<'_>],
    ) -> io::Result<()> {
        let path = file.name().label();
        self.findings
            .extend(findings.iter().map(|located| JsonFinding {
                path: path.clone(),
                code: located.finding.code,
                severity: located.finding.severity,
                message: located.finding.message.clone(),
                help: located.finding.help.clone(),
                span: located.finding.span,
                start: located.region.start.into(),
                end: located.region.end.into(),
            }));
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.findings)?;
        writeln!(out)
    }
}
