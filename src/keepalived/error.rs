//! What can be wrong with a keepalived.conf, and where.

use std::fmt;
use std::sync::Arc;

/// A place in a configuration file: the file as it was named, line and column from 1.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    /// The file's path as given (or as an `include` named it).
    pub file: Arc<str>,
    /// The line, from 1.
    pub line: u32,
    /// The column in characters, from 1.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One mistake in a configuration, at its place.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct ParseError {
    /// Where it is.
    pub location: Location,
    /// What it is.
    pub kind: ErrorKind,
}

impl ParseError {
    pub(crate) fn new(location: Location, kind: ErrorKind) -> Self {
        Self { location, kind }
    }

    pub(crate) fn boxed(location: Location, kind: ErrorKind) -> Box<Self> {
        Box::new(Self::new(location, kind))
    }
}

/// What is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A double quote with no closing one on its line.
    #[error("a quoted string is not closed on this line")]
    Unterminated,
    /// A block that is never closed; the location is its opening brace.
    #[error("the `{keyword}` block opened here has no closing `}}`")]
    MissingBrace {
        /// The keyword the block belongs to.
        keyword: String,
    },
    /// A closing brace with no block open.
    #[error("`}}` closes no block")]
    ExtraBrace,
    /// An opening brace with no keyword before it.
    #[error("`{{` with no keyword before it")]
    BlockWithoutKeyword,
    /// A keyword this block does not have.
    #[error("unknown keyword `{keyword}` in {block}{}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownKeyword {
        /// The word as written.
        keyword: String,
        /// The block it is in (`vrrp_instance`, `the top level`, ...).
        block: String,
        /// The closest known keyword, if one is close.
        suggestion: Option<&'static str>,
    },
    /// A value that does not fit its keyword.
    #[error("`{keyword}`: {value:?} is not {expected}")]
    BadValue {
        /// The keyword.
        keyword: String,
        /// The value as written.
        value: String,
        /// What would be accepted.
        expected: String,
    },
    /// A keyword written without the value it needs.
    #[error("`{keyword}` needs {expected}")]
    MissingValue {
        /// The keyword.
        keyword: String,
        /// What it needs.
        expected: String,
    },
    /// Words after a keyword that takes none (or fewer).
    #[error("`{keyword}` takes no further words, found {extra:?}")]
    ExtraValue {
        /// The keyword.
        keyword: String,
        /// The first extra word.
        extra: String,
    },
    /// A keyword that needs a `{ ... }` block written without one.
    #[error("`{keyword}` needs a `{{ ... }}` block")]
    MissingBlock {
        /// The keyword.
        keyword: String,
    },
    /// A block after a keyword that takes none.
    #[error("`{keyword}` takes no block")]
    UnexpectedBlock {
        /// The keyword.
        keyword: String,
    },
    /// A required keyword that is absent from a block; the location is the block's keyword.
    #[error("`{block}` needs `{keyword}`")]
    Required {
        /// The block.
        block: String,
        /// The keyword it lacks.
        keyword: &'static str,
    },
    /// A reference to a `vrrp_script`, `vrrp_track_file` or `vrrp_instance` that is not defined.
    #[error("{what} `{name}` is not defined")]
    Undefined {
        /// `vrrp_script`, `vrrp_track_file` or `vrrp_instance`.
        what: &'static str,
        /// The name used.
        name: String,
    },
    /// A name defined twice.
    #[error("{what} `{name}` is already defined at {first}")]
    Duplicate {
        /// What kind of definition.
        what: &'static str,
        /// The name.
        name: String,
        /// Where it was first defined.
        first: Location,
    },
    /// Two instances with one VRID on one interface and address family; the location is the
    /// second one's `virtual_router_id`.
    #[error("VRID {vrid} is already used for {family} on {interface} by `{other}` at {first}")]
    DuplicateVrid {
        /// The VRID.
        vrid: u8,
        /// The interface.
        interface: String,
        /// `IPv4` or `IPv6`.
        family: String,
        /// The instance that has it first.
        other: String,
        /// Where that one sets its `virtual_router_id`.
        first: Location,
    },
    /// Something keepalived accepts that this crate cannot honour, which it refuses rather than
    /// ignore.
    #[error("`{keyword}` is not supported: {why}")]
    Unsupported {
        /// The keyword.
        keyword: String,
        /// Why, and what to do instead.
        why: String,
    },
    /// An instance whose settings contradict each other.
    #[error("{0}")]
    Invalid(String),
    /// A file that could not be read.
    #[error("cannot read {path}: {error}")]
    Io {
        /// The path.
        path: String,
        /// The operating system's message.
        error: String,
    },
}

/// Every mistake found in a configuration, in file order. Its `Display` is one line per mistake:
/// `file:line:column: problem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigFileError {
    /// The mistakes, at least one.
    pub errors: Vec<ParseError>,
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigFileError {}

/// Something accepted and not acted on, worth telling the operator: LVS blocks, mail settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where it is.
    pub location: Location,
    /// What is not acted on, and why.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: warning: {}", self.location, self.message)
    }
}
