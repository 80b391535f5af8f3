//! One module per command; each is a thin composition of pqx-core functions.

mod audit;
mod build;
mod check;
mod demo;
mod generate;
mod inspect;
mod overlap;
mod pack;
mod sign;
mod thumbprint;
mod trust;
mod unpack;
mod verify;

use crate::cli::Command;
use crate::failure::{Exit, Failure};
use std::path::Path;

/// Runs a parsed command.
pub fn run(command: &Command) -> Result<Exit, Failure> {
    match command {
        Command::Pack(a) => pack::run(a),
        Command::Build(a) => build::run(a),
        Command::Sign(a) => sign::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Unpack(a) => unpack::run(a),
        Command::Thumbprint(a) => thumbprint::run(a),
        Command::Check(a) => check::run(a),
        Command::Trust(a) => trust::run(a),
        Command::Keys(crate::cli::KeysArgs {
            command:
                crate::cli::KeysCommand::List {
                    pkcs11_module,
                    pin_file,
                },
        }) => crate::pkcs11::list(pkcs11_module, pin_file.as_deref()),
        Command::Demo(a) => demo::run(a),
        Command::Completions(a) => generate::completions(a),
        Command::Manpage(a) => generate::manpage(a),
    }
}

/// The file name of `path`, as pqx-core names files in its messages.
fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
