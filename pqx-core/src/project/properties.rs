//! MSBuild properties: the ones the project defines and the reserved `MSBuildProject*` ones,
//! and `$(Name)` expansion.
//!
//! Only plain `$(Name)` references are expanded. Property functions (`$([System.IO.Path]…)`,
//! `$(Name.Trim())`), item lists (`@(…)`) and metadata (`%(…)`) would need MSBuild itself;
//! they are refused with [`Unevaluable`] rather than guessed.

use std::collections::HashMap;
use std::path::Path;

/// Why a value cannot be evaluated without MSBuild: the text that stopped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unevaluable(pub String);

/// The properties of one project, names compared without regard to case (as MSBuild does).
#[derive(Debug, Clone, Default)]
pub struct Properties {
    values: HashMap<String, String>,
    reserved: HashMap<String, String>,
}

impl Properties {
    /// The reserved properties of the project file at `project` (MSBuild sets them; a
    /// project cannot change them).
    pub fn for_project(project: &Path) -> Self {
        let text = |p: Option<&std::ffi::OsStr>| p.map(|s| s.to_string_lossy().into_owned());
        let dir = project
            .parent()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        let mut reserved = HashMap::new();
        let mut set = |k: &str, v: String| {
            reserved.insert(k.to_ascii_lowercase(), v);
        };
        set(
            "MSBuildProjectName",
            text(project.file_stem()).unwrap_or_default(),
        );
        set(
            "MSBuildProjectFile",
            text(project.file_name()).unwrap_or_default(),
        );
        set(
            "MSBuildProjectExtension",
            project
                .extension()
                .map(|e| format!(".{}", e.to_string_lossy()))
                .unwrap_or_default(),
        );
        set("MSBuildProjectDirectory", dir.clone());
        set("MSBuildThisFileDirectory", format!("{dir}/"));
        set("MSBuildProjectFullPath", project.display().to_string());
        Properties {
            values: HashMap::new(),
            reserved,
        }
    }

    /// The value of `name`, if the project defines it or it is reserved.
    pub fn get(&self, name: &str) -> Option<&str> {
        let key = name.to_ascii_lowercase();
        self.reserved
            .get(&key)
            .or_else(|| self.values.get(&key))
            .map(String::as_str)
    }

    /// Defines (or redefines) `name`; reserved names keep their value, as in MSBuild.
    pub fn set(&mut self, name: &str, value: String) {
        let key = name.to_ascii_lowercase();
        if !self.reserved.contains_key(&key) {
            self.values.insert(key, value);
        }
    }

    /// Expands every `$(Name)` in `text`. An undefined property expands to the empty string
    /// when `undefined_is_empty` (MSBuild's rule, used in conditions and property values);
    /// otherwise it is [`Unevaluable`] (in an item spec it would silently name another
    /// file, and MSBuild would take it from an environment variable pqx does not read).
    pub fn expand(&self, text: &str, undefined_is_empty: bool) -> Result<String, Unevaluable> {
        if text.contains("@(") || text.contains("%(") {
            return Err(Unevaluable(text.to_owned()));
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("$(") {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start + 2..).unwrap_or_default();
            let Some(end) = after.find(')') else {
                return Err(Unevaluable(text.to_owned()));
            };
            let name = after.get(..end).unwrap_or_default().trim();
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !plain {
                return Err(Unevaluable(format!("$({name})")));
            }
            match self.get(name) {
                Some(v) => out.push_str(v),
                None if undefined_is_empty => {}
                None => {
                    return Err(Unevaluable(format!(
                        "$({name}) (not defined by the project)"
                    )))
                }
            }
            rest = after.get(end + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expands_reserved_and_defined_properties_case_insensitively() {
        let mut p = Properties::for_project(Path::new("/x/TripPin.proj"));
        p.set("ConnectorName", "TripPin".into());
        p.set("msbuildprojectname", "Other".into());
        assert_eq!(
            p.expand("$(MsBuildProjectName)-$(CONNECTORNAME).pq", false),
            Ok("TripPin-TripPin.pq".into())
        );
        assert_eq!(p.expand("$(Nope)x", true), Ok("x".into()));
    }

    #[test]
    fn refuses_property_functions_item_lists_and_undefined_names_in_items() {
        let p = Properties::for_project(Path::new("/x/A.proj"));
        assert!(p
            .expand("$([System.IO.Path]::GetFileName('a'))", true)
            .is_err());
        assert!(p.expand("$(A.Trim())", true).is_err());
        assert!(p.expand("@(Compile)", true).is_err());
        assert!(p.expand("%(Filename)", true).is_err());
        assert!(p.expand("$(Undefined).pq", false).is_err());
        assert!(p.expand("$(Unclosed", true).is_err());
    }
}
