//! Where a password comes from, and trying it.
//!
//! In order: `-p PASSWORD` (MakePQX's; warned about, since other users can read it in the
//! process list), `--password-file FILE` (`-` for standard input), the `PQX_PASSWORD`
//! environment variable. With none of them pqx tries the empty password (keys without one
//! need nothing), and when that is wrong and standard input is a terminal it asks, without
//! echo.

use crate::cli::PasswordArgs;
use crate::failure::{Exit, Failure};
use pqx_core::files::read_bounded;
use pqx_core::limits::MAX_PASSWORD_FILE_SIZE;
use pqx_core::ErrorKind;
use std::io::{BufRead, IsTerminal, Read};

/// The environment variable read for a password.
pub const PASSWORD_ENV: &str = "PQX_PASSWORD";

/// The password given through an option, a file or the environment, if any.
pub fn explicit(args: &PasswordArgs) -> Result<Option<String>, Failure> {
    if let Some(p) = &args.password {
        eprintln!("pqx: warning: -p/--password shows the password in process lists; prefer --password-file or {PASSWORD_ENV}");
        return Ok(Some(p.clone()));
    }
    if let Some(path) = &args.password_file {
        let mut line = String::new();
        if path.as_os_str() == "-" {
            std::io::stdin()
                .lock()
                .take(MAX_PASSWORD_FILE_SIZE)
                .read_line(&mut line)
                .map_err(|e| Failure::io(path, e))?;
        } else {
            let bytes = read_bounded(path, MAX_PASSWORD_FILE_SIZE)?;
            let text = String::from_utf8(bytes).map_err(|_| {
                Failure::new(
                    Exit::Key,
                    format!("{}: the password file is not UTF-8", path.display()),
                )
            })?;
            line = text.lines().next().unwrap_or_default().to_owned();
        }
        return Ok(Some(line.trim_end_matches(['\r', '\n']).to_owned()));
    }
    Ok(std::env::var(PASSWORD_ENV).ok())
}

/// Runs `attempt` with the password from `args`; without one, with the empty password and
/// then, if that is wrong and standard input is a terminal, with one typed at a prompt.
/// `what` names the file in the prompt.
pub fn with_password<T>(
    args: &PasswordArgs,
    what: &str,
    mut attempt: impl FnMut(&str) -> pqx_core::Result<T>,
) -> Result<T, Failure> {
    if let Some(p) = explicit(args)? {
        return attempt(&p).map_err(Failure::from);
    }
    match attempt("") {
        Err(e) if e.kind() == ErrorKind::WrongPassword => {
            if !std::io::stdin().is_terminal() {
                return Err(Failure::from(e).hint(format!("{what} needs a password: pass it with --password-file FILE or {PASSWORD_ENV} (or -p)")));
            }
            let typed =
                rpassword::prompt_password(format!("Password for {what}: ")).map_err(|e| {
                    Failure::new(
                        Exit::Key,
                        format!("cannot read the password from the terminal: {e}"),
                    )
                })?;
            attempt(&typed).map_err(Failure::from)
        }
        other => other.map_err(Failure::from),
    }
}
