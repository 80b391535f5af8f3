//! How a command fails: an exit status and one line for standard error.
//!
//! Every error of pqx-core is mapped to one of the documented exit statuses by its
//! [`ErrorKind`] (never by its text), and gets a hint where there is something the user can
//! do about it. The line is `pqx: error: <what failed, which file> — <hint>`.

use pqx_core::{Error, ErrorKind};
use std::fmt;
use std::process::ExitCode;

/// The documented exit statuses (see `pqx --help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: success.
    Success = 0,
    /// 1: the signature is not valid, or the check found errors.
    NotValid = 1,
    /// 2: usage error.
    Usage = 2,
    /// 3: an input is unreadable or malformed, or an output cannot be written.
    Input = 3,
    /// 4: key or password problem.
    Key = 4,
    /// 5: refused by policy.
    Policy = 5,
    /// 6: time-stamping failed (no time-stamping authority gave a usable token); nothing was
    /// written. Distinct from 3 so that scripts can retry a transient TSA or network outage.
    Timestamp = 6,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub exit: Exit,
    /// What failed (one line).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Failure {
    /// A failure with a message and no hint.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds (or replaces) the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// An I/O failure on `path` (exit 3).
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        Failure::from(Error::io(path.display().to_string(), e))
    }
}

/// A failure while writing `target`: a full disk, an exhausted quota or a file too large
/// for the file system is named as such, with the file ("no space left on device while
/// writing X.pqx"), instead of the archive writer's view of it.
pub fn writing(target: &std::path::Path, e: Error) -> Failure {
    let cause = match &e {
        Error::Io { source, .. } => match source.kind() {
            std::io::ErrorKind::StorageFull => Some("no space left on device"),
            std::io::ErrorKind::QuotaExceeded => Some("disk quota exceeded"),
            std::io::ErrorKind::FileTooLarge => Some("file too large for the file system"),
            _ => None,
        },
        _ => None,
    };
    match cause {
        Some(cause) => Failure::new(
            Exit::Input,
            format!("{cause} while writing {}", target.display()),
        )
        .hint("free some space or write elsewhere (-t/--target); nothing was written and the input is unchanged"),
        None => Failure::from(e),
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the message holds, and no control or bidi character from a
        // package (part or certificate names quoted in errors) reaching the terminal.
        let one_line = |s: &str| {
            let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
            pqx_core::text::display_safe(&joined).into_owned()
        };
        write!(f, "{}", one_line(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, " — {}", one_line(h))?;
        }
        Ok(())
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let exit = match e.kind() {
            ErrorKind::InvalidArgument => Exit::Usage,
            ErrorKind::Key | ErrorKind::WrongPassword => Exit::Key,
            ErrorKind::SigningPolicy => Exit::Policy,
            ErrorKind::Timestamp => Exit::Timestamp,
            // A CMS structure that is malformed or does not verify is a malformed input.
            ErrorKind::Cms => Exit::Input,
            _ => Exit::Input,
        };
        let hint = cli_hint(&e).or_else(|| e.hint());
        let failure = Failure::new(exit, e.to_string());
        match hint {
            Some(h) => failure.hint(h),
            None => failure,
        }
    }
}

/// Hints that name the CLI's own options; every other hint is the core's ([`Error::hint`]),
/// the same words the C, .NET and JavaScript bindings show.
fn cli_hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::WrongPassword(_) => Some("pass it with --password-file FILE or PQX_PASSWORD (or -p)"),
        Error::Key { .. } => Some("--certificate takes a .pfx/.p12; --key a PEM or DER RSA private key, with --cert its PEM chain"),
        Error::Timestamp(_) => Some("check the --timestamper URLs and the network, add another --timestamper, or raise --timestamp-retries / --timestamp-timeout; nothing was written"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_error_kinds_to_the_documented_exit_statuses() {
        assert_eq!(
            Failure::from(Error::WrongPassword("a.pfx".into())).exit,
            Exit::Key
        );
        assert_eq!(
            Failure::from(Error::SigningPolicy("x".into())).exit,
            Exit::Policy
        );
        assert_eq!(Failure::from(Error::zip("x")).exit, Exit::Input);
        assert_eq!(
            Failure::from(Error::InvalidArgument("x".into())).exit,
            Exit::Usage
        );
        assert_eq!(
            Failure::from(Error::Timestamp("x".into())).exit,
            Exit::Timestamp
        );
        assert_eq!(Failure::from(Error::Cms("x".into())).exit, Exit::Input);
    }

    #[test]
    fn a_full_disk_is_named_with_the_file_being_written() {
        let full = Error::io(
            "the output (writing /a.png)",
            std::io::Error::from(std::io::ErrorKind::StorageFull),
        );
        let f = writing(std::path::Path::new("out/X.pqx"), full);
        assert_eq!(f.exit, Exit::Input);
        assert!(
            f.to_string()
                .starts_with("no space left on device while writing out/X.pqx — "),
            "{f}"
        );
        let other = writing(std::path::Path::new("X.pqx"), Error::zip("bad"));
        assert_eq!(
            other.to_string(),
            "malformed ZIP archive: bad — is it a .mez or .pqx file?"
        );
    }

    #[test]
    fn prints_one_line_with_the_hint() {
        let f = Failure::from(Error::WrongPassword("alice.pfx".into()));
        assert_eq!(
            f.to_string(),
            "wrong password for alice.pfx — pass it with --password-file FILE or PQX_PASSWORD (or -p)"
        );
        assert_eq!(Failure::new(Exit::Input, "a\nb").to_string(), "a b");
        assert_eq!(
            Failure::new(Exit::Input, "part a\x1b[2K\u{202E}b").to_string(),
            "part a\\x1b[2K\\u{202e}b"
        );
    }
}
