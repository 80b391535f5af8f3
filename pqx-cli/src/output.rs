//! Standard output that behaves like coreutils' when the reader goes away.
//!
//! `println!` panics when standard output is a closed pipe (`pqx completions bash | head -1`),
//! and Rust ignores SIGPIPE, so a plain write error would be printed instead. pqx writes its
//! standard output through [`outln!`]/[`out!`]: when the pipe is closed the process ends as
//! `cat` or `seq` would — killed by SIGPIPE on Unix (the shell reports status 141), silently.
//! Any other write error is one line on standard error and exit status 3.

use std::io::Write;

/// Prints to standard output like `print!`, ending the process quietly on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::output::write_fmt(format_args!($($arg)*)) };
}

/// Prints a line to standard output like `println!`, ending the process quietly on a closed
/// pipe.
macro_rules! outln {
    () => { $crate::output::write_fmt(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::output::write_fmt(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Writes formatted text to standard output (see the module documentation).
pub fn write_fmt(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        fail(e);
    }
}

/// Writes bytes to standard output (see the module documentation).
pub fn write_bytes(bytes: &[u8]) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        fail(e);
    }
}

fn fail(e: std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        broken_pipe();
    }
    eprintln!("pqx: error: cannot write to standard output: {e}");
    std::process::exit(3)
}

/// Ends the process as a coreutils program does when its reader has gone: by SIGPIPE's
/// default action on Unix, with status 141 (128 + SIGPIPE, what a shell would report) if
/// that fails, and silently with status 1 elsewhere.
fn broken_pipe() -> ! {
    #[cfg(unix)]
    {
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGPIPE);
        std::process::exit(141)
    }
    #[cfg(not(unix))]
    std::process::exit(1)
}
