//! `pqx-bench-tool`: makes benchmark inputs and runs single library operations, for
//! `benches/compare.sh`.
//!
//! ```text
//! pqx-bench-tool gen stored|deflated SIZE ENTRIES [--tree]   # prints the files it made
//! pqx-bench-tool key                                          # prints key.pem and chain.pem
//! pqx-bench-tool verify FILE | sign IN OUT | pack MEZ OUT | hash FILE
//! ```
//!
//! Inputs go to `$PQX_BENCH_DIR` (default `target/pqx-bench-inputs`). `verify`, `sign` and
//! `pack` call `pqx_core::files` exactly as the `pqx` CLI does; `hash` reads a file once
//! through SHA-256 (the in-process floor).

use pqx_benches::{
    bench_key, input_dir, mez_file, parse_size, sha256_file, signed_file, write_tree, Spec,
};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match run(&a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pqx-bench-tool: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(a: &[&str]) -> Result<(), Box<dyn std::error::Error>> {
    let dir = input_dir();
    match a {
        ["gen", kind, size, entries, rest @ ..] => {
            let size = parse_size(size).ok_or("bad SIZE")?;
            let entries: usize = entries.parse()?;
            let spec = match *kind {
                "stored" => Spec::stored(size, entries),
                "deflated" => Spec::deflated(size, entries),
                _ => return Err("KIND is stored or deflated".into()),
            };
            println!("{}", mez_file(&dir, &spec).display());
            println!("{}", signed_file(&dir, &spec).display());
            if rest.contains(&"--tree") {
                let tree = dir.join(format!("{}.d", spec.stem()));
                if !tree.exists() {
                    let tmp = dir.join(format!(".{}.d.partial", spec.stem()));
                    let _ = std::fs::remove_dir_all(&tmp);
                    write_tree(&spec, &tmp)?;
                    std::fs::rename(&tmp, &tree)?;
                }
                println!("{}", tree.display());
            }
        }
        ["key"] => {
            bench_key(&dir);
            println!("{}", dir.join("key.pem").display());
            println!("{}", dir.join("chain.pem").display());
        }
        ["verify", file] => {
            let v = pqx_core::files::verify_file(Path::new(file), &Default::default())?;
            if !v.is_valid() {
                return Err(format!("{file}: {}", v.status.name()).into());
            }
        }
        ["sign", input, output] => {
            let key = bench_key(&dir);
            pqx_core::files::sign_file(
                Path::new(input),
                Path::new(output),
                &key,
                &pqx_core::sign::SignOptions::default(),
            )?;
        }
        ["pack", mez, output] => {
            pqx_core::files::pack_file(Path::new(mez), Path::new(output), &Default::default())?
        }
        ["hash", file] => {
            let digest = sha256_file(Path::new(file))?;
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            println!("{hex}");
        }
        _ => return Err("usage: gen KIND SIZE ENTRIES [--tree] | key | verify FILE | sign IN OUT | pack MEZ OUT | hash FILE".into()),
    }
    Ok(())
}
