//! keepalived.conf into words: whitespace separates them, `!` and `#` start a comment that runs to
//! the end of the line, double quotes keep spaces inside one word, and braces are words of their
//! own even when written against a name (`VG_DB{`). keepalived itself reads `VG_DB{` as a group
//! called `VG_DB{` and then looks for a brace that never comes. Here it means what the user meant.

use std::collections::VecDeque;
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

/// The words of `text`, which came from `file`, read a line at a time as the parser asks for
/// them: a large file is never held as a whole list of words.
pub(crate) struct Tokens<'a> {
    file: Arc<str>,
    /// keepalived's config-id, which `@ID` and `@^ID` lines are compared with.
    config_id: Option<&'a str>,
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    /// The words of the line read last that were not taken yet.
    buffered: VecDeque<Token>,
}

impl<'a> Tokens<'a> {
    /// The words of `text`, which came from `file`.
    pub fn new(file: &Arc<str>, text: &'a str) -> Self {
        Self {
            file: Arc::clone(file),
            config_id: None,
            lines: text.lines().enumerate(),
            buffered: VecDeque::new(),
        }
    }

    /// Compares conditional lines (`@ID ...`, `@^ID ...`) with `config_id`: without one, every
    /// `@ID` line is left out and every `@^ID` line read, as in keepalived.
    pub fn config_id(mut self, config_id: Option<&'a str>) -> Self {
        self.config_id = config_id;
        self
    }

    /// The next word, left in place; `None` at the end of the text.
    pub fn peek(&mut self) -> Result<Option<&Token>, Box<ParseError>> {
        self.fill()?;
        Ok(self.buffered.front())
    }

    /// The next word, taken; `None` at the end of the text.
    pub fn next_token(&mut self) -> Result<Option<Token>, Box<ParseError>> {
        self.fill()?;
        Ok(self.buffered.pop_front())
    }

    /// Reads lines until one has words, or the text ends.
    fn fill(&mut self) -> Result<(), Box<ParseError>> {
        while self.buffered.is_empty() {
            let Some((index, line)) = self.lines.next() else {
                return Ok(());
            };
            match conditional(line, self.config_id) {
                Some(kept) => tokenize_line(&self.file, index, &kept, &mut self.buffered)?,
                None => tokenize_line(&self.file, index, line, &mut self.buffered)?,
            }
        }
        Ok(())
    }
}

/// A conditional line, `@ID rest` or `@^ID rest` (after any indentation): the line with its
/// `@ID` blanked out (so columns stay right) when it is kept, an empty line when it is not. `None`
/// for any other line. keepalived keeps `@ID` lines where ID is the whole config-id, `@^ID` lines
/// where it is not, and drops a line that is `@ID` alone.
fn conditional(line: &str, config_id: Option<&str>) -> Option<String> {
    let body = line.trim_start();
    let condition = body.strip_prefix('@')?;
    let (negated, condition) = match condition.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, condition),
    };
    let id_end = condition
        .find(char::is_whitespace)
        .unwrap_or(condition.len());
    let (id, rest) = condition.split_at(id_end);
    let matches = config_id == Some(id);
    if rest.trim().is_empty() || matches == negated {
        return Some(String::new());
    }
    let prefix = line.len() - rest.len();
    Some(" ".repeat(line[..prefix].chars().count()) + rest)
}

/// The words of line `line_index` (from 0), `line`, added to `tokens`.
fn tokenize_line(
    file: &Arc<str>,
    line_index: usize,
    line: &str,
    tokens: &mut VecDeque<Token>,
) -> Result<(), Box<ParseError>> {
    let line_number = u32::try_from(line_index + 1).unwrap_or(u32::MAX);
    let at = |column: usize| Location {
        file: Arc::clone(file),
        line: line_number,
        column: u32::try_from(column + 1).unwrap_or(u32::MAX),
    };
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '!' || c == '#' {
            break;
        } else if c == '{' || c == '}' {
            tokens.push_back(Token {
                text: c.to_string(),
                location: at(i),
                quoted: false,
            });
            i += 1;
        } else if c == '"' {
            let start = i;
            let end = chars[i + 1..]
                .iter()
                .position(|&c| c == '"')
                .map(|p| i + 1 + p)
                .ok_or_else(|| ParseError::boxed(at(start), ErrorKind::Unterminated))?;
            tokens.push_back(Token {
                text: chars[start + 1..end].iter().collect(),
                location: at(start),
                quoted: true,
            });
            i = end + 1;
        } else {
            let start = i;
            while i < chars.len() {
                let c = chars[i];
                if c == '$' && chars.get(i + 1) == Some(&'{') {
                    // A definition such as `${_ENV NAME}` is part of the word, spaces and all.
                    match chars[i..].iter().position(|&c| c == '}') {
                        Some(close) => i += close + 1,
                        None => {
                            let why = "`${` without its closing `}` on this line".to_string();
                            return Err(ParseError::boxed(at(i), ErrorKind::Invalid(why)));
                        }
                    }
                    continue;
                }
                if c.is_whitespace() || matches!(c, '{' | '}' | '!' | '#' | '"') {
                    break;
                }
                i += 1;
            }
            tokens.push_back(Token {
                text: chars[start..i].iter().collect(),
                location: at(start),
                quoted: false,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokenize(file: &Arc<str>, text: &str) -> Result<Vec<Token>, Box<ParseError>> {
        let mut tokens = Tokens::new(file, text);
        let mut all = Vec::new();
        while let Some(token) = tokens.next_token()? {
            all.push(token);
        }
        Ok(all)
    }

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
    fn a_definition_is_one_word_with_its_braces_and_spaces() {
        assert_eq!(
            words("key 1 file:${_ENV CREDENTIALS_DIRECTORY}/vrrp51 {"),
            [
                ("key".into(), 1, 1),
                ("1".into(), 1, 5),
                ("file:${_ENV CREDENTIALS_DIRECTORY}/vrrp51".into(), 1, 7),
                ("{".into(), 1, 49),
            ]
        );
        assert!(tokenize(&Arc::from("t"), "a ${_ENV X").is_err());
    }

    #[test]
    fn conditional_lines_are_kept_for_their_config_id_with_their_columns() {
        let text = "@lb1 priority 150\n  @^lb1 priority 100\n@lb1\n@lb10 x\n";
        let read = |id: Option<&str>| -> Vec<(String, u32, u32)> {
            let file = Arc::from("t.conf");
            let mut tokens = Tokens::new(&file, text).config_id(id);
            let mut all = Vec::new();
            while let Some(t) = tokens.next_token().expect("lexes") {
                all.push((t.text, t.location.line, t.location.column));
            }
            all
        };
        assert_eq!(
            read(Some("lb1")),
            [("priority".into(), 1, 6), ("150".into(), 1, 15)]
        );
        assert_eq!(
            read(Some("lb2")),
            [("priority".into(), 2, 9), ("100".into(), 2, 18)]
        );
        assert_eq!(read(None), read(Some("lb2")));
    }

    #[test]
    fn an_unterminated_quote_is_an_error_where_it_opens() {
        let error = tokenize(&Arc::from("t.conf"), "a \"b").expect_err("unterminated");
        assert_eq!((error.location.line, error.location.column), (1, 3));
    }
}
