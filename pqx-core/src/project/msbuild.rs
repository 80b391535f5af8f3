//! Reading an SDK project file (`X.proj`): its properties and its `MezContent` items.
//!
//! The Power Query SDK's `BuildMez` target copies `@(MezContent)` into one folder and zips
//! that folder; nothing else in the project decides what the `.mez` holds. So pqx evaluates
//! exactly the project's static part: `PropertyGroup`s (in document order, each property
//! seeing the ones before it) and `ItemGroup`s' `MezContent` elements with `Include`
//! (`;`-separated, wildcards), `Exclude` and `Remove`, under the `Condition`s
//! [`condition`] can evaluate. Targets are not run. What would need
//! MSBuild itself (an unevaluable condition, `<Choose>`, an `<Import>` or `Sdk` that could
//! add items) is either refused with an error naming the file and line, or reported in
//! [`ProjectItems::notes`] when it cannot change the items.
//!
//! The file is parsed by pqx's hardened XML parser: no DTD, bounded size, depth and attributes.

use super::condition;
use super::properties::{Properties, Unevaluable};
use crate::limits::Limits;
use crate::{Error, Result};
use roxmltree::Node;
use std::path::Path;

/// Largest project file pqx reads: 1 MiB (the SDK's template is about 1.5 KiB).
pub const MAX_PROJECT_SIZE: u64 = 1 << 20;

/// What an item element does to the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemAction {
    /// `Include="…"` (with its `Exclude`).
    Include,
    /// `Remove="…"`: drops matching items included before it.
    Remove,
}

/// One `MezContent` element, its values expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSpec {
    /// Include or Remove.
    pub action: ItemAction,
    /// The `;`-separated specs (trimmed, empty ones dropped).
    pub specs: Vec<String>,
    /// The `Exclude` specs.
    pub exclude: Vec<String>,
    /// Line of the element in the project file, for messages.
    pub line: u32,
}

/// The evaluated static part of a project.
#[derive(Debug, Clone)]
pub struct ProjectItems {
    /// The properties after every `PropertyGroup`.
    pub properties: Properties,
    /// The `MezContent` elements, in document order.
    pub items: Vec<ItemSpec>,
    /// Things pqx did not evaluate that cannot change the items (`Sdk`, targets).
    pub notes: Vec<String>,
}

/// Parses and evaluates the project file at `path`, whose text is `text`.
pub fn evaluate(path: &Path, text: &str, limits: &Limits) -> Result<ProjectItems> {
    let what = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let doc = crate::xml::parse(text, &what, limits)?;
    let root = doc.root_element();
    if root.tag_name().name() != "Project" {
        return Err(Error::xml(
            &what,
            format!(
                "the root element is <{}>, not an MSBuild <Project>",
                root.tag_name().name()
            ),
        ));
    }
    let mut ev = Evaluator {
        what: &what,
        doc: &doc,
        properties: Properties::for_project(path),
        items: Vec::new(),
        notes: Vec::new(),
    };
    if let Some(sdk) = root.attribute("Sdk") {
        ev.notes.push(format!(
            "{what}: Sdk=\"{sdk}\" is not read; only the project's own MezContent items are packaged"
        ));
    }
    for node in root.children().filter(Node::is_element) {
        let name = node.tag_name().name();
        if matches!(name, "Import" | "ImportGroup" | "Choose") {
            return Err(ev.error(
                node,
                format!("<{name}> could define properties or MezContent items, and pqx does not evaluate it"),
            ));
        }
        if !matches!(name, "PropertyGroup" | "ItemGroup") || !ev.condition(node)? {
            continue;
        }
        if name == "PropertyGroup" {
            ev.property_group(node)?;
        } else {
            ev.item_group(node)?;
        }
    }
    Ok(ProjectItems {
        properties: ev.properties,
        items: ev.items,
        notes: ev.notes,
    })
}

struct Evaluator<'a, 'input> {
    what: &'a str,
    doc: &'a roxmltree::Document<'input>,
    properties: Properties,
    items: Vec<ItemSpec>,
    notes: Vec<String>,
}

impl Evaluator<'_, '_> {
    fn line(&self, node: Node) -> u32 {
        self.doc.text_pos_at(node.range().start).row
    }

    fn error(&self, node: Node, reason: String) -> Error {
        Error::xml(self.what, format!("line {}: {reason}", self.line(node)))
    }

    fn unevaluable(&self, node: Node, what: &str, u: Unevaluable) -> Error {
        self.error(
            node,
            format!(
                "{what} {:?} cannot be evaluated without MSBuild (pqx does not guess: \
                 simplify it, or build with MSBuild)",
                u.0
            ),
        )
    }

    /// The element's `Condition`, evaluated (true when absent).
    fn condition(&self, node: Node) -> Result<bool> {
        match node.attribute("Condition") {
            None => Ok(true),
            Some(c) => condition::evaluate(c, &self.properties)
                .map_err(|u| self.unevaluable(node, "Condition", u)),
        }
    }

    fn property_group(&mut self, group: Node) -> Result<()> {
        for p in group.children().filter(Node::is_element) {
            if !self.condition(p)? {
                continue;
            }
            if p.children().any(|c| c.is_element()) {
                return Err(self.error(
                    p,
                    format!("property <{}> holds XML elements", p.tag_name().name()),
                ));
            }
            let raw = p.text().unwrap_or_default();
            let value = self
                .properties
                .expand(raw, true)
                .map_err(|u| self.unevaluable(p, "property value", u))?;
            self.properties.set(p.tag_name().name(), value);
        }
        Ok(())
    }

    fn item_group(&mut self, group: Node) -> Result<()> {
        for item in group.children().filter(Node::is_element) {
            if !item.tag_name().name().eq_ignore_ascii_case("MezContent") {
                continue;
            }
            if !self.condition(item)? {
                continue;
            }
            let (action, value) = match (item.attribute("Include"), item.attribute("Remove")) {
                (Some(v), None) => (ItemAction::Include, v),
                (None, Some(v)) => (ItemAction::Remove, v),
                _ => {
                    return Err(self.error(
                        item,
                        "a MezContent element needs exactly one of Include and Remove".into(),
                    ))
                }
            };
            if item.attribute("Update").is_some() {
                self.notes.push(format!(
                    "{}: line {}: MezContent Update= changes metadata only; ignored",
                    self.what,
                    self.line(item)
                ));
            }
            let specs = self.spec_list(item, value)?;
            let exclude = match item.attribute("Exclude") {
                Some(e) => self.spec_list(item, e)?,
                None => Vec::new(),
            };
            self.items.push(ItemSpec {
                action,
                specs,
                exclude,
                line: self.line(item),
            });
        }
        Ok(())
    }

    fn spec_list(&self, item: Node, value: &str) -> Result<Vec<String>> {
        let expanded = self
            .properties
            .expand(value, false)
            .map_err(|u| self.unevaluable(item, "item", u))?;
        Ok(expanded
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "xmlns=\"http://schemas.microsoft.com/developer/msbuild/2003\"";

    fn eval(body: &str) -> Result<ProjectItems> {
        let text = format!("<?xml version=\"1.0\"?>\n<Project {NS}>\n{body}\n</Project>");
        evaluate(Path::new("/p/TripPin.proj"), &text, &Limits::default())
    }

    #[test]
    fn reads_items_of_several_item_groups_with_properties_and_lists() {
        let p = eval(
            "<PropertyGroup><ConnectorName>TripPin</ConnectorName>\
             <Icons Condition=\"'$(Icons)' == ''\">$(ConnectorName)16.png</Icons></PropertyGroup>\
             <ItemGroup><MezContent Include=\"$(ConnectorName).pq; $(Icons) ;\"/></ItemGroup>\
             <ItemGroup Condition=\"'$(ConnectorName)' == 'Other'\"><MezContent Include=\"no.pqm\"/></ItemGroup>\
             <ItemGroup><MezContent Include=\"*.pqm\" Exclude=\"Old*.pqm;x.pqm\"/><MezContent Remove=\"b.pqm\"/><Compile Include=\"x\"/></ItemGroup>",
        )
        .unwrap();
        let specs: Vec<_> = p
            .items
            .iter()
            .map(|i| (i.action, i.specs.clone(), i.exclude.clone()))
            .collect();
        assert_eq!(
            specs,
            [
                (
                    ItemAction::Include,
                    vec!["TripPin.pq".to_owned(), "TripPin16.png".to_owned()],
                    vec![]
                ),
                (
                    ItemAction::Include,
                    vec!["*.pqm".to_owned()],
                    vec!["Old*.pqm".to_owned(), "x.pqm".to_owned()]
                ),
                (ItemAction::Remove, vec!["b.pqm".to_owned()], vec![]),
            ]
        );
        assert_eq!(p.items.first().map(|i| i.line), Some(3));
    }

    #[test]
    fn refuses_unevaluable_conditions_naming_file_and_line() {
        let e = eval("<ItemGroup>\n<MezContent Include=\"a.pqm\" Condition=\"Exists('a.pqm')\"/></ItemGroup>")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("TripPin.proj") && e.contains("line 4") && e.contains("Exists('a.pqm')"),
            "{e}"
        );
    }

    #[test]
    fn refuses_imports_undefined_properties_and_item_references() {
        for body in [
            "<Import Project=\"more.targets\"/>",
            "<Choose/>",
            "<ItemGroup><MezContent Include=\"$(Undefined).pq\"/></ItemGroup>",
            "<ItemGroup><MezContent Include=\"@(Compile)\"/></ItemGroup>",
            "<ItemGroup><MezContent/></ItemGroup>",
        ] {
            assert!(eval(body).is_err(), "{body}");
        }
    }

    #[test]
    fn refuses_a_dtd_in_the_project_file() {
        let text = "<!DOCTYPE Project [<!ENTITY x \"y\">]><Project/>";
        assert!(evaluate(Path::new("/p/A.proj"), text, &Limits::default()).is_err());
    }
}
