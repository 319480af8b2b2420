//! A command run as a health check: keepalived's `vrrp_script`.

use std::time::Duration;

/// A health check that runs a command: good when it exits with 0 within its timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    argv: Vec<String>,
    pub(super) interval: Duration,
    timeout: Option<Duration>,
    pub(super) rise: u32,
    pub(super) fall: u32,
    user: Option<(String, Option<String>)>,
    pub(super) initially_failing: bool,
}

/// Why a [`Script`] could not run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Its user is not in /etc/passwd, or its group not in /etc/group.
    #[error("unknown script user {0:?}")]
    UnknownUser(String),
}

impl Script {
    /// The command `line`, run without a shell unless it needs one (see [`split_command`]), every
    /// second with a timeout of one second, good or failing after one result.
    pub fn new(line: &str) -> Self {
        Self {
            argv: split_command(line),
            interval: Duration::from_secs(1),
            timeout: None,
            rise: 1,
            fall: 1,
            user: None,
            initially_failing: false,
        }
    }

    /// Runs it every `interval` (keepalived's `interval`); a run that takes longer delays the next.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Counts a run that has not ended after `timeout` as a failure, and kills it (keepalived's
    /// `timeout`; by default the interval).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Starts failing, so that `rise` successes are needed before it is good (keepalived's
    /// `init_fail`); by default it starts good.
    pub fn initially_failing(mut self, failing: bool) -> Self {
        self.initially_failing = failing;
        self
    }

    /// Successes in a row that make a failing check good (keepalived's `rise`).
    pub fn rise(mut self, rise: u32) -> Self {
        self.rise = rise;
        self
    }

    /// Failures in a row that make a good check failing (keepalived's `fall`).
    pub fn fall(mut self, fall: u32) -> Self {
        self.fall = fall;
        self
    }

    /// Runs the command as `user`, with the user's group or `group` (keepalived's `user USER
    /// [GROUP]`), looked up in /etc/passwd and /etc/group at each run.
    pub fn user(mut self, user: impl Into<String>, group: Option<String>) -> Self {
        self.user = Some((user.into(), group));
        self
    }

    /// How long a run may take.
    #[cfg(unix)]
    fn time_limit(&self) -> Duration {
        self.timeout.unwrap_or(self.interval)
    }

    /// Runs the command once, its input and output to /dev/null: `Ok(true)` when it exits with 0
    /// within the timeout. A command that cannot start, fails or runs too long (it is killed) is
    /// `Ok(false)`.
    #[cfg(unix)]
    pub fn run(&self) -> Result<bool, RunError> {
        use std::os::unix::process::CommandExt;
        use std::process::{Command, Stdio};
        use std::time::Instant;

        let Some((program, args)) = self.argv.split_first() else {
            return Ok(false);
        };
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((user, group)) = &self.user {
            let (uid, gid) = user_ids(user, group.as_deref())
                .ok_or_else(|| RunError::UnknownUser(user.clone()))?;
            command.uid(uid).gid(gid);
        }
        let Ok(mut child) = command.spawn() else {
            return Ok(false);
        };
        let deadline = Instant::now() + self.time_limit();
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Ok(status.success()),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(false);
                }
            }
        }
    }
}

/// A command line as a program and its arguments: split on whitespace, or, when the line needs a
/// shell (quotes, pipes, redirections, variables, globs...), `/bin/sh -c LINE`.
pub fn split_command(line: &str) -> Vec<String> {
    const SHELL: &[char] = &[
        '"', '\'', '|', '&', ';', '<', '>', '(', ')', '$', '`', '\\', '*', '?', '[', ']', '~', '{',
        '}',
    ];
    if line.contains(SHELL) {
        vec!["/bin/sh".into(), "-c".into(), line.into()]
    } else {
        line.split_whitespace().map(str::to_string).collect()
    }
}

/// The uid and gid of `user` (`group` if given, else the user's own), from /etc/passwd and
/// /etc/group; `None` if either is not there.
#[cfg(unix)]
pub fn user_ids(user: &str, group: Option<&str>) -> Option<(u32, u32)> {
    let field = |file: &str, name: &str, index: usize| -> Option<u32> {
        std::fs::read_to_string(file)
            .ok()?
            .lines()
            .map(|l| l.split(':').collect::<Vec<_>>())
            .find(|f| f.first() == Some(&name))?
            .get(index)?
            .parse()
            .ok()
    };
    let uid = field("/etc/passwd", user, 2)?;
    let gid = match group {
        Some(group) => field("/etc/group", group, 2)?,
        None => field("/etc/passwd", user, 3)?,
    };
    Some((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_line_runs_without_a_shell_and_one_that_needs_it_with_one() {
        assert_eq!(
            split_command("/usr/bin/test -e  /run/x"),
            ["/usr/bin/test", "-e", "/run/x"]
        );
        assert_eq!(
            split_command("pidof nginx || exit 1"),
            ["/bin/sh", "-c", "pidof nginx || exit 1"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_run_is_good_on_exit_0_and_failing_on_an_error_or_a_timeout() {
        assert_eq!(Script::new("true").run(), Ok(true));
        assert_eq!(Script::new("false").run(), Ok(false));
        assert_eq!(Script::new("/nonexistent/check").run(), Ok(false));
        let slow = Script::new("sleep 5").timeout(Duration::from_millis(50));
        assert_eq!(slow.run(), Ok(false));
        let nobody = Script::new("true").user("no-such-user-here", None);
        assert_eq!(
            nobody.run(),
            Err(RunError::UnknownUser("no-such-user-here".into()))
        );
    }
}
