//! Interrupts (Ctrl+C, `kill`, a closed terminal) remove the temporary output files.
//!
//! `pack` and `sign` write into a hidden `.NAME.*.tmp` file beside the target, as big as the
//! package, and rename it when complete. Killed by SIGINT, SIGTERM or SIGHUP's default action
//! the process would leave that file behind. A thread waits for these signals instead (so
//! nothing runs inside a signal handler), removes the temporary files pqx-core has open
//! ([`pqx_core::atomic::remove_temporary_files`], which also stops a rename in progress from
//! racing the removal), then ends the process by the same signal with its default action, so
//! the parent sees the usual "killed by SIGINT" (a shell's `$?` is 128 + the signal number).
//! The input is never touched: it is only replaced by the rename, which either happened
//! before the signal or will not happen.
//!
//! SIGKILL cannot be caught: after `kill -9` a temporary file may remain (never a partial
//! target). On Windows nothing is installed yet: Ctrl+C ends the process as before.

/// Starts the signal thread (on Unix).
#[cfg(unix)]
pub fn install() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;
    // Without the thread pqx still works; it only leaves the temporary file on an interrupt.
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("pqx-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Held until the process ends: no temporary file is renamed meanwhile.
                let _held = pqx_core::atomic::remove_temporary_files();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
    drop(spawned);
}

/// Nothing yet outside Unix (see the module documentation).
#[cfg(not(unix))]
pub fn install() {}
