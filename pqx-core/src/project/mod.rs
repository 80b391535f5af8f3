//! Building a `.mez` from a Power Query SDK project, as the SDK's `BuildMez` target does,
//! without MSBuild.
//!
//! The SDK copies the project's `MezContent` items into one folder (so each file keeps only
//! its file name) and zips that folder. [`plan`] works out the same list — from the project
//! file ([`msbuild`]), or without one from the SDK's conventions ([`conventions`]) — and
//! refuses what would make a broken or surprising package: a listed file that does not
//! exist, two different files that would land under one name, no section document.
//! [`write_mez`] then zips the files deterministically (sorted names, the fixed timestamps
//! and deflate choice of `ArchiveWriter`), so the same folder always gives the same bytes.

pub mod condition;
pub mod conventions;
pub mod glob;
pub mod msbuild;
pub mod properties;

use crate::archive::ArchiveWriter;
use crate::limits::Limits;
use crate::mez::FileKind;
use crate::{Error, Result};
use msbuild::ItemAction;
use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// One file of the package to build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedFile {
    /// Its name in the package: the source's file name (the SDK copies items flat).
    pub name: String,
    /// Where it is read from.
    pub source: PathBuf,
}

/// What [`plan`] found: the package's files and where it goes.
#[derive(Debug, Clone)]
pub struct BuildPlan {
    /// The project's name: the `.mez` is `<name>.mez` (the SDK's `MezOutputPath`).
    pub name: String,
    /// The project folder.
    pub dir: PathBuf,
    /// The project file, or `None` when the SDK's conventions were used.
    pub project_file: Option<PathBuf>,
    /// The package's files, sorted by name.
    pub files: Vec<PlannedFile>,
    /// Files at the top of the project folder that the package leaves out (the project
    /// file and test queries included): a new module not added to the project shows here.
    pub left_out: Vec<String>,
    /// What was not evaluated but cannot change the package (see [`msbuild`]).
    pub notes: Vec<String>,
}

impl BuildPlan {
    /// Where the SDK writes the package: `<dir>/bin/AnyCPU/Debug/<name>.mez`.
    pub fn default_output(&self) -> PathBuf {
        self.dir
            .join("bin")
            .join("AnyCPU")
            .join("Debug")
            .join(format!("{}.mez", self.name))
    }
}

/// Largest file a build packages: 256 MiB, the part-size limit pack and verify apply anyway.
pub fn max_file_size(limits: &Limits) -> u64 {
    limits.max_part_size
}

/// Works out the package for `path`: a project file (`X.proj`), or a folder holding one
/// project file, or a folder without one (the SDK's conventions). Several project files in
/// one folder are refused, as MSBuild refuses them.
pub fn plan(path: &Path, limits: &Limits) -> Result<BuildPlan> {
    // Absolute (not canonical: links stay as named), as MSBuild's MSBuildProjectDirectory,
    // so that every path of the build compares equal however the folder was named.
    let path = &std::path::absolute(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let (dir, project) = if meta.is_dir() {
        let found = project_files(path)?;
        match found.as_slice() {
            [] => (path.to_path_buf(), None),
            [one] => (path.to_path_buf(), Some(one.clone())),
            many => {
                let names: Vec<String> = many.iter().map(|p| file_name(p)).collect();
                return Err(Error::InvalidArgument(format!(
                    "{} holds more than one project file ({}): name the one to build",
                    path.display(),
                    names.join(", ")
                )));
            }
        }
    } else {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        (dir.to_path_buf(), Some(path.to_path_buf()))
    };
    let (name, sources, notes) = match &project {
        Some(p) => from_project(p, &dir, limits)?,
        None => conventions::sources(&dir)?,
    };
    let what = project
        .as_deref()
        .map(file_name)
        .unwrap_or_else(|| format!("{} (no project file)", dir.display()));
    let files = flatten(&what, sources)?;
    require_one_section_document(&what, &files)?;
    let left_out = left_out(&dir, &files)?;
    Ok(BuildPlan {
        name,
        dir,
        project_file: project,
        files,
        left_out,
        notes,
    })
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

/// The `*.proj` files at the top of `dir`, sorted.
fn project_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("proj"))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// What a project yields before flattening: its name, each source file with where it was
/// listed (for messages), and notes.
pub type Sources = (String, Vec<(PathBuf, String)>, Vec<String>);

/// The project's name and its `MezContent` files (each with where it was listed).
fn from_project(project: &Path, dir: &Path, limits: &Limits) -> Result<Sources> {
    let what = file_name(project);
    let bytes = crate::bounded_read::read_bounded(project, msbuild::MAX_PROJECT_SIZE)?;
    let text = crate::xml::decode_text(&bytes, &what)?;
    let evaluated = msbuild::evaluate(project, text, limits)?;
    if evaluated.items.is_empty() {
        return Err(Error::Mez(format!(
            "{what} lists no MezContent items: it is not a Power Query SDK connector project"
        )));
    }
    let mut budget = glob::Budget::default();
    let mut files: Vec<(PathBuf, String)> = Vec::new();
    for item in &evaluated.items {
        let origin = format!("{what} line {}", item.line);
        let mut matched = Vec::new();
        for spec in &item.specs {
            if glob::has_wildcard(spec) {
                matched.extend(glob::expand(dir, spec, &mut budget)?);
            } else if item.action == ItemAction::Include {
                let path = glob::literal_path(dir, spec);
                if !path.is_file() {
                    return Err(Error::Mez(format!(
                        "{origin}: MezContent {spec:?} does not exist ({})",
                        path.display()
                    )));
                }
                matched.push(path);
            } else {
                matched.push(glob::literal_path(dir, spec));
            }
        }
        match item.action {
            ItemAction::Include => {
                let mut excluded = Vec::new();
                for spec in &item.exclude {
                    if glob::has_wildcard(spec) {
                        excluded.extend(glob::expand(dir, spec, &mut budget)?);
                    } else {
                        excluded.push(glob::literal_path(dir, spec));
                    }
                }
                files.extend(
                    matched
                        .into_iter()
                        .filter(|p| !excluded.contains(p))
                        .map(|p| (p, origin.clone())),
                );
            }
            ItemAction::Remove => files.retain(|(p, _)| !matched.contains(p)),
        }
    }
    Ok((project_name(project, &evaluated), files, evaluated.notes))
}

/// The name the SDK gives the `.mez`: the file name of `MezOutputPath` when the project
/// defines it (`$(ConnectorName).mez` in the TripPin samples), else the project's name.
fn project_name(project: &Path, evaluated: &msbuild::ProjectItems) -> String {
    let from_output = evaluated
        .properties
        .get("MezOutputPath")
        .and_then(|p| p.rsplit(['\\', '/']).next())
        .and_then(|f| f.strip_suffix(".mez"))
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    from_output.unwrap_or_else(|| {
        project
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    })
}

/// Names each source by its file name (the SDK's flat copy), dropping repeats of the same
/// file and refusing two different files under one name (compared without regard to case:
/// they would overwrite each other on Windows and collide in the package).
fn flatten(what: &str, sources: Vec<(PathBuf, String)>) -> Result<Vec<PlannedFile>> {
    let mut by_key: BTreeMap<String, (PlannedFile, String)> = BTreeMap::new();
    for (source, origin) in sources {
        let Some(name) = source
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
        else {
            return Err(Error::Mez(format!(
                "{origin}: {} has no file name that is valid Unicode",
                source.display()
            )));
        };
        let key = name.to_lowercase();
        if let Some((first, first_origin)) = by_key.get(&key) {
            if first.source == source {
                continue;
            }
            return Err(Error::Mez(format!(
                "{what}: {} ({first_origin}) and {} ({origin}) would both be packaged as {name:?}",
                first.source.display(),
                source.display()
            )));
        }
        by_key.insert(key, (PlannedFile { name, source }, origin));
    }
    let mut files: Vec<PlannedFile> = by_key.into_values().map(|(f, _)| f).collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn require_one_section_document(what: &str, files: &[PlannedFile]) -> Result<()> {
    let sections: Vec<&str> = files
        .iter()
        .filter(|f| FileKind::of(&f.name) == FileKind::SectionDocument)
        .map(|f| f.name.as_str())
        .collect();
    match sections.as_slice() {
        [_] => Ok(()),
        [] => {
            let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
            Err(Error::Mez(format!(
                "{what}: no section document (a .pq that is not .query.pq, or a .m) among {}",
                if names.is_empty() {
                    "no files".to_owned()
                } else {
                    names.join(", ")
                }
            )))
        }
        many => Err(Error::Mez(format!(
            "{what}: more than one section document: {}",
            many.join(", ")
        ))),
    }
}

/// Regular files at the top of `dir` that are not packaged, sorted.
fn left_out(dir: &Path, files: &[PlannedFile]) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir.display().to_string(), e))?;
    let packaged: Vec<PathBuf> = files.iter().map(|f| glob::normalize(&f.source)).collect();
    let mut out: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| !packaged.contains(&glob::normalize(&e.path())))
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .collect();
    out.sort();
    Ok(out)
}

/// Zips the plan's files into a `.mez` written to `out`: sorted names, fixed timestamps,
/// each file deflated or stored as `ArchiveWriter::add_smaller` decides from its bytes.
/// A file bigger than `limits.max_part_size` is refused before anything is read.
pub fn write_mez<W: Write + Seek>(plan: &BuildPlan, out: W, limits: &Limits) -> Result<W> {
    let mut w = ArchiveWriter::new(out);
    for f in &plan.files {
        let shown = f.source.display().to_string();
        let size = std::fs::metadata(&f.source)
            .map_err(|e| Error::io(&shown, e))?
            .len();
        if size > max_file_size(limits) {
            return Err(Error::LimitExceeded(format!(
                "{shown} is {size} bytes, more than the {} a connector file may have",
                max_file_size(limits)
            )));
        }
        w.add_smaller(&f.name, size, &mut |sink| {
            stream_file(&f.source, size, sink)
        })?;
    }
    w.finish()
}

/// Streams the file at `path` to `sink`, refusing it if it no longer has `size` bytes
/// (changed while the package was being written).
fn stream_file(path: &Path, size: u64, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let shown = path.display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(&shown, e))?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| Error::io(&shown, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > size {
            break;
        }
        sink(buf.get(..n).unwrap_or_default())?;
    }
    if total != size {
        return Err(Error::Mez(format!(
            "{shown} changed while it was being packaged ({size} bytes, then {total})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
