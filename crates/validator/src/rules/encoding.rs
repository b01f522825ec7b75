//! SBX004 and SBX005: source text Python would decode differently from what was checked.

use super::finding;
use crate::source::DecodeError;
use crate::{Finding, Span};

declare_rule! {
    /// ## What it does
    /// Rejects a `coding:` declaration (PEP 263 cookie) on line 1 or 2 that names anything but
    /// UTF-8, and a UTF-8 byte-order mark combined with a different declaration.
    ///
    /// ## Why is this bad?
    /// Python decodes the file with the declared codec before parsing it. With
    /// `unicode_escape`, text that looks like a harmless comment (`# \x0a import os`) becomes
    /// a new line of code, so the program that runs is not the program that was checked.
    ///
    /// ## Example
    /// ```python
    /// # -*- coding: unicode_escape -*-
    /// # refresh cache \x0a__import__('os').system('id')
    /// ```
    ///
    /// Use instead: UTF-8 text, with or without a `# -*- coding: utf-8 -*-` line.
    /// ```python
    /// # -*- coding: utf-8 -*-
    /// ```
    pub(crate) struct ForeignEncoding {
        code: "SBX004",
        name: "foreign-source-encoding",
        family: "source-encoding",
        severity: Error,
        summary: "The source declares an encoding other than UTF-8.",
    }
}

declare_rule! {
    /// ## What it does
    /// Rejects source bytes that are not valid UTF-8, at the first invalid byte.
    ///
    /// ## Why is this bad?
    /// Without a valid declaration Python reads source as UTF-8 and fails on invalid bytes;
    /// any lenient decoding here would check different text from what Python runs.
    ///
    /// ## Example
    /// ```python
    /// name = "caf\xe9"  # saved as Latin-1: the byte 0xE9 alone is not UTF-8
    /// ```
    ///
    /// Use instead: save the file as UTF-8.
    /// ```python
    /// name = "café"
    /// ```
    pub(crate) struct InvalidUtf8 {
        code: "SBX005",
        name: "invalid-utf8",
        family: "source-encoding",
        severity: Error,
        summary: "The source bytes are not valid UTF-8.",
    }
}

pub(crate) fn finding_for(err: &DecodeError) -> Finding {
    match err {
        DecodeError::InvalidUtf8 { at, len } => finding(
            &InvalidUtf8::RULE,
            Span::new(*at, at + len),
            format!("source is not valid UTF-8 (invalid byte at offset {at})"),
            "save the file as UTF-8",
        ),
        DecodeError::Cookie {
            name,
            start,
            end,
            bom,
        } => {
            let message = if *bom {
                format!("source starts with a UTF-8 byte-order mark but declares encoding `{name}`")
            } else {
                format!("source declares encoding `{name}`; only UTF-8 is accepted")
            };
            finding(
                &ForeignEncoding::RULE,
                Span::new(*start, *end),
                message,
                "remove the coding declaration or declare `utf-8`, and save the file as UTF-8",
            )
        }
    }
}
