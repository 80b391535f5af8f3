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
//! target). On Windows a console control handler (the `ctrlc` crate, which runs it on a
//! thread of its own) does the same for Ctrl+C and Ctrl+Break, then exits with the status
//! Windows gives a process ended by Ctrl+C (`STATUS_CONTROL_C_EXIT`).

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

/// Installs the console control handler (on Windows).
#[cfg(windows)]
pub fn install() {
    /// What `cmd.exe` reports for a program ended by Ctrl+C (0xC000013A).
    const STATUS_CONTROL_C_EXIT: u32 = 0xC000_013A;
    // Without the handler pqx still works; it only leaves the temporary file on an interrupt.
    let _ = ctrlc::set_handler(|| {
        // Held until the process ends: no temporary file is renamed meanwhile.
        let _held = pqx_core::atomic::remove_temporary_files();
        std::process::exit(STATUS_CONTROL_C_EXIT as i32);
    });
}

/// Nothing elsewhere (see the module documentation).
#[cfg(not(any(unix, windows)))]
pub fn install() {}
