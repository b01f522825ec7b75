//! `stockade rules`: lists the validator's rules, or prints one rule's documentation.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use serde::Serialize;
use stockade_validator::{rule, rules, Rule, Severity};

use crate::terminal::EXIT_CLEAN;

/// Output formats of `stockade rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RulesFormat {
    /// A table, or one rule's documentation as Markdown.
    Text,
    /// JSON: an array of rules, or one rule.
    Json,
}

/// Arguments of `stockade rules`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A rule code, such as SBX001, to show that rule's documentation.
    #[arg(value_name = "CODE")]
    code: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    format: RulesFormat,
}

/// A rule as `--format json` shows it.
#[derive(Debug, Serialize)]
struct RuleView {
    code: &'static str,
    name: &'static str,
    family: &'static str,
    severity: Severity,
    summary: &'static str,
    doc: String,
}

impl From<&Rule> for RuleView {
    fn from(rule: &Rule) -> Self {
        RuleView {
            code: rule.code,
            name: rule.name,
            family: rule.family,
            severity: rule.severity,
            summary: rule.summary,
            doc: rule.markdown(),
        }
    }
}

/// Runs `stockade rules`.
pub fn run(args: Args) -> Result<ExitCode> {
    let mut out = BufWriter::new(io::stdout().lock());
    match &args.code {
        Some(code) => {
            let rule = rule(code).ok_or_else(|| {
                anyhow!("unknown rule `{code}` (`stockade rules` lists every rule)")
            })?;
            match args.format {
                RulesFormat::Text => write_doc(&mut out, rule),
                RulesFormat::Json => write_json(&mut out, &RuleView::from(rule)),
            }
        }
        None => match args.format {
            RulesFormat::Text => write_table(&mut out, rules()),
            RulesFormat::Json => {
                let views: Vec<RuleView> = rules().iter().map(RuleView::from).collect();
                write_json(&mut out, &views)
            }
        },
    }
    .and_then(|()| out.flush())
    .context("cannot write the rules")?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn write_json(out: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// One row per rule, columns aligned; the summary runs to the end of the line.
fn write_table(out: &mut impl Write, rules: &[Rule]) -> io::Result<()> {
    const HEADER: [&str; 3] = ["CODE", "NAME", "FAMILY"];
    let width = |column: usize, field: fn(&Rule) -> &str| {
        rules
            .iter()
            .map(|rule| field(rule).chars().count())
            .chain([HEADER[column].len()])
            .max()
            .unwrap_or(0)
    };
    let code = width(0, |rule| rule.code);
    let name = width(1, |rule| rule.name);
    let family = width(2, |rule| rule.family);
    writeln!(
        out,
        "{:code$}  {:name$}  {:family$}  SUMMARY",
        HEADER[0], HEADER[1], HEADER[2]
    )?;
    for rule in rules {
        writeln!(
            out,
            "{:code$}  {:name$}  {:family$}  {}",
            rule.code, rule.name, rule.family, rule.summary
        )?;
    }
    Ok(())
}

/// The rule's documentation as a Markdown page.
fn write_doc(out: &mut impl Write, rule: &Rule) -> io::Result<()> {
    writeln!(out, "# {} ({})", rule.code, rule.name)?;
    writeln!(out)?;
    writeln!(
        out,
        "Family: {}. Severity: {}.",
        rule.family,
        rule.severity.as_str()
    )?;
    writeln!(out)?;
    writeln!(out, "{}", rule.summary)?;
    writeln!(out)?;
    writeln!(out, "{}", rule.markdown().trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    static SAMPLE: &[Rule] = &[
        Rule {
            code: "SBX001",
            name: "syntax-error",
            family: "syntax",
            severity: Severity::Error,
            summary: "Does not parse.",
            doc: "## What it does\nReports code that does not parse.\n\n",
        },
        Rule {
            code: "SBX301",
            name: "eval",
            family: "builtins",
            severity: Severity::Warning,
            summary: "Calls eval.",
            doc: "",
        },
    ];

    #[test]
    fn table_columns_align_to_the_widest_cell() {
        let mut out = Vec::new();
        write_table(&mut out, SAMPLE).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "CODE    NAME          FAMILY    SUMMARY\n\
             SBX001  syntax-error  syntax    Does not parse.\n\
             SBX301  eval          builtins  Calls eval.\n"
        );
    }

    #[test]
    fn doc_is_a_markdown_page() {
        let mut out = Vec::new();
        write_doc(&mut out, &SAMPLE[0]).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("UTF-8"),
            "# SBX001 (syntax-error)\n\nFamily: syntax. Severity: error.\n\nDoes not parse.\n\n\
             ## What it does\nReports code that does not parse.\n"
        );
    }
}
