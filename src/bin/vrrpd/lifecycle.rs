//! keepalived's `startup_script` and `shutdown_script`: a command run once before the routers
//! start and once after they stopped, each within its timeout; and how vrrpd stops a command it
//! started (these, and the notify FIFOs' readers).

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vrrp::keepalived::{LifecycleScript, ScriptUser};
use vrrp::track::{split_command, user_ids};

/// How long a stopped command has between SIGTERM and SIGKILL.
const GRACE: Duration = Duration::from_secs(1);

/// Runs `script` (`kind`: "startup" or "shutdown") as its user, else `script_user`, else ours,
/// and waits for it until its timeout, after which it is stopped. What it exits with is logged;
/// vrrpd goes on either way, as keepalived does.
pub fn run_once(kind: &str, script: &LifecycleScript, script_user: Option<&ScriptUser>) {
    let argv = split_command(&script.command);
    let Some((program, args)) = argv.split_first() else {
        return;
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::null())
        // Its own process group: stopped as a whole, a shell's children too.
        .process_group(0);
    if let Some(user) = script.user.as_ref().or(script_user) {
        let Some((uid, gid)) = user_ids(&user.user, user.group.as_deref()) else {
            tracing::error!(
                "{kind}_script {:?} not run: unknown user {:?} or group {:?}",
                script.command,
                user.user,
                user.group
            );
            return;
        };
        command.uid(uid).gid(gid);
    }
    tracing::info!("running {kind}_script {:?}", script.command);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(error) => {
            tracing::error!(
                "{kind}_script {:?} could not start: {error}",
                script.command
            );
            return;
        }
    };
    let deadline = Instant::now() + script.timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return,
            Ok(Some(status)) => {
                tracing::warn!("{kind}_script {:?} exited with {status}", script.command);
                return;
            }
            Ok(None) if Instant::now() >= deadline => {
                tracing::warn!(
                    "{kind}_script {:?} still runs after its timeout of {:?}: stopped",
                    script.command,
                    script.timeout
                );
                stop_process_group(&mut child);
                return;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(error) => {
                tracing::error!("{kind}_script {:?}: {error}", script.command);
                return;
            }
        }
    }
}

/// Stops `child`, started in a process group of its own, and whatever it started: SIGTERM to
/// the group, a second for it to exit, then SIGKILL to the group, for the children that
/// outlived it (as keepalived kills a script's group).
pub fn stop_process_group(child: &mut Child) {
    let group = i32::try_from(child.id())
        .ok()
        .and_then(rustix::process::Pid::from_raw);
    let signal = |signal| {
        if let Some(group) = group {
            let _ = rustix::process::kill_process_group(group, signal);
        }
    };
    signal(rustix::process::Signal::TERM);
    let deadline = Instant::now() + GRACE;
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_)) | Err(_)) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    signal(rustix::process::Signal::KILL);
    let _ = child.wait();
}
