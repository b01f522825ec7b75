//! End-to-end tests of `stockade rules`: every rule of the registry is listed and documented.

mod cli_support;

use cli_support::{run, stockade};
use insta_cmd::assert_cmd_snapshot;
use serde_json::Value;
use stockade_validator::rules;

#[test]
fn the_table_lists_every_rule() {
    let out = run(&mut stockade(&["rules"]));
    assert_eq!(out.code, 0, "{out:?}");
    let mut lines = out.stdout.lines();
    let header = lines.next().expect("a header");
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["CODE", "NAME", "FAMILY", "SUMMARY"]
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), rules().len());
    let summary_column = header.find("SUMMARY").expect("SUMMARY");
    for (row, rule) in rows.iter().zip(rules()) {
        let cells: Vec<&str> = row.split_whitespace().take(3).collect();
        assert_eq!(cells, [rule.code, rule.name, rule.family]);
        // Columns line up: every summary starts under the SUMMARY header.
        assert_eq!(row.get(summary_column..), Some(rule.summary), "{row}");
    }
}

#[test]
fn json_lists_every_rule() {
    let out = run(&mut stockade(&["rules", "--format", "json"]));
    assert_eq!(out.code, 0);
    let listed: Value = serde_json::from_str(&out.stdout).expect("JSON");
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), rules().len());
    for (item, rule) in listed.iter().zip(rules()) {
        assert_eq!(item["code"], rule.code);
        assert_eq!(item["name"], rule.name);
        assert_eq!(item["family"], rule.family);
        assert_eq!(item["severity"], rule.severity.as_str());
        assert_eq!(item["summary"], rule.summary);
        assert_eq!(item["doc"], rule.doc);
    }
}

#[test]
fn one_rule_prints_its_markdown_doc() {
    for rule in rules() {
        let out = run(&mut stockade(&["rules", rule.code]));
        assert_eq!(out.code, 0, "{out:?}");
        assert!(
            out.stdout
                .starts_with(&format!("# {} ({})\n", rule.code, rule.name)),
            "{out:?}"
        );
        assert!(out.stdout.contains(rule.summary));
        assert!(out.stdout.contains(rule.doc.trim_end()));
    }
}

#[test]
fn codes_are_case_insensitive() {
    let code = rules()[0].code;
    let upper = run(&mut stockade(&["rules", code]));
    let lower = run(&mut stockade(&["rules", &code.to_lowercase()]));
    assert_eq!(lower.code, 0);
    assert_eq!(upper.stdout, lower.stdout);
}

#[test]
fn one_rule_as_json() {
    let rule = &rules()[0];
    let out = run(&mut stockade(&["rules", rule.code, "--format", "json"]));
    assert_eq!(out.code, 0);
    let item: Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(item["code"], rule.code);
    assert_eq!(item["doc"], rule.doc);
}

#[test]
fn unknown_rule() {
    assert_cmd_snapshot!(stockade(&["rules", "SBX999"]));
}
