//! keepalived's notify FIFOs (`notify_fifo`, `vrrp_notify_fifo`): one line per state change,
//! `INSTANCE "VI_1" MASTER 100` or `GROUP "VG_1" BACKUP 0`, written in order and at once (never
//! behind a slow notify script), and the command that reads each FIFO, started with its path.

use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use rustix::fs::{FileType, Mode, OFlags};
use vrrp::keepalived::{NotifyFifo, ScriptUser};
use vrrp::track::{split_command, user_ids};

/// The FIFOs open, as configured.
#[derive(Default)]
pub struct Fifos {
    config: Vec<NotifyFifo>,
    open: Vec<Open>,
}

struct Open {
    path: std::path::PathBuf,
    file: File,
    /// Made by us: removed when closed.
    made: bool,
    reader: Option<Child>,
}

impl Fifos {
    /// Opens (making them if they do not exist) the FIFOs of `config` and starts their readers,
    /// as `script_user` unless a reader names its own.
    pub fn open(config: &[NotifyFifo], script_user: Option<&ScriptUser>) -> Result<Self, String> {
        let mut fifos = Self {
            config: config.to_vec(),
            open: Vec::new(),
        };
        for fifo in config {
            let open = Open::new(fifo, script_user).map_err(|e| {
                format!(
                    "{}: notify FIFO {}: {e}",
                    fifo.location,
                    fifo.path.display()
                )
            })?;
            fifos.open.push(open);
        }
        Ok(fifos)
    }

    /// Whether these are the FIFOs `config` asks for (wherever in the file they are written).
    pub fn are(&self, config: &[NotifyFifo]) -> bool {
        let same = |a: &NotifyFifo, b: &NotifyFifo| {
            (&a.path, &a.owner, &a.script, &a.script_user)
                == (&b.path, &b.owner, &b.script, &b.script_user)
        };
        self.config.len() == config.len() && self.config.iter().zip(config).all(|(a, b)| same(a, b))
    }

    /// Writes `line` (with its newline) to every FIFO. A FIFO that is full (its reader is behind
    /// by 64 KiB) loses the line, as in keepalived, and says so.
    pub fn write(&mut self, line: &str) {
        let line = format!("{line}\n");
        for open in &mut self.open {
            if let Err(error) = open.file.write_all(line.as_bytes()) {
                tracing::warn!(
                    "notify FIFO {}: {error}; lost: {}",
                    open.path.display(),
                    line.trim_end()
                );
            }
        }
    }
}

impl Open {
    fn new(fifo: &NotifyFifo, script_user: Option<&ScriptUser>) -> Result<Self, String> {
        let path = &fifo.path;
        let made = !path.exists();
        if made {
            rustix::fs::mknodat(
                rustix::fs::CWD,
                path,
                FileType::Fifo,
                Mode::RUSR | Mode::WUSR,
                0,
            )
            .map_err(|e| format!("cannot make it: {e}"))?;
        } else if !is_fifo(path) {
            return Err("exists and is not a FIFO".into());
        }
        let opened = Self::open_made(fifo, script_user, made);
        if opened.is_err() && made {
            let _ = std::fs::remove_file(path);
        }
        opened
    }

    /// Gives a FIFO it made to its owner (by default the reader's user), opens it and starts its
    /// reader.
    fn open_made(
        fifo: &NotifyFifo,
        script_user: Option<&ScriptUser>,
        made: bool,
    ) -> Result<Self, String> {
        let path = &fifo.path;
        let reader_user = fifo.script_user.as_ref().or(script_user);
        if made && let Some(owner) = fifo.owner.as_ref().or(reader_user) {
            let (uid, gid) = ids(owner)?;
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .map_err(|e| format!("cannot give it to {}: {e}", owner.user))?;
        }
        // Read-write: opening never waits for a reader, and writing never fails for want of one.
        let fd = rustix::fs::open(
            path,
            OFlags::RDWR | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOFOLLOW,
            Mode::empty(),
        )
        .map_err(|e| format!("cannot open it: {e}"))?;
        let file = File::from(fd);
        let reader = match &fifo.script {
            None => None,
            Some(script) => {
                let (program, args) = reader_argv(script, path);
                let mut command = Command::new(program);
                command
                    .args(args)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    // Its own process group: stopped as a whole, a shell's children too.
                    .process_group(0);
                if let Some(user) = reader_user {
                    let (uid, gid) = ids(user)?;
                    command.uid(uid).gid(gid);
                }
                Some(
                    command
                        .spawn()
                        .map_err(|e| format!("cannot start {script}: {e}"))?,
                )
            }
        };
        Ok(Self {
            path: path.clone(),
            file,
            made,
            reader,
        })
    }
}

/// The reader's program and arguments: the command with the FIFO's path as its last argument, as
/// keepalived runs it; a command that needs a shell gets it as `"$@"`.
fn reader_argv(script: &str, path: &Path) -> (String, Vec<String>) {
    let path = path.display().to_string();
    let mut argv = split_command(script);
    if argv.len() == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" {
        argv[2] = format!("{} \"$@\"", argv[2]);
        argv.push("notify_fifo_script".into());
    }
    argv.push(path);
    let program = argv.remove(0);
    (program, argv)
}

impl Drop for Open {
    /// Removes a FIFO that was made and closes it, so the reader sees the end, then stops the
    /// reader's process group with SIGTERM, as keepalived does: SIGKILL after a second if it is
    /// still there, so a reader that ignores SIGTERM never holds vrrpd up.
    fn drop(&mut self) {
        if self.made {
            let _ = std::fs::remove_file(&self.path);
        }
        let Some(mut reader) = self.reader.take() else {
            return;
        };
        crate::lifecycle::stop_process_group(&mut reader);
    }
}

fn is_fifo(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
}

fn ids(user: &ScriptUser) -> Result<(u32, u32), String> {
    user_ids(&user.user, user.group.as_deref())
        .ok_or_else(|| format!("unknown user {:?} or group {:?}", user.user, user.group))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrrp::keepalived::Location;

    #[test]
    fn lines_reach_the_reader_in_order_and_a_made_fifo_is_removed_at_close() {
        let dir = std::env::temp_dir().join(format!("vrrpd-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("notify");
        let out = dir.join("out");
        let fifo = NotifyFifo {
            path: path.clone(),
            owner: None,
            // The FIFO's path comes last, as an argument of the shell's command.
            script: Some(format!("cat > {}", out.display())),
            script_user: None,
            location: Location {
                file: "t.conf".into(),
                line: 1,
                column: 1,
            },
        };
        let mut fifos = Fifos::open(std::slice::from_ref(&fifo), None).expect("opens");
        assert!(is_fifo(&path));
        assert!(fifos.are(std::slice::from_ref(&fifo)));
        fifos.write(r#"INSTANCE "VI_1" BACKUP 100"#);
        fifos.write(r#"INSTANCE "VI_1" MASTER 100"#);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let expected = "INSTANCE \"VI_1\" BACKUP 100\nINSTANCE \"VI_1\" MASTER 100\n";
        while std::fs::read_to_string(&out).unwrap_or_default() != expected {
            assert!(
                std::time::Instant::now() < deadline,
                "the reader got nothing"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        drop(fifos);
        assert!(!path.exists(), "the FIFO made is removed");
        // One that is not a FIFO is refused.
        std::fs::write(&path, "a file").expect("write");
        let error = Fifos::open(&[fifo], None).err().expect("refused");
        assert!(error.contains("is not a FIFO"), "{error}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
