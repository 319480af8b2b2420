//! Network namespaces: a process that runs its routers in a named namespace (`ip netns add NAME`,
//! keepalived's `net_namespace`) enters it before it opens anything.

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::path::PathBuf;

/// Why the namespace could not be entered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NamespaceError {
    /// The name is empty, or holds a `/` or a NUL.
    #[error("{0:?} is not a network namespace name")]
    InvalidName(String),
    /// `/run/netns/NAME` could not be opened: no such namespace (`ip netns add NAME` makes one).
    #[error(
        "network namespace {name} is not there ({path}: {source}); create it with `ip netns add {name}`"
    )]
    Missing {
        /// The name.
        name: String,
        /// Where it was looked for.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// `setns(2)` failed (it needs CAP_SYS_ADMIN).
    #[error("entering network namespace {name} failed (it needs CAP_SYS_ADMIN): {source}")]
    Enter {
        /// The name.
        name: String,
        /// The error.
        source: io::Error,
    },
}

/// Moves the calling thread into network namespace `name`, the one `ip netns` keeps at
/// `/run/netns/NAME`. Call it before any socket or thread is made: sockets stay in the namespace
/// they were opened in, and threads start in their creator's.
pub fn enter_network_namespace(name: &str) -> Result<(), NamespaceError> {
    if name.is_empty() || name.contains(['/', '\0']) || name == "." || name == ".." {
        return Err(NamespaceError::InvalidName(name.into()));
    }
    let path = PathBuf::from("/run/netns").join(name);
    let file = File::open(&path).map_err(|source| NamespaceError::Missing {
        name: name.into(),
        path: path.clone(),
        source,
    })?;
    // SAFETY: `file` is an open descriptor for the call's duration; setns only reads it and
    // changes the calling thread's namespace, touching no memory of ours.
    let result = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if result != 0 {
        return Err(NamespaceError::Enter {
            name: name.into(),
            source: io::Error::last_os_error(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_that_is_a_path_or_missing_is_refused_before_anything_is_opened() {
        for name in ["", "a/b", "..", "."] {
            assert!(matches!(
                enter_network_namespace(name),
                Err(NamespaceError::InvalidName(_))
            ));
        }
        assert!(matches!(
            enter_network_namespace("vrrp-no-such-namespace"),
            Err(NamespaceError::Missing { .. })
        ));
    }
}
