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

/// Where a password came from, for a message that says which one was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `-p PASSWORD`.
    Option,
    /// `--password-file FILE` (`-`: standard input).
    File(std::path::PathBuf),
    /// The `PQX_PASSWORD` environment variable.
    Environment,
    /// Typed at the no-echo prompt.
    Prompt,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Option => f.write_str("the password given with -p"),
            Source::File(p) if p.as_os_str() == "-" => {
                f.write_str("the password read from standard input (--password-file -)")
            }
            Source::File(p) => write!(f, "the password read from --password-file {}", p.display()),
            Source::Environment => write!(f, "the password in {PASSWORD_ENV}"),
            Source::Prompt => f.write_str("the password typed at the prompt"),
        }
    }
}

/// The three ways to give a password, for messages.
const THE_THREE_WAYS: &str =
    "give it with --password-file FILE, the PQX_PASSWORD environment variable, or -p PASSWORD";

/// The password given through an option, a file or the environment, if any, and where it
/// came from.
pub fn explicit(args: &PasswordArgs) -> Result<Option<(String, Source)>, Failure> {
    if let Some(p) = &args.password {
        eprintln!("pqx: warning: -p/--password shows the password in process lists; prefer --password-file or {PASSWORD_ENV}");
        return Ok(Some((p.clone(), Source::Option)));
    }
    if let Some(path) = &args.password_file {
        return Ok(Some((read_secret_file(path)?, Source::File(path.clone()))));
    }
    Ok(std::env::var(PASSWORD_ENV)
        .ok()
        .map(|p| (p, Source::Environment)))
}

/// The secret (password or PIN) in the first line of `path` (`-`: standard input), at most
/// `MAX_PASSWORD_FILE_SIZE` bytes read: UTF-8, without its line ending or Notepad's BOM (see
/// [`first_line`]). Shared by `--password-file` and `--pin-file`, so both read a file alike.
pub fn read_secret_file(path: &std::path::Path) -> Result<String, Failure> {
    let mut line = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(MAX_PASSWORD_FILE_SIZE)
            .read_line(&mut line)
            .map_err(|e| Failure::io(path, e))?;
    } else {
        let bytes = read_bounded(path, MAX_PASSWORD_FILE_SIZE)?;
        line = String::from_utf8(bytes).map_err(|_| {
            Failure::new(
                Exit::Key,
                format!("{}: the file is not UTF-8", path.display()),
            )
        })?;
    }
    Ok(first_line(&line).to_owned())
}

/// The password in the first line of a password file: without its line ending (LF or CRLF)
/// and without the UTF-8 byte order mark Windows Notepad writes at the start of a file (it
/// would otherwise become the password's first character).
fn first_line(text: &str) -> &str {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches(['\r', '\n'])
}

/// A wrong password from `source` for `what`: says which source, and how to give another.
fn wrong_password(e: pqx_core::Error, what: &str, source: &Source) -> Failure {
    if e.kind() != ErrorKind::WrongPassword {
        return Failure::from(e);
    }
    Failure::new(
        Exit::Key,
        format!("wrong password for {what}: {source} does not open it"),
    )
    .hint("check it, or give the right one with --password-file FILE, the PQX_PASSWORD environment variable, or -p PASSWORD")
}

/// Runs `attempt` with the password from `args`; without one, with the empty password and
/// then, if that is wrong and standard input is a terminal, with one typed at a prompt.
/// `what` names the file in the prompt and in messages. A wrong password is reported with
/// its source (`-p`, `--password-file`, `PQX_PASSWORD`, the prompt); no password and no
/// terminal to ask on is reported as such, with the three ways to give one.
pub fn with_password<T>(
    args: &PasswordArgs,
    what: &str,
    mut attempt: impl FnMut(&str) -> pqx_core::Result<T>,
) -> Result<T, Failure> {
    if let Some((p, source)) = explicit(args)? {
        return attempt(&p).map_err(|e| wrong_password(e, what, &source));
    }
    match attempt("") {
        Err(e) if e.kind() == ErrorKind::WrongPassword => {
            if !std::io::stdin().is_terminal() {
                return Err(Failure::new(
                    Exit::Key,
                    format!("{what} needs a password, none was given, and there is no terminal to ask for one"),
                )
                .hint(THE_THREE_WAYS));
            }
            let typed =
                rpassword::prompt_password(format!("Password for {what}: ")).map_err(|e| {
                    Failure::new(
                        Exit::Key,
                        format!("cannot read the password from the terminal: {e}"),
                    )
                })?;
            attempt(&typed).map_err(|e| wrong_password(e, what, &Source::Prompt))
        }
        other => other.map_err(Failure::from),
    }
}

#[cfg(test)]
mod tests {
    use super::first_line;

    #[test]
    fn password_file_drops_crlf_and_notepads_byte_order_mark() {
        assert_eq!(first_line("\u{feff}s3cret\r\nsecond line\r\n"), "s3cret");
        assert_eq!(first_line("s3cret\n"), "s3cret");
        assert_eq!(first_line("s3cret\r\n"), "s3cret");
        assert_eq!(first_line("\u{feff}"), "");
        // Only a leading mark is Notepad's; one inside is part of the password.
        assert_eq!(first_line("a\u{feff}b"), "a\u{feff}b");
    }
}
