//! `character(name)` for a subset of Unicode names (see `generate.py`), with the case-insensitive
//! matching of the `unicode_names2` crate whose place it takes in the browser build.

mod table;

/// The character called `name` (case-insensitive), if it is in the subset.
pub fn character(name: &str) -> Option<char> {
    let upper = name.to_ascii_uppercase();
    let i = table::NAMES
        .binary_search_by(|(n, _)| n.as_bytes().cmp(upper.as_bytes()))
        .ok()?;
    char::from_u32(table::NAMES[i].1)
}

#[cfg(test)]
mod tests {
    use super::character;

    #[test]
    fn looks_up_names_case_insensitively() {
        assert_eq!(character("LATIN SMALL LETTER E"), Some('e'));
        assert_eq!(character("degree sign"), Some('°'));
        assert_eq!(character("FULLWIDTH LATIN SMALL LETTER O"), Some('ｏ'));
        assert_eq!(character("SNOWMAN"), None);
        assert_eq!(character("nonsense"), None);
    }
}
