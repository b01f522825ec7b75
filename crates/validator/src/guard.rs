//! A cheap lexical pass that runs before the parser and bounds how deep the syntax tree can be.
//!
//! The parser, the tree's destructor and the checker all recurse on the tree, so a deep tree
//! (`((((…))))`, `- - - - x`, `not not not x`, `a.b().c().d()…`, `1+1+1+…`, a long `elif`
//! chain) could exhaust the stack. This scan over-approximates the tree depth from tokens alone,
//! without recursion (except into f-string fields, bounded by [`MAX_FSTRING_NESTING`]), and the
//! code is rejected before parsing when the estimate exceeds the policy's limit.
//!
//! The estimate at any point is the sum of: indentation levels, the `elif` chains those levels
//! are in, open brackets, and per bracket level the run of prefix operators (`-`, `+`, `~`,
//! `not`, `await`), the `lambda`s and `else`s of conditional expressions, and the binary
//! operators and trailers (`.name`, `(…)`, `[…]`) chained at that level. Commas, colons and
//! assignments end a chain.

/// Deepest f-string-inside-f-string nesting scanned; deeper counts as too deep.
const MAX_FSTRING_NESTING: usize = 8;

/// The first point where the estimated depth exceeds the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooDeep {
    /// Byte offset of the token that went over the limit.
    pub at: usize,
}

#[derive(Clone, Copy, Default)]
struct Level {
    /// Depth of the enclosing context when the bracket opened.
    base: usize,
    /// `lambda`s and conditional-expression `else`s at this level (until a comma).
    nested: usize,
    /// Binary operators and trailers chained at this level (until a comma).
    chain: usize,
    /// Consecutive prefix operators since the last operand.
    streak: usize,
    /// Between `lambda` and its colon: commas separate parameters, not items.
    lambda_params: bool,
}

impl Level {
    fn depth(&self) -> usize {
        self.base + self.nested + self.chain + self.streak
    }
    fn end_item(&mut self) {
        self.lambda_params = false;
        self.nested = 0;
        self.chain = 0;
        self.streak = 0;
    }
}

/// Scans Python source and fails at the first token whose estimated depth exceeds `limit`.
pub(crate) fn check_depth(source: &str, limit: usize) -> Result<(), TooDeep> {
    Scanner {
        src: source.as_bytes(),
        limit,
    }
    .scan_code(0, source.len(), 0, 0, true)
}

struct Scanner<'a> {
    src: &'a [u8],
    limit: usize,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl Scanner<'_> {
    /// Scans `src[start..end]` as code whose context already has depth `base`.
    /// `fstring_nesting` counts enclosing f-string fields; `statements` is false inside an
    /// f-string field (no indentation or line structure there).
    fn scan_code(
        &self,
        start: usize,
        end: usize,
        base: usize,
        fstring_nesting: usize,
        statements: bool,
    ) -> Result<(), TooDeep> {
        let src = self.src;
        let mut levels: Vec<Level> = vec![Level {
            base,
            ..Level::default()
        }];
        // Indentation widths and the `elif` chain length at each indentation level.
        let mut indents: Vec<(usize, usize)> = vec![(0, 0)];
        let mut block_depth = 0usize;
        let mut at_line_start = statements;
        let mut expect_operand = true;
        let mut i = start;

        macro_rules! check {
            ($at:expr) => {{
                let top = levels.last().map_or(0, Level::depth);
                if top + block_depth > self.limit {
                    return Err(TooDeep { at: $at });
                }
            }};
        }

        while i < end {
            let b = src[i];
            if at_line_start && levels.len() == 1 {
                // Measure indentation of a new logical line.
                let mut width = 0usize;
                let mut j = i;
                while j < end && matches!(src[j], b' ' | b'\t' | b'\x0c') {
                    width = if src[j] == b'\t' {
                        (width / 8 + 1) * 8
                    } else {
                        width + 1
                    };
                    j += 1;
                }
                if j >= end {
                    break;
                }
                if matches!(src[j], b'#' | b'\n' | b'\r')
                    || (src[j] == b'\\' && j + 1 < end && matches!(src[j + 1], b'\n' | b'\r'))
                {
                    // Blank or comment-only line: indentation does not count.
                    i = j;
                    at_line_start = false;
                    continue;
                }
                let mut last = indents.last().map_or(0, |l| l.0);
                if width > last {
                    indents.push((width, 0));
                } else {
                    while width < last && indents.len() > 1 {
                        indents.pop();
                        last = indents.last().map_or(0, |l| l.0);
                    }
                }
                let word_end = {
                    let mut k = j;
                    while k < end && is_ident_byte(src[k]) {
                        k += 1;
                    }
                    k
                };
                let word = &src[j..word_end];
                if let Some(current) = indents.last_mut() {
                    match word {
                        b"elif" => current.1 += 1,
                        b"else" | b"except" | b"finally" => {}
                        _ => current.1 = 0,
                    }
                }
                block_depth = indents.len() - 1 + indents.iter().map(|l| l.1).sum::<usize>();
                at_line_start = false;
                i = j;
                check!(i);
                continue;
            }
            match b {
                b' ' | b'\t' | b'\x0c' => i += 1,
                b'#' => {
                    while i < end && !matches!(src[i], b'\n' | b'\r') {
                        i += 1;
                    }
                }
                b'\\' if i + 1 < end && matches!(src[i + 1], b'\n' | b'\r') => {
                    // Line continuation: the logical line goes on.
                    i += 1;
                    if src[i] == b'\r' && i + 1 < end && src[i + 1] == b'\n' {
                        i += 1;
                    }
                    i += 1;
                }
                b'\n' | b'\r' => {
                    i += 1;
                    if levels.len() == 1 && statements {
                        at_line_start = true;
                        expect_operand = true;
                        if let Some(level) = levels.last_mut() {
                            level.end_item();
                        }
                    }
                }
                b'(' | b'[' | b'{' => {
                    let level = levels.last_mut().map_or(Level::default(), |l| {
                        if !expect_operand {
                            // A call or subscript trailer.
                            l.chain += 1;
                        }
                        *l
                    });
                    levels.push(Level {
                        base: level.depth() + 1,
                        ..Level::default()
                    });
                    expect_operand = true;
                    i += 1;
                    check!(i - 1);
                }
                b')' | b']' | b'}' => {
                    if levels.len() > 1 {
                        levels.pop();
                    }
                    if let Some(l) = levels.last_mut() {
                        l.streak = 0;
                    }
                    expect_operand = false;
                    i += 1;
                }
                b',' | b';' => {
                    if let Some(l) = levels.last_mut() {
                        if !(b == b',' && l.lambda_params) {
                            l.end_item();
                        }
                    }
                    expect_operand = true;
                    i += 1;
                }
                b'\'' | b'"' => {
                    i = self.scan_string(i, i, end, &levels, block_depth, fstring_nesting)?;
                    expect_operand = false;
                    if let Some(l) = levels.last_mut() {
                        l.streak = 0;
                    }
                }
                b'0'..=b'9' => {
                    i = scan_number(src, i, end);
                    expect_operand = false;
                    if let Some(l) = levels.last_mut() {
                        l.streak = 0;
                    }
                }
                b'.' if i + 1 < end && src[i + 1].is_ascii_digit() && expect_operand => {
                    i = scan_number(src, i, end);
                    expect_operand = false;
                    if let Some(l) = levels.last_mut() {
                        l.streak = 0;
                    }
                }
                b'.' => {
                    if src[i..end].starts_with(b"...") {
                        i += 3;
                        expect_operand = false;
                    } else {
                        if let Some(l) = levels.last_mut() {
                            l.chain += 1;
                        }
                        i += 1;
                        // The attribute name that follows is not a new operand.
                        expect_operand = true;
                    }
                    check!(i - 1);
                }
                _ if is_ident_byte(b) => {
                    let word_start = i;
                    while i < end && is_ident_byte(src[i]) {
                        i += 1;
                    }
                    // A string prefix (r, b, f, rb, ...) directly followed by a quote.
                    if i < end && matches!(src[i], b'\'' | b'"') && i - word_start <= 2 {
                        let prefix = &src[word_start..i];
                        if prefix
                            .iter()
                            .all(|c| matches!(c.to_ascii_lowercase(), b'r' | b'b' | b'u' | b'f'))
                        {
                            i = self.scan_string(
                                word_start,
                                i,
                                end,
                                &levels,
                                block_depth,
                                fstring_nesting,
                            )?;
                            expect_operand = false;
                            if let Some(l) = levels.last_mut() {
                                l.streak = 0;
                            }
                            continue;
                        }
                    }
                    let word = &src[word_start..i];
                    let Some(l) = levels.last_mut() else {
                        continue;
                    };
                    match word {
                        b"not" | b"await" => {
                            if expect_operand {
                                l.streak += 1;
                            } else {
                                l.chain += 1;
                            }
                            expect_operand = true;
                        }
                        b"lambda" | b"else" => {
                            l.nested += 1;
                            l.lambda_params |= word == b"lambda";
                            expect_operand = true;
                        }
                        b"and" | b"or" | b"in" | b"is" | b"if" => {
                            l.chain += 1;
                            expect_operand = true;
                        }
                        b"None" | b"True" | b"False" => {
                            l.streak = 0;
                            expect_operand = false;
                        }
                        _ if is_keyword(word) => expect_operand = true,
                        _ => {
                            if expect_operand {
                                l.streak = 0;
                            }
                            expect_operand = false;
                        }
                    }
                    check!(word_start);
                }
                _ => {
                    // Operators.
                    let rest = &src[i..end];
                    let len = operator_len(rest);
                    let op = &rest[..len];
                    if let Some(l) = levels.last_mut() {
                        let assignment = (op.last() == Some(&b'=')
                            && !matches!(op, b"==" | b"<=" | b">=" | b"!="))
                            || op == b":"
                            || op == b"->";
                        if op == b":" && l.lambda_params {
                            l.lambda_params = false;
                        } else if op == b"=" && l.lambda_params {
                            // A parameter default, still inside the lambda's header.
                        } else if assignment {
                            l.end_item();
                        } else if expect_operand && matches!(op, b"-" | b"+" | b"~") {
                            l.streak += 1;
                        } else if !expect_operand {
                            l.chain += 1;
                        }
                    }
                    expect_operand = true;
                    i += len.max(1);
                    check!(i - len.max(1));
                }
            }
        }
        Ok(())
    }

    /// Scans a string literal starting at `start` (its prefix) with the quote at `quote_at`;
    /// returns the offset after it. Python finds the end of an f-string the same way as any
    /// string's (first unescaped matching quote); its `{…}` fields are then scanned as code.
    fn scan_string(
        &self,
        start: usize,
        quote_at: usize,
        end: usize,
        levels: &[Level],
        block_depth: usize,
        fstring_nesting: usize,
    ) -> Result<usize, TooDeep> {
        let src = self.src;
        let is_f = src[start..quote_at]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&b'f'));
        let quote = src[quote_at];
        let triple = quote_at + 2 < end && src[quote_at + 1] == quote && src[quote_at + 2] == quote;
        let open = if triple { 3 } else { 1 };
        let body_start = quote_at + open;
        let mut i = body_start;
        let body_end;
        loop {
            if i >= end {
                body_end = end;
                break;
            }
            let c = src[i];
            if c == b'\\' {
                i += 2;
                continue;
            }
            if !triple && matches!(c, b'\n' | b'\r') {
                // Unterminated: the parser reports it; stop the literal here.
                body_end = i;
                break;
            }
            if c == quote
                && (!triple || (i + 2 < end && src[i + 1] == quote && src[i + 2] == quote))
            {
                body_end = i;
                i += open;
                break;
            }
            i += 1;
        }
        if is_f {
            let depth = levels.last().map_or(0, Level::depth) + 1;
            if fstring_nesting >= MAX_FSTRING_NESTING || depth + block_depth > self.limit {
                return Err(TooDeep { at: start });
            }
            self.scan_fstring_fields(
                body_start,
                body_end.min(end),
                depth + block_depth,
                fstring_nesting + 1,
            )?;
        }
        Ok(i.min(end))
    }

    /// Finds the `{…}` fields of an f-string body and scans each as code.
    fn scan_fstring_fields(
        &self,
        start: usize,
        end: usize,
        base: usize,
        nesting: usize,
    ) -> Result<(), TooDeep> {
        let src = self.src;
        let mut i = start;
        while i < end {
            match src[i] {
                b'{' if i + 1 < end && src[i + 1] == b'{' => i += 2,
                b'{' => {
                    // The field runs to the matching brace (strings inside are skipped whole).
                    let field_start = i + 1;
                    let mut depth = 1usize;
                    let mut j = field_start;
                    while j < end && depth > 0 {
                        match src[j] {
                            b'{' | b'(' | b'[' => depth += 1,
                            b'}' | b')' | b']' => depth -= 1,
                            b'\'' | b'"' => {
                                let q = src[j];
                                j += 1;
                                while j < end && src[j] != q {
                                    j += if src[j] == b'\\' { 2 } else { 1 };
                                }
                            }
                            _ => {}
                        }
                        j += 1;
                    }
                    let field_end = j.saturating_sub(1).max(field_start).min(end);
                    self.scan_code(field_start, field_end, base + 1, nesting, false)?;
                    i = j;
                }
                _ => i += 1,
            }
        }
        Ok(())
    }
}

fn scan_number(src: &[u8], mut i: usize, end: usize) -> usize {
    while i < end {
        let c = src[i];
        let exponent_sign = matches!(c, b'+' | b'-') && matches!(src[i - 1], b'e' | b'E');
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || exponent_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

fn operator_len(rest: &[u8]) -> usize {
    const OPS: [&[u8]; 24] = [
        b"**=", b"//=", b">>=", b"<<=", b"**", b"//", b"<<", b">>", b"<=", b">=", b"==", b"!=",
        b"->", b":=", b"+=", b"-=", b"*=", b"/=", b"%=", b"&=", b"|=", b"^=", b"@=", b"<>",
    ];
    OPS.iter()
        .find(|op| rest.starts_with(op))
        .map_or(1, |op| op.len())
        .min(rest.len())
}

fn is_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"as"
            | b"assert"
            | b"async"
            | b"break"
            | b"class"
            | b"continue"
            | b"def"
            | b"del"
            | b"elif"
            | b"except"
            | b"finally"
            | b"for"
            | b"from"
            | b"global"
            | b"import"
            | b"nonlocal"
            | b"pass"
            | b"raise"
            | b"return"
            | b"try"
            | b"while"
            | b"with"
            | b"yield"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(src: &str, limit: usize) -> bool {
        check_depth(src, limit).is_ok()
    }

    #[test]
    fn brackets_unary_and_keywords_count() {
        for (open, close) in [("(", ")"), ("[", "]"), ("{", "}")] {
            let src = format!("x = {}1{}\n", open.repeat(30), close.repeat(30));
            assert!(depth_ok(&src, 40));
            assert!(!depth_ok(&src, 20));
        }
        for prefix in ["-", "+", "~", "not ", "await ", "lambda: "] {
            let src = format!("x = {}1\n", prefix.repeat(30));
            assert!(!depth_ok(&src, 20), "{prefix}");
        }
        assert!(!depth_ok(&format!("x = 1{}\n", " + 1".repeat(30)), 20));
        assert!(!depth_ok(&format!("x = a{}\n", ".b()".repeat(15)), 20));
        assert!(!depth_ok(
            &format!("x = 1{}\n", " if c else 1".repeat(30)),
            20
        ));
    }

    #[test]
    fn siblings_do_not_add_up() {
        let src = format!("x = [{}]\n", "-1, (2), not a, lambda: 0".repeat(200));
        assert!(depth_ok(&src, 10));
        let src = "a = -x + -y\nb = f(1)(2)\n".repeat(500);
        assert!(depth_ok(&src, 10));
    }

    #[test]
    fn blocks_and_elif_chains_count() {
        let mut src = String::new();
        for level in 0..30 {
            src.push_str(&" ".repeat(level * 4));
            src.push_str("if x:\n");
        }
        src.push_str(&" ".repeat(120));
        src.push_str("pass\n");
        assert!(!depth_ok(&src, 20));
        let chain = format!("if a:\n    pass\n{}", "elif b:\n    pass\n".repeat(30));
        assert!(!depth_ok(&chain, 20));
        assert!(depth_ok(&chain, 40));
    }

    #[test]
    fn strings_and_comments_hide_brackets() {
        let src = format!(
            "a = '{0}'\nb = \"\"\"{0}\n{0}\"\"\"\n# {0}\nc = r'\\'{0}'\nd = 1 \\\n  + 2\n",
            "(".repeat(500)
        );
        assert!(depth_ok(&src, 10));
    }

    #[test]
    fn fstring_fields_are_code() {
        let src = format!("x = f'{{{}1}}'\n", "-".repeat(50));
        assert!(!depth_ok(&src, 20));
        let src = format!("x = f'{{{}1{}}}'\n", "(".repeat(50), ")".repeat(50));
        assert!(!depth_ok(&src, 20));
        assert!(depth_ok("x = f'{{literal}} {a:>{w}.2f} {b!r}'\n", 10));
    }

    #[test]
    fn hundred_thousand_deep_is_cheap_to_reject() {
        for unit in ["(", "[", "{", "-", "not ", "~", "+", "lambda: "] {
            let src = unit.repeat(100_000);
            assert!(!depth_ok(&src, 100), "{unit}");
        }
    }
}
