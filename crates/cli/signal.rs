//! The `signal` of a result, for a terminal: DataFrames and Series as aligned tables (long
//! ones cut to their head and tail, as pandas prints them), reprs as their text, anything
//! else as compact JSON. `--json` prints the untouched value.

use serde_json::Value;

/// Rows shown in full; longer tables show the first [`HEAD`] and last [`TAIL`].
const MAX_ROWS: usize = 20;
const HEAD: usize = 10;
const TAIL: usize = 5;
/// Columns shown in full; wider frames show the first [`LEFT`] and last [`RIGHT`].
const MAX_COLUMNS: usize = 10;
const LEFT: usize = 6;
const RIGHT: usize = 3;
/// Longest cell, in characters; longer ones end in an ellipsis.
const MAX_CELL: usize = 24;

/// Renders `signal` for a terminal; multi-line for tables.
pub fn render(signal: &Value) -> String {
    match signal.get("__type__").and_then(Value::as_str) {
        Some("dataframe") => frame(signal).unwrap_or_else(|| compact(signal)),
        Some("series") => series(signal).unwrap_or_else(|| compact(signal)),
        Some("repr") => signal
            .get("repr")
            .and_then(Value::as_str)
            .map_or_else(|| compact(signal), str::to_string),
        _ => compact(signal),
    }
}

fn compact(v: &Value) -> String {
    v.to_string()
}

/// One cell's text: strings bare, null as pandas shows a missing value, nested values as JSON.
fn cell(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "NaN".to_string(),
        other => compact(other),
    };
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Which of `n` items to show: `None` marks the gap.
fn pick(n: usize, max: usize, first: usize, last: usize) -> Vec<Option<usize>> {
    if n <= max {
        (0..n).map(Some).collect()
    } else {
        (0..first)
            .map(Some)
            .chain(std::iter::once(None))
            .chain((n - last..n).map(Some))
            .collect()
    }
}

/// Lays out `rows` (the first is the header) with the first column left-aligned, the others
/// right-aligned, as pandas does for numbers.
fn layout(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    rows.iter()
        .map(|row| {
            row.iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (text, &w))| {
                    if i == 0 {
                        format!("{text:<w$}")
                    } else {
                        format!("{text:>w$}")
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn frame(v: &Value) -> Option<String> {
    let columns = v.get("columns")?.as_array()?;
    let index = v.get("index")?.as_array()?;
    let data = v.get("data")?.as_array()?;
    let shown_rows = pick(data.len(), MAX_ROWS, HEAD, TAIL);
    let shown_cols = pick(columns.len(), MAX_COLUMNS, LEFT, RIGHT);
    let gap = || "…".to_string();
    let mut rows = Vec::with_capacity(shown_rows.len() + 1);
    let mut header = vec![String::new()];
    header.extend(
        shown_cols
            .iter()
            .map(|c| c.map_or_else(gap, |c| cell(&columns[c]))),
    );
    rows.push(header);
    for r in &shown_rows {
        let Some(r) = *r else {
            rows.push(std::iter::repeat_n(gap(), shown_cols.len() + 1).collect());
            continue;
        };
        let values = data.get(r)?.as_array()?;
        let mut row = vec![index.get(r).map_or_else(String::new, cell)];
        row.extend(
            shown_cols
                .iter()
                .map(|c| c.map_or_else(gap, |c| values.get(c).map_or_else(String::new, cell))),
        );
        rows.push(row);
    }
    Some(format!(
        "{}\n[{} rows × {} columns]",
        layout(&rows),
        data.len(),
        columns.len()
    ))
}

fn series(v: &Value) -> Option<String> {
    let index = v.get("index")?.as_array()?;
    let data = v.get("data")?.as_array()?;
    let rows: Vec<Vec<String>> = pick(data.len(), MAX_ROWS, HEAD, TAIL)
        .into_iter()
        .map(|r| match r {
            None => vec!["…".to_string(), "…".to_string()],
            Some(r) => vec![
                index.get(r).map_or_else(String::new, cell),
                data.get(r).map_or_else(String::new, cell),
            ],
        })
        .collect();
    let name = match v.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(n) => format!("Name: {}, ", cell(n)),
    };
    Some(format!("{}\n[{name}Length: {}]", layout(&rows), data.len()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dataframe_is_an_aligned_table() {
        let v = json!({"__type__": "dataframe", "columns": ["stock", "position"],
            "index": [0, 1], "data": [["AAPL", 1.0], ["MSFT", -0.25]]});
        assert_eq!(
            render(&v),
            "   stock  position\n0   AAPL       1.0\n1   MSFT     -0.25\n[2 rows × 2 columns]"
        );
    }

    #[test]
    fn long_and_wide_frames_show_head_and_tail() {
        let columns: Vec<String> = (0..30).map(|c| format!("c{c}")).collect();
        let data: Vec<Vec<i64>> = (0..100)
            .map(|r| (0..30).map(|c| r * 100 + c).collect())
            .collect();
        let index: Vec<i64> = (0..100).collect();
        let text = render(
            &json!({"__type__": "dataframe", "columns": columns, "index": index, "data": data}),
        );
        let lines: Vec<&str> = text.lines().collect();
        // Header, 10 head rows, the gap, 5 tail rows, the shape.
        assert_eq!(lines.len(), 1 + HEAD + 1 + TAIL + 1, "{text}");
        assert!(lines[0].contains("c5") && lines[0].contains('…') && lines[0].contains("c29"));
        assert!(!lines[0].contains("c6 "), "{text}");
        assert!(lines[HEAD + 1].starts_with('…'), "{text}");
        assert!(lines[HEAD + 2].starts_with("95"), "{text}");
        assert_eq!(lines.last().unwrap(), &"[100 rows × 30 columns]");
    }

    #[test]
    fn a_series_has_its_name_and_length() {
        let v =
            json!({"__type__": "series", "name": "s", "index": ["a", "b"], "data": [1.5, null]});
        assert_eq!(render(&v), "a  1.5\nb  NaN\n[Name: s, Length: 2]");
    }

    #[test]
    fn reprs_are_their_text_and_other_values_json() {
        assert_eq!(
            render(&json!({"__type__": "repr", "repr": "<Foo>"})),
            "<Foo>"
        );
        assert_eq!(render(&json!({"a": [1, 2]})), r#"{"a":[1,2]}"#);
        assert_eq!(render(&json!(42)), "42");
        let long = "x".repeat(100);
        let v = json!({"__type__": "series", "name": null, "index": [0], "data": [long]});
        assert!(render(&v).lines().next().unwrap().ends_with('…'));
    }

    #[test]
    fn a_malformed_table_falls_back_to_json() {
        let v = json!({"__type__": "dataframe", "columns": "oops"});
        assert_eq!(render(&v), v.to_string());
    }
}
