//! MSBuild item wildcards: `*` and `?` inside one path segment, `**` for any number of
//! folders, `\` or `/` as separator, names compared without regard to ASCII case (as MSBuild
//! does on Windows, where the SDK runs).
//!
//! Expansion walks the file system under the project folder in sorted order, never follows
//! symbolic links (a project folder must not pull in files from elsewhere through a link),
//! and is bounded by [`MAX_MATCHES`], [`MAX_DEPTH`] and [`MAX_DIRECTORIES`] so that a `**`
//! over a huge tree fails with [`Error::LimitExceeded`] instead of running for minutes.

use crate::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// Most files one build collects from wildcards: far above any connector.
pub const MAX_MATCHES: usize = 4_096;
/// Deepest folder a `**` descends into below the folder it starts from.
pub const MAX_DEPTH: usize = 32;
/// Most folders one build's wildcards may visit.
pub const MAX_DIRECTORIES: usize = 10_000;

/// Whether `spec` (an `Include`, `Exclude` or `Remove` value) has a wildcard.
pub fn has_wildcard(spec: &str) -> bool {
    spec.contains(['*', '?'])
}

/// Splits an item spec into path segments (`\` and `/` both separate).
fn segments(spec: &str) -> Vec<&str> {
    spec.split(['\\', '/']).filter(|s| !s.is_empty()).collect()
}

/// The path `spec` names under `base`, without wildcards: `.` dropped, `..` applied
/// lexically where it can be, so that the same file always gets the same path.
pub fn literal_path(base: &Path, spec: &str) -> PathBuf {
    normalize(&base.join(segments(spec).join("/")))
}

/// Lexical normalisation: drops `.` and folds `name/..`.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether the name `name` matches the one-segment pattern `pattern` (`*` any run of
/// characters, `?` one character, ASCII case ignored).
pub fn segment_matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let n: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Iterative matcher with one backtrack point: linear-ish, no recursion.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// Walk state shared by every expansion of one build, so the bounds hold for the whole build.
#[derive(Debug, Default)]
pub struct Budget {
    matches: usize,
    directories: usize,
}

/// The regular files under `base` that `spec` matches, sorted and without duplicates.
pub fn expand(base: &Path, spec: &str, budget: &mut Budget) -> Result<Vec<PathBuf>> {
    let segs = segments(spec);
    // Leading literal segments (`..`, folder names) are joined as they are.
    let first_wild = segs
        .iter()
        .position(|s| has_wildcard(s))
        .unwrap_or(segs.len());
    let (literal, rest) = segs.split_at(first_wild);
    let start = normalize(&base.join(literal.join("/")));
    let mut out = Vec::new();
    if rest.is_empty() {
        if is_regular_file(&start) {
            out.push(start);
        }
        return Ok(out);
    }
    walk(&start, rest, 0, budget, &mut out)?;
    out.sort();
    out.dedup();
    Ok(out)
}

fn is_regular_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Sorted (name, path, is_dir) of the entries of `dir` that are regular files or folders;
/// links are left out. An unreadable or missing folder matches nothing, as in MSBuild.
fn list(dir: &Path, budget: &mut Budget) -> Result<Vec<(String, PathBuf, bool)>> {
    budget.directories += 1;
    if budget.directories > MAX_DIRECTORIES {
        return Err(Error::LimitExceeded(format!(
            "wildcards visit more than {MAX_DIRECTORIES} folders under {}",
            dir.display()
        )));
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() || !(kind.is_file() || kind.is_dir()) {
            continue;
        }
        if let Some(name) = entry.file_name().to_str() {
            out.push((name.to_owned(), entry.path(), kind.is_dir()));
        }
    }
    out.sort();
    Ok(out)
}

fn walk(
    dir: &Path,
    segs: &[&str],
    depth: usize,
    budget: &mut Budget,
    out: &mut Vec<PathBuf>,
) -> Result<()> {
    let Some((&seg, rest)) = segs.split_first() else {
        return Ok(());
    };
    if depth > MAX_DEPTH {
        return Err(Error::LimitExceeded(format!(
            "a ** wildcard descends more than {MAX_DEPTH} folders below {}",
            dir.display()
        )));
    }
    if seg == "**" {
        // Zero folders, then each sub-folder with the ** still in front.
        walk(dir, rest, depth, budget, out)?;
        for (_, path, is_dir) in list(dir, budget)? {
            if is_dir {
                walk(&path, segs, depth + 1, budget, out)?;
            }
        }
        return Ok(());
    }
    if rest.is_empty() {
        for (name, path, is_dir) in list(dir, budget)? {
            if !is_dir && segment_matches(seg, &name) {
                budget.matches += 1;
                if budget.matches > MAX_MATCHES {
                    return Err(Error::LimitExceeded(format!(
                        "wildcards match more than {MAX_MATCHES} files under {}",
                        dir.display()
                    )));
                }
                out.push(normalize(&path));
            }
        }
        return Ok(());
    }
    if !has_wildcard(seg) {
        return walk(&dir.join(seg), rest, depth + 1, budget, out);
    }
    for (name, path, is_dir) in list(dir, budget)? {
        if is_dir && segment_matches(seg, &name) {
            walk(&path, rest, depth + 1, budget, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark_match_within_a_segment_ignoring_case() {
        assert!(segment_matches("*.pqm", "Diagnostics.pqm"));
        assert!(segment_matches("*.PQM", "a.pqm"));
        assert!(segment_matches("Trip?in.pq", "TripPin.pq"));
        assert!(segment_matches("*", ""));
        assert!(segment_matches("a*b*c", "aXXbYYc"));
        assert!(!segment_matches("*.pqm", "Diagnostics.pq"));
        assert!(!segment_matches("a*b*c", "aXXbYY"));
        assert!(!segment_matches("?", ""));
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, f.as_bytes()).unwrap();
        }
        dir
    }

    fn names(base: &Path, spec: &str) -> Vec<String> {
        expand(base, spec, &mut Budget::default())
            .unwrap()
            .iter()
            .map(|p| {
                p.strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect()
    }

    #[test]
    fn double_star_matches_any_number_of_folders_including_none() {
        let d = tree(&["a.pqm", "m/b.pqm", "m/n/c.pqm", "m/n/c.pq"]);
        assert_eq!(
            names(d.path(), "**\\*.pqm"),
            ["a.pqm", "m/b.pqm", "m/n/c.pqm"]
        );
        assert_eq!(names(d.path(), "m/**/*.pqm"), ["m/b.pqm", "m/n/c.pqm"]);
        assert_eq!(names(d.path(), "*.pqm"), ["a.pqm"]);
        assert_eq!(names(d.path(), "m\\*\\c.*"), ["m/n/c.pq", "m/n/c.pqm"]);
    }

    #[cfg(unix)]
    #[test]
    fn wildcards_do_not_follow_symbolic_links() {
        let outside = tree(&["secret.pqm"]);
        let d = tree(&["a.pqm"]);
        std::os::unix::fs::symlink(outside.path(), d.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.pqm"), d.path().join("b.pqm"))
            .unwrap();
        assert_eq!(names(d.path(), "**/*.pqm"), ["a.pqm"]);
    }

    #[test]
    fn literal_paths_fold_dot_segments() {
        let base = Path::new("/p/proj");
        assert_eq!(
            literal_path(base, ".\\x\\..\\a.pq"),
            PathBuf::from("/p/proj/a.pq")
        );
        assert_eq!(
            literal_path(base, "..\\shared\\m.pqm"),
            PathBuf::from("/p/shared/m.pqm")
        );
    }
}
