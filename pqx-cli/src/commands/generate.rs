//! `pqx completions SHELL` and `pqx manpage [--out-dir DIR]`, generated from the clap
//! definition so they always match the real options.

use crate::cli::{command, CompletionsArgs, ManpageArgs};
use crate::failure::{Exit, Failure};

/// Prints the completion script for a shell.
pub fn completions(args: &CompletionsArgs) -> Result<Exit, Failure> {
    // Rendered in memory first: clap_complete panics on a write error, and `| head` closes
    // the pipe early; crate::output ends the process quietly then, as coreutils do.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command(), "pqx", &mut script);
    crate::output::write_bytes(&script);
    Ok(Exit::Success)
}

/// Prints `pqx.1`, or writes it and one page per command into a folder.
pub fn manpage(args: &ManpageArgs) -> Result<Exit, Failure> {
    let cmd = command();
    match &args.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| Failure::io(dir, e))?;
            clap_mangen::generate_to(cmd, dir).map_err(|e| Failure::io(dir, e))?;
        }
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| Failure::io(std::path::Path::new("<stdout>"), e))?;
            crate::output::write_bytes(&page);
        }
    }
    Ok(Exit::Success)
}
