//! `pqx`: pack, sign and verify Power Query connectors (.pqx) on every OS — a drop-in for
//! MakePQX, and the tool an administrator needs to trust a connector.
//!
//! The commands are thin: parsing and help live in [`cli`], each command composes pqx-core
//! functions in [`commands`], and every failure becomes one line on standard error and one
//! of the documented exit statuses ([`failure::Exit`]).

#![forbid(unsafe_code)]

#[macro_use]
mod output;
mod cli;
mod commands;
mod external_signer;
mod failure;
mod interrupt;
mod password;
mod paths;
mod pkcs11;
mod progress;
mod registry;
mod signer;
mod two_step;

use clap::FromArgMatches;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::normalize_args(std::env::args_os());
    let parsed = cli::command()
        .try_get_matches_from(args)
        .and_then(|m| cli::Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        // Help and version print to standard output with status 0, errors to standard
        // error with status 2 (usage error).
        Err(e) => e.exit(),
    };
    interrupt::install();
    match commands::run(&cli.command) {
        Ok(exit) => exit.into(),
        Err(failure) => {
            eprintln!("pqx: error: {failure}");
            failure.exit.into()
        }
    }
}
