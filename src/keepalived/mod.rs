//! keepalived's configuration language, for everything VRRP (feature `keepalived`, on by
//! default).
//!
//! [`parse_file`] reads a keepalived.conf (with its `include`s) into a [`KeepalivedConfig`]:
//! `global_defs`, `vrrp_script`, `vrrp_track_file`, `vrrp_track_process`, `vrrp_instance` and
//! `vrrp_sync_group`, each checked. Unlike keepalived, which logs most mistakes and carries on
//! with defaults, a file with any mistake is refused, and every mistake is named with its file,
//! line and column ([`ConfigFileError`]). Every keyword of keepalived 2.4.3 has its treatment in
//! [`KEYWORDS`]: honoured; ignored with a [`Warning`] where it concerns what this crate does not
//! run (LVS, SNMP, mail, D-Bus, keepalived's other processes); or refused with the reason, where
//! running without it would do something else than the file asks. Nothing is dropped silently.
//!
//! [`failover_warnings`] tells of instances whose tracked weights can never take them below a
//! peer's priority, in one file or in a pair of them; [`interop_warnings`] of VRRPv2 instances
//! that outrank a sub-second VRRPv3 peer.
//!
//! An instance becomes the crate's own [`Config`](crate::Config) once its interface is known:
//! [`VrrpInstance::config`].
//!
//! ```
//! let text = "
//! vrrp_instance VI_1 {
//!     interface eth0
//!     virtual_router_id 51
//!     priorty 100
//!     virtual_ipaddress {
//!         192.0.2.100/24
//!     }
//! }";
//! let error = vrrp::keepalived::parse_str("keepalived.conf", text).unwrap_err();
//! assert_eq!(
//!     error.to_string(),
//!     "keepalived.conf:5:5: unknown keyword `priorty` in vrrp_instance (did you mean `priority`?)"
//! );
//! ```

mod error;
mod failover;
mod files;
mod interop;
mod interpret;
mod keywords;
mod lexer;
mod model;
#[cfg(feature = "linux")]
mod resolve;
mod syntax;
mod writer;

use std::path::Path;

pub use error::{ConfigFileError, ErrorKind, Location, ParseError, Warning};
pub use failover::failover_warnings;
pub use files::{ConfigFiles, MemoryFiles, SystemFiles};
pub use interop::interop_warnings;
pub use keywords::{KEYWORDS, Keyword, Support, keyword_table};
pub use model::{
    GlobalDefs, KeepalivedConfig, LifecycleScript, Notify, NotifyFifo, OldUnicastChecksum, Route,
    Rule, Scheduling, ScriptUser, SyncGroup, TrackFile, TrackGroup, TrackProcess, Tracked,
    VirtualIp, VrrpInstance, VrrpScript,
};
#[cfg(feature = "linux")]
pub use resolve::{ResolveError, Resolved, resolve, statics, sync_groups};
pub use writer::{WriteError, instance_block};

/// Reads the keepalived configuration at `path`, following its `include`s (relative ones from
/// the including file's directory). Conditional lines (`@ID ...`, `@^ID ...`) are compared with
/// [`default_config_id`], as keepalived compares them without `--config-id`.
pub fn parse_file(path: impl AsRef<Path>) -> Result<KeepalivedConfig, ConfigFileError> {
    parse_file_with(&SystemFiles, path)
}

/// [`parse_file`], with the files read through `files`: the file system ([`SystemFiles`]) or a
/// set in memory ([`MemoryFiles`]).
pub fn parse_file_with(
    files: &dyn ConfigFiles,
    path: impl AsRef<Path>,
) -> Result<KeepalivedConfig, ConfigFileError> {
    parse_file_as(files, path, default_config_id().as_deref())
}

/// [`parse_file_with`], with conditional lines compared with `config_id` (keepalived's
/// `--config-id`): `@ID` lines are read where ID is `config_id`, `@^ID` lines where it is not.
/// Without one, every `@ID` line is left out and every `@^ID` line read.
pub fn parse_file_as(
    files: &dyn ConfigFiles,
    path: impl AsRef<Path>,
    config_id: Option<&str>,
) -> Result<KeepalivedConfig, ConfigFileError> {
    let read =
        syntax::read_file(files, path.as_ref(), config_id).map_err(|error| ConfigFileError {
            errors: vec![*error],
        })?;
    interpreted(read)
}

/// keepalived's config-id when `--config-id` is not given: the host's name up to its first `.`
/// (`None` where it cannot be read).
pub fn default_config_id() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim().split('.').next()?.to_string();
    (!name.is_empty()).then_some(name)
}

/// Reads configuration `text` as if it were the file `name`; `include`s are relative to the
/// current directory.
pub fn parse_str(name: &str, text: &str) -> Result<KeepalivedConfig, ConfigFileError> {
    let config_id = default_config_id();
    let read = syntax::read_text(
        &SystemFiles,
        name,
        text,
        Path::new("."),
        config_id.as_deref(),
    )
    .map_err(|error| ConfigFileError {
        errors: vec![*error],
    })?;
    interpreted(read)
}

/// The configuration that `read`'s statements make, its warnings first.
fn interpreted(read: syntax::Read) -> Result<KeepalivedConfig, ConfigFileError> {
    let mut config =
        interpret::interpret(&read.statements).map_err(|errors| ConfigFileError { errors })?;
    config.warnings.splice(0..0, read.warnings);
    Ok(config)
}
