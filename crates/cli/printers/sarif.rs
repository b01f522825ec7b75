//! SARIF 2.1.0, in the shape GitHub code scanning accepts.
//!
//! Every rule in the registry is listed in the driver (so `ruleIndex` is stable), results point
//! at files by URIs relative to `%SRCROOT%` (the directory the command ran in), and columns are
//! counted in UTF-16 code units, which the run declares with `columnKind`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;
use stockade_validator::{rules, Severity};

use super::{relative_to, Located, Printer, Summary};
use crate::source::SourceFile;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

/// Everything but RFC 3986's unreserved characters is percent-encoded in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Collects results and writes one SARIF log at the end.
#[derive(Debug)]
pub struct SarifPrinter {
    base: Option<PathBuf>,
    rules: Vec<RuleDescriptor>,
    results: Vec<SarifResult>,
}

impl SarifPrinter {
    /// A printer whose relative URIs resolve against `base` (the working directory).
    pub fn new(base: Option<PathBuf>) -> Self {
        let rules = rules()
            .iter()
            .map(|rule| RuleDescriptor {
                id: rule.code.to_owned(),
                name: rule.name.to_owned(),
                short_description: Text::plain(rule.summary),
                full_description: Text::plain(rule.doc),
                help: Text {
                    text: rule.doc.to_owned(),
                    markdown: Some(rule.doc.to_owned()),
                },
                default_configuration: Configuration {
                    level: level(rule.severity),
                },
                properties: RuleProperties {
                    tags: vec!["security".to_owned(), rule.family.to_owned()],
                },
            })
            .collect();
        SarifPrinter {
            base,
            rules,
            results: Vec::new(),
        }
    }

    fn rule_index(&mut self, code: &str, severity: Severity) -> usize {
        if let Some(index) = self.rules.iter().position(|rule| rule.id == code) {
            return index;
        }
        // A code the registry does not list still gets a descriptor, so the log stays valid.
        self.rules.push(RuleDescriptor {
            id: code.to_owned(),
            name: code.to_owned(),
            short_description: Text::plain(code),
            full_description: Text::plain(code),
            help: Text::plain(code),
            default_configuration: Configuration {
                level: level(severity),
            },
            properties: RuleProperties {
                tags: vec!["security".to_owned()],
            },
        });
        self.rules.len() - 1
    }

    fn artifact(&self, file: &SourceFile) -> ArtifactLocation {
        let Some(path) = file.name().path() else {
            return ArtifactLocation {
                uri: "stdin".to_owned(),
                uri_base_id: None,
            };
        };
        match relative_to(path, self.base.as_deref()) {
            Some(relative) => ArtifactLocation {
                uri: relative_uri(relative),
                uri_base_id: Some(SRCROOT),
            },
            None => ArtifactLocation {
                uri: url::Url::from_file_path(path)
                    .map(String::from)
                    .unwrap_or_else(|()| relative_uri(path)),
                uri_base_id: None,
            },
        }
    }
}

/// `path` as a relative URI reference: forward slashes, each segment percent-encoded.
fn relative_uri(path: &Path) -> String {
    let segments: Vec<String> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(name) => {
                Some(utf8_percent_encode(&name.to_string_lossy(), SEGMENT).to_string())
            }
            Component::ParentDir => Some("..".to_owned()),
            Component::CurDir | Component::RootDir | Component::Prefix(_) => None,
        })
        .collect();
    segments.join("/")
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

impl Printer for SarifPrinter {
    fn file(
        &mut self,
        _out: &mut dyn Write,
        file: &SourceFile,
        findings: &[Located<'_>],
    ) -> io::Result<()> {
        for located in findings {
            let finding = located.finding;
            let rule_index = self.rule_index(finding.code, finding.severity);
            let (start, end) = (located.region.start, located.region.end);
            self.results.push(SarifResult {
                rule_id: finding.code.to_owned(),
                rule_index,
                level: level(finding.severity),
                message: Text::plain(&format!("{}\nhelp: {}", finding.message, finding.help)),
                locations: vec![ResultLocation {
                    physical_location: PhysicalLocation {
                        artifact_location: self.artifact(file),
                        region: Region {
                            start_line: start.line,
                            start_column: start.column_utf16,
                            end_line: end.line,
                            end_column: end.column_utf16,
                        },
                    },
                }],
            });
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _summary: &Summary) -> io::Result<()> {
        let original_uri_base_ids = self
            .base
            .as_deref()
            .and_then(|base| url::Url::from_directory_path(base).ok())
            .map(|uri| {
                BTreeMap::from([(
                    SRCROOT,
                    BaseUri {
                        uri: uri.to_string(),
                    },
                )])
            });
        let log = Log {
            schema: SCHEMA,
            version: "2.1.0",
            runs: [Run {
                tool: Tool {
                    driver: Driver {
                        name: "stockade",
                        information_uri: env!("CARGO_PKG_REPOSITORY"),
                        version: env!("CARGO_PKG_VERSION"),
                        semantic_version: env!("CARGO_PKG_VERSION"),
                        rules: std::mem::take(&mut self.rules),
                    },
                },
                column_kind: "utf16CodeUnits",
                original_uri_base_ids,
                results: std::mem::take(&mut self.results),
            }],
        };
        serde_json::to_writer_pretty(&mut *out, &log)?;
        writeln!(out)
    }
}

#[derive(Debug, Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BTreeMap<&'static str, BaseUri>>,
    results: Vec<SarifResult>,
}

#[derive(Debug, Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Debug, Serialize)]
struct Text {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

impl Text {
    fn plain(text: &str) -> Self {
        Text {
            text: text.to_owned(),
            markdown: None,
        }
    }
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<ResultLocation>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::InputName;

    #[test]
    fn relative_uris_use_forward_slashes_and_encode_segments() {
        assert_eq!(
            relative_uri(Path::new("./a/b c/ü#1.py")),
            "a/b%20c/%C3%BC%231.py"
        );
        assert_eq!(relative_uri(Path::new("../x.py")), "../x.py");
    }

    #[test]
    fn absolute_paths_are_made_relative_to_the_base_when_inside_it() {
        let printer = SarifPrinter::new(Some(PathBuf::from("/repo")));
        let inside = SourceFile::new(InputName::Path("/repo/s/a.py".into()), b"");
        let artifact = printer.artifact(&inside);
        assert_eq!(artifact.uri, "s/a.py");
        assert_eq!(artifact.uri_base_id, Some(SRCROOT));
        let outside = SourceFile::new(InputName::Path("/elsewhere/a b.py".into()), b"");
        let artifact = printer.artifact(&outside);
        assert_eq!(artifact.uri, "file:///elsewhere/a%20b.py");
        assert_eq!(artifact.uri_base_id, None);
    }
}
