//! keepalived.conf into words: whitespace separates them, `!` and `#` start a comment that runs to
//! the end of the line, double quotes keep spaces inside one word, and braces are words of their
//! own even when written against a name (`VG_DB{`). keepalived itself reads `VG_DB{` as a group
//! called `VG_DB{` and then looks for a brace that never comes. Here it means what the user meant.

use std::sync::Arc;

use super::error::{ErrorKind, Location, ParseError};

/// One word of the file and where it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub text: String,
    pub location: Location,
    /// Written in double quotes: never a brace, a comment or a keyword.
    pub quoted: bool,
}

impl Token {
    /// An unquoted `{`.
    pub fn is_open(&self) -> bool {
        !self.quoted && self.text == "{"
    }

    /// An unquoted `}`.
    pub fn is_close(&self) -> bool {
        !self.quoted && self.text == "}"
    }
}

/// The words of `text`, which came from `file`.
pub(crate) fn tokenize(file: &Arc<str>, text: &str) -> Result<Vec<Token>, Box<ParseError>> {
    let mut tokens = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let line_number = u32::try_from(line_index + 1).unwrap_or(u32::MAX);
        let at = |column: usize| Location {
            file: Arc::clone(file),
            line: line_number,
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        };
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let column_of = |i: usize| chars[..i].len();
        let mut i = 0;
        while i < chars.len() {
            let (_, c) = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '!' || c == '#' {
                break;
            } else if c == '{' || c == '}' {
                tokens.push(Token {
                    text: c.to_string(),
                    location: at(column_of(i)),
                    quoted: false,
                });
                i += 1;
            } else if c == '"' {
                let start = i;
                let end = chars[i + 1..]
                    .iter()
                    .position(|&(_, c)| c == '"')
                    .map(|p| i + 1 + p)
                    .ok_or_else(|| {
                        ParseError::boxed(at(column_of(start)), ErrorKind::Unterminated)
                    })?;
                tokens.push(Token {
                    text: chars[start + 1..end].iter().map(|&(_, c)| c).collect(),
                    location: at(column_of(start)),
                    quoted: true,
                });
                i = end + 1;
            } else {
                let start = i;
                while i < chars.len() {
                    let c = chars[i].1;
                    if c.is_whitespace() || matches!(c, '{' | '}' | '!' | '#' | '"') {
                        break;
                    }
                    i += 1;
                }
                tokens.push(Token {
                    text: chars[start..i].iter().map(|&(_, c)| c).collect(),
                    location: at(column_of(start)),
                    quoted: false,
                });
            }
        }
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, u32, u32)> {
        tokenize(&Arc::from("t.conf"), text)
            .expect("lexes")
            .into_iter()
            .map(|t| (t.text, t.location.line, t.location.column))
            .collect()
    }

    #[test]
    fn comments_quotes_and_glued_braces() {
        assert_eq!(
            words("vrrp_sync_group VG_DB{ ! a comment\n  notify \"/bin/x y\" # more\n}"),
            [
                ("vrrp_sync_group".into(), 1, 1),
                ("VG_DB".into(), 1, 17),
                ("{".into(), 1, 22),
                ("notify".into(), 2, 3),
                ("/bin/x y".into(), 2, 10),
                ("}".into(), 3, 1),
            ]
        );
    }

    #[test]
    fn an_unterminated_quote_is_an_error_where_it_opens() {
        let error = tokenize(&Arc::from("t.conf"), "a \"b").expect_err("unterminated");
        assert_eq!((error.location.line, error.location.column), (1, 3));
    }
}
