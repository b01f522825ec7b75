//! Turning bytes into the text Python would run: BOM, `coding:` cookie, UTF-8.

/// What decoding found wrong, with the byte range it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// The bytes are not UTF-8; `at` is the first invalid byte.
    InvalidUtf8 { at: usize, len: usize },
    /// A `coding:` cookie names something other than UTF-8.
    Cookie {
        name: String,
        start: usize,
        end: usize,
        bom: bool,
    },
}

/// Length of the UTF-8 byte-order mark.
pub(crate) const BOM_LEN: usize = 3;

/// Decodes `bytes` as Python would. Returns the text (including any BOM) on success.
pub(crate) fn decode(bytes: &[u8]) -> Result<&str, DecodeError> {
    let text = std::str::from_utf8(bytes).map_err(|err| DecodeError::InvalidUtf8 {
        at: err.valid_up_to(),
        len: err.error_len().unwrap_or(bytes.len() - err.valid_up_to()),
    })?;
    check_cookie(text)?;
    Ok(text)
}

/// Checks the encoding declaration of already-decoded text: a declaration of anything but UTF-8
/// means Python would read the file differently from what we check.
pub(crate) fn check_cookie(text: &str) -> Result<(), DecodeError> {
    let bom = text.starts_with('\u{feff}');
    let mut offset = 0;
    for (index, line) in python_lines(text).take(2).enumerate() {
        if let Some((name, start, end)) = cookie_in_line(line) {
            if !is_utf8_name(name) {
                return Err(DecodeError::Cookie {
                    name: name.to_string(),
                    start: offset + start,
                    end: offset + end,
                    bom,
                });
            }
            return Ok(());
        }
        // Python only looks at line 2 when line 1 is blank or a comment.
        let first = line
            .trim_start_matches('\u{feff}')
            .trim_start_matches([' ', '\t', '\x0c']);
        let blank_or_comment = first.starts_with('#') || first.trim().is_empty();
        if index == 0 && !blank_or_comment {
            break;
        }
        offset += line.len();
    }
    Ok(())
}

/// The lines of `text` as Python reads them: each ends at `\r\n`, `\r` or `\n` (its end kept).
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest.find(['\n', '\r']).map_or(rest.len(), |i| {
            if rest[i..].starts_with("\r\n") {
                i + 2
            } else {
                i + 1
            }
        });
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// The encoding name declared in `line` (Python's `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`),
/// with its byte range inside the line.
fn cookie_in_line(line: &str) -> Option<(&str, usize, usize)> {
    let body = line.trim_start_matches('\u{feff}');
    let skipped = line.len() - body.len();
    let trimmed = body.trim_start_matches([' ', '\t', '\x0c']);
    if !trimmed.starts_with('#') {
        return None;
    }
    let base = skipped + (body.len() - trimmed.len());
    let mut search = 0;
    while let Some(found) = trimmed[search..].find("coding") {
        let after = search + found + "coding".len();
        search = after;
        let rest = &trimmed[after..];
        if !(rest.starts_with(':') || rest.starts_with('=')) {
            continue;
        }
        let value = rest[1..].trim_start_matches([' ', '\t']);
        let value_start = after + 1 + (rest.len() - 1 - value.len());
        let len = value
            .char_indices()
            .find(|&(_, c)| !(c == '-' || c == '.' || c == '_' || c.is_alphanumeric()))
            .map_or(value.len(), |(i, _)| i);
        if len > 0 {
            let start = base + value_start;
            return Some((&value[..len], start, start + len));
        }
    }
    None
}

/// `utf-8`, `utf8`, `UTF_8`, and Python's `utf-8-*` spellings.
fn is_utf8_name(name: &str) -> bool {
    let normal = name.to_ascii_lowercase().replace('_', "-");
    normal == "utf-8" || normal == "utf8" || normal.starts_with("utf-8-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_utf8_spellings() {
        for src in [
            "# -*- coding: utf-8 -*-\nx = 1\n",
            "#!/usr/bin/env python3\n# vim: set fileencoding=UTF8 :\n",
            "# coding=utf_8\n",
            "x = 1  # coding: latin-1 is only a cookie on a comment line\n",
        ] {
            assert_eq!(check_cookie(src), Ok(()), "{src}");
        }
    }

    #[test]
    fn rejects_other_codecs_on_line_one_or_two() {
        let err = check_cookie("# -*- coding: unicode_escape -*-\n").expect_err("must be rejected");
        assert!(
            matches!(err, DecodeError::Cookie { ref name, start: 14, end: 28, bom: false } if name == "unicode_escape")
        );
        assert!(check_cookie("#!/bin/python\n# coding: latin-1\n").is_err());
        // Line 2 is not a cookie when line 1 is code.
        assert!(check_cookie("x = 1\n# coding: latin-1\n").is_ok());
        // Line 3 never is.
        assert!(check_cookie("#\n#\n# coding: latin-1\n").is_ok());
        // `\r\n` ends one line, as Python reads it: the cookie is on line 2.
        assert!(check_cookie("#!/bin/python\r\n# coding: unicode_escape\r\nx = 1\r\n").is_err());
        assert!(check_cookie("\r\n# coding: utf-7\r\n").is_err());
        assert!(check_cookie("x = 1\r\n# coding: utf-7\r\n").is_ok());
    }

    #[test]
    fn bom_with_foreign_cookie_is_a_conflict() {
        let err = check_cookie("\u{feff}# coding: cp1252\n").expect_err("must be rejected");
        assert!(matches!(err, DecodeError::Cookie { bom: true, .. }));
    }

    #[test]
    fn invalid_utf8_reports_the_first_bad_byte() {
        let err = decode(b"x = 'ok'\ny = '\xff'\n").expect_err("must be rejected");
        assert_eq!(err, DecodeError::InvalidUtf8 { at: 14, len: 1 });
    }
}
