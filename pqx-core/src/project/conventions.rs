//! A project folder without a project file: the files the SDK's project template lists.
//!
//! The SDK's template packages the section document, its `.pqm` modules, its icons and its
//! `resources*.resx` string tables. Without a project file pqx takes, at the top of the
//! folder: `*.pq` that are not `*.query.pq` test queries, and `*.m`; `*.pqm`; `*.png`;
//! `resources*.resx`. The package is named after the section document.

use super::Sources;
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// Whether a top-level file is one the SDK's conventions package.
pub fn is_conventional(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.ends_with(".pq") && !n.ends_with(".query.pq"))
        || n.ends_with(".m")
        || n.ends_with(".pqm")
        || n.ends_with(".png")
        || (n.starts_with("resources") && n.ends_with(".resx"))
}

/// The project's name, its files (each with where it came from) and no notes.
pub fn sources(dir: &Path) -> Result<Sources> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(&shown, e))?;
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for e in entries.flatten() {
        // Links are not followed: a folder must not pull in files from elsewhere.
        if !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if e.file_name().to_str().is_some_and(is_conventional) {
            files.push((e.path(), "the SDK's conventions".to_owned()));
        }
    }
    files.sort();
    let section: Vec<String> = files
        .iter()
        .filter_map(|(p, _)| p.file_name()?.to_str())
        .filter(|n| {
            let l = n.to_ascii_lowercase();
            (l.ends_with(".pq") && !l.ends_with(".query.pq")) || l.ends_with(".m")
        })
        .map(|n| n.rsplit_once('.').map_or(n, |(stem, _)| stem).to_owned())
        .collect();
    let name = match section.as_slice() {
        [one] => one.clone(),
        // plan() names the problem (none, or several) with the file list.
        _ => dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    Ok((name, files, Vec::new()))
}
