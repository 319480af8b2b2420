//! Words into statements: a keyword, the words after it on its line, and an optional `{ ... }` block
//! of further statements. `include PATTERN` is replaced by the statements of the files it names
//! (`*` and `?` match within one path component; relative patterns start from the including
//! file's directory, as in keepalived). A file that `include` names and that does not exist is a
//! warning, as in keepalived, whose `include` is meant for files that may not be there yet.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ErrorKind, Location, ParseError, Warning};
use super::files::ConfigFiles;
use super::lexer::{Token, Tokens};

/// How deep includes may nest before a loop is assumed.
const MAX_INCLUDE_DEPTH: usize = 16;

/// One statement of a configuration.
#[derive(Clone, Debug)]
pub(crate) struct Statement {
    pub keyword: Token,
    pub args: Vec<Token>,
    pub block: Option<Vec<Statement>>,
}

/// The statements of a file, includes expanded, and the warnings reading them gave.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub statements: Vec<Statement>,
    pub warnings: Vec<Warning>,
}

/// The statements of `path`, read through `files`, includes expanded.
pub(crate) fn read_file(
    files: &dyn ConfigFiles,
    path: &Path,
    config_id: Option<&str>,
) -> Result<Read, Box<ParseError>> {
    let mut warnings = Vec::new();
    let statements = read_at(files, path, None, 0, config_id, &mut warnings)?;
    Ok(Read {
        statements,
        warnings,
    })
}

/// The statements of `text`, which is the content of `name`; includes are relative to `dir` and
/// read through `files`.
pub(crate) fn read_text(
    files: &dyn ConfigFiles,
    name: &str,
    text: &str,
    dir: &Path,
    config_id: Option<&str>,
) -> Result<Read, Box<ParseError>> {
    let file: Arc<str> = Arc::from(name);
    let mut warnings = Vec::new();
    let statements = Parser {
        tokens: Tokens::new(&file, text).config_id(config_id),
        files,
        dir: dir.to_path_buf(),
        depth: 0,
        config_id,
        warnings: &mut warnings,
    }
    .statements(None)?;
    Ok(Read {
        statements,
        warnings,
    })
}

fn read_at(
    files: &dyn ConfigFiles,
    path: &Path,
    from: Option<&Location>,
    depth: usize,
    config_id: Option<&str>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Statement>, Box<ParseError>> {
    let name = path.display().to_string();
    let text = files.read(path).map_err(|error| {
        let location = from.cloned().unwrap_or_else(|| Location {
            file: Arc::from(name.as_str()),
            line: 0,
            column: 0,
        });
        ParseError::boxed(
            location,
            ErrorKind::Io {
                path: name.clone(),
                error: error.to_string(),
            },
        )
    })?;
    let file: Arc<str> = Arc::from(name.as_str());
    Parser {
        tokens: Tokens::new(&file, &text).config_id(config_id),
        files,
        dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        depth,
        config_id,
        warnings,
    }
    .statements(None)
}

struct Parser<'a> {
    tokens: Tokens<'a>,
    files: &'a dyn ConfigFiles,
    dir: PathBuf,
    depth: usize,
    config_id: Option<&'a str>,
    warnings: &'a mut Vec<Warning>,
}

impl Parser<'_> {
    /// Statements up to the `}` that closes `open` (the block's keyword and brace), or to the end
    /// of the file at the top level.
    fn statements(
        &mut self,
        open: Option<(&Token, &Token)>,
    ) -> Result<Vec<Statement>, Box<ParseError>> {
        let mut statements = Vec::new();
        loop {
            let Some(token) = self.tokens.peek()? else {
                return match open {
                    Some((keyword, brace)) => Err(ParseError::boxed(
                        brace.location.clone(),
                        ErrorKind::MissingBrace {
                            keyword: keyword.text.clone(),
                        },
                    )),
                    None => Ok(statements),
                };
            };
            if token.is_close() {
                let location = token.location.clone();
                self.tokens.next_token()?;
                return match open {
                    Some(_) => Ok(statements),
                    None => Err(ParseError::boxed(location, ErrorKind::ExtraBrace)),
                };
            }
            if token.is_open() {
                return Err(ParseError::boxed(
                    token.location.clone(),
                    ErrorKind::BlockWithoutKeyword,
                ));
            }
            let statement = self.statement()?;
            if statement.keyword.text == "include" && !statement.keyword.quoted {
                statements.extend(self.include(&statement)?);
            } else {
                statements.push(statement);
            }
        }
    }

    /// A keyword, the words after it on its line, and the block that follows, if any.
    fn statement(&mut self) -> Result<Statement, Box<ParseError>> {
        let keyword = (self.tokens.next_token()?).expect("called with a word ahead");
        let mut args = Vec::new();
        while let Some(token) = self.tokens.peek()? {
            if token.location.line != keyword.location.line || token.is_open() || token.is_close() {
                break;
            }
            args.extend(self.tokens.next_token()?);
        }
        let block = match self.tokens.peek()? {
            Some(brace) if brace.is_open() => {
                let brace = (self.tokens.next_token()?).expect("peeked");
                Some(self.statements(Some((&keyword, &brace)))?)
            }
            _ => None,
        };
        Ok(Statement {
            keyword,
            args,
            block,
        })
    }

    fn include(&mut self, statement: &Statement) -> Result<Vec<Statement>, Box<ParseError>> {
        let at = &statement.keyword.location;
        let pattern = match statement.args.as_slice() {
            [pattern] if statement.block.is_none() => pattern,
            _ => {
                return Err(ParseError::boxed(
                    at.clone(),
                    ErrorKind::MissingValue {
                        keyword: "include".into(),
                        expected: "one file name or glob pattern and no block".into(),
                    },
                ));
            }
        };
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(ParseError::boxed(
                pattern.location.clone(),
                ErrorKind::Invalid(format!(
                    "includes nest deeper than {MAX_INCLUDE_DEPTH} levels; does a file include itself?"
                )),
            ));
        }
        let full = self.dir.join(&pattern.text);
        let wildcard = pattern.text.contains(['*', '?']);
        let paths = if wildcard {
            glob(self.files, &full)
        } else if self.files.exists(&full) {
            vec![full]
        } else {
            self.warnings.push(Warning {
                location: pattern.location.clone(),
                message: format!(
                    "`include`: {} does not exist, so nothing is read from it, as in keepalived",
                    full.display()
                ),
            });
            Vec::new()
        };
        let mut statements = Vec::new();
        for path in paths {
            statements.extend(read_at(
                self.files,
                &path,
                Some(&pattern.location),
                self.depth + 1,
                self.config_id,
                self.warnings,
            )?);
        }
        Ok(statements)
    }
}

/// The existing paths that `pattern` matches, sorted; `*` and `?` match within one component.
fn glob(files: &dyn ConfigFiles, pattern: &Path) -> Vec<PathBuf> {
    let mut found = vec![PathBuf::new()];
    for component in pattern.components() {
        let part = component.as_os_str().to_string_lossy();
        if !part.contains(['*', '?']) {
            for path in &mut found {
                path.push(component);
            }
            found.retain(|p| files.exists(p));
            continue;
        }
        let mut next = Vec::new();
        for dir in &found {
            let listed = files.list(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            });
            for name in listed.into_iter().flatten() {
                if !name.starts_with('.') && wildcard_match(&part, &name) {
                    next.push(dir.join(name));
                }
            }
        }
        found = next;
    }
    found.sort();
    found
}

/// Whether `name` matches `pattern`, where `*` is any run of characters and `?` any one.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_match_within_a_name() {
        assert!(wildcard_match("*.conf", "a.conf"));
        assert!(wildcard_match("vrrp-?.conf", "vrrp-1.conf"));
        assert!(wildcard_match("*", "x"));
        assert!(!wildcard_match("*.conf", "a.conf.bak"));
        assert!(!wildcard_match("vrrp-?.conf", "vrrp-10.conf"));
    }

    #[test]
    fn blocks_nest_and_a_glued_brace_opens_one() {
        let statements = read_text(
            &super::super::files::SystemFiles,
            "t.conf",
            "vrrp_sync_group VG_DB{\n group {\n  A\n  B\n }\n}\n",
            Path::new("."),
            None,
        )
        .expect("parses")
        .statements;
        assert_eq!(statements.len(), 1);
        let group = &statements[0];
        assert_eq!(group.args[0].text, "VG_DB");
        let inner = group.block.as_ref().expect("a block");
        assert_eq!(inner[0].keyword.text, "group");
        let members = inner[0].block.as_ref().expect("members");
        assert_eq!(members.len(), 2);
    }

    #[test]
    fn an_unclosed_block_is_reported_where_it_opened() {
        let error = read_text(
            &super::super::files::SystemFiles,
            "t.conf",
            "a {\n b {\n }\n",
            Path::new("."),
            None,
        )
        .expect_err("unclosed");
        assert_eq!((error.location.line, error.location.column), (1, 3));
        assert_eq!(
            error.kind,
            ErrorKind::MissingBrace {
                keyword: "a".into()
            }
        );
    }

    #[test]
    fn a_stray_closing_brace_is_reported() {
        let error = read_text(
            &super::super::files::SystemFiles,
            "t.conf",
            "a {\n}\n}\n",
            Path::new("."),
            None,
        )
        .expect_err("extra");
        assert_eq!(error.location.line, 3);
        assert_eq!(error.kind, ErrorKind::ExtraBrace);
    }
}
