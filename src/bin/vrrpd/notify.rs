//! Notify scripts: keepalived's commands on every transition, run in order on a thread of their
//! own so that the protocol never waits for them.

use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;

use vrrp::keepalived::Notify;
use vrrp::track::split_command;
use vrrp::{RouterKey, State};

use crate::Daemon;

/// Batches of commands, each a program and its arguments, for [`start_notifier`]'s thread.
pub type Notifier = Sender<Vec<Vec<String>>>;

/// Logs a state change and queues its notify scripts, the instance's and its sync groups'.
pub fn notify(daemon: &mut Daemon, key: RouterKey, to: State, notifier: &Notifier) {
    let Some(r) = daemon.instance(key, to) else {
        return;
    };
    let (name, notify) = (r.name.clone(), r.notify());
    tracing::info!("({name}) entering {} state", state_word(to));
    let priority = daemon
        .priorities
        .get(&key)
        .copied()
        .unwrap_or(r.priority)
        .get();
    // An instance a reload deleted (not one it changed, which goes on under its name): keepalived
    // notifies FAULT, or DELETED with `notify_deleted`.
    let deleted = to == State::Initialize
        && daemon.retiring.iter().any(|r| r.key == key)
        && !daemon.running.iter().any(|r| r.name == name);
    let (word, specific) = match (deleted, notify.notify_deleted) {
        (true, true) => ("DELETED", &notify.deleted),
        (true, false) => ("FAULT", &notify.fault),
        (false, _) => (state_word(to), specific_script(&notify, to)),
    };
    (daemon.fifos).write(&format!("INSTANCE \"{name}\" {word} {priority}"));
    let _ = notifier.send(jobs(
        "INSTANCE",
        &name,
        specific,
        &notify.any,
        word,
        priority,
    ));
    for group in daemon
        .config
        .sync_groups
        .iter()
        .filter(|g| g.members.contains(&name))
    {
        if daemon.group_states.insert(group.name.clone(), to) != Some(to) {
            // keepalived gives a group priority 0.
            (daemon.fifos).write(&format!("GROUP \"{}\" {word} 0", group.name));
            let _ = notifier.send(notify_jobs(
                "GROUP",
                &group.name,
                &group.notify,
                to,
                priority,
            ));
        }
    }
}

/// A Master heard a lower priority advertise: keepalived's `MASTER_RX_LOWER_PRI` FIFO line and
/// the instance's `notify_master_rx_lower_pri` script, with no arguments (as keepalived runs it).
pub fn lower_priority_master(daemon: &mut Daemon, key: RouterKey, notifier: &Notifier) {
    let Some(r) = daemon.instance(key, State::Master) else {
        return;
    };
    let (name, script) = (r.name.clone(), r.notify().master_rx_lower_pri);
    let priority = daemon.priorities.get(&key).copied().unwrap_or(r.priority);
    (daemon.fifos).write(&format!(
        "INSTANCE \"{name}\" MASTER_RX_LOWER_PRI {}",
        priority.get()
    ));
    if let Some(command) = script {
        let _ = notifier.send(vec![split_command(&command)]);
    }
}

/// keepalived's word for a state in notify arguments.
fn state_word(state: State) -> &'static str {
    match state {
        State::Master => "MASTER",
        State::Backup => "BACKUP",
        State::Fault => "FAULT",
        State::Initialize => "STOP",
    }
}

/// The script of `notify` for entering `state`.
fn specific_script(notify: &Notify, state: State) -> &Option<String> {
    match state {
        State::Master => &notify.master,
        State::Backup => &notify.backup,
        State::Fault => &notify.fault,
        State::Initialize => &notify.stop,
    }
}

/// The commands for one transition, in keepalived's order: the state's own script, then
/// `notify` with `KIND NAME STATE PRIORITY`.
fn notify_jobs(
    kind: &str,
    name: &str,
    notify: &Notify,
    state: State,
    priority: u8,
) -> Vec<Vec<String>> {
    let specific = specific_script(notify, state);
    jobs(
        kind,
        name,
        specific,
        &notify.any,
        state_word(state),
        priority,
    )
}

/// The commands for one notification: `specific`, then `any` with `KIND NAME WORD PRIORITY`.
fn jobs(
    kind: &str,
    name: &str,
    specific: &Option<String>,
    any: &Option<String>,
    word: &str,
    priority: u8,
) -> Vec<Vec<String>> {
    let mut jobs = Vec::new();
    if let Some(command) = specific {
        jobs.push(split_command(command));
    }
    if let Some(command) = any {
        let mut words = split_command(command);
        words.extend([
            kind.to_string(),
            name.to_string(),
            word.to_string(),
            priority.to_string(),
        ]);
        jobs.push(words);
    }
    jobs
}

/// Runs the notify commands it is sent, one batch after another, in order.
/// Returns the queue and the thread, which ends once the queue is dropped and emptied.
pub fn start_notifier() -> (Notifier, JoinHandle<()>) {
    let (jobs, queue) = mpsc::channel::<Vec<Vec<String>>>();
    let thread = std::thread::spawn(move || {
        for batch in queue {
            for argv in batch {
                let Some((program, args)) = argv.split_first() else {
                    continue;
                };
                match Command::new(program)
                    .args(args)
                    .stdin(Stdio::null())
                    .status()
                {
                    Ok(status) if !status.success() => {
                        tracing::warn!("notify {argv:?} exited with {status}");
                    }
                    Err(error) => tracing::error!("notify {argv:?} could not start: {error}"),
                    Ok(_) => {}
                }
            }
        }
    });
    (jobs, thread)
}
