//! Registry documentation generated from the schemas, so the docs cannot drift from the code.
//!
//! `terraform-provider-partnercenter --docs docs` writes `index.md`, `resources/*.md`,
//! `data-sources/*.md` and `list-resources/*.md` in the Terraform Registry's layout (the one
//! tfplugindocs writes), with the examples from `examples/`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::framework::Provider;
use crate::protocol::{Attribute, IdentitySchema, Presence, Schema, Type};
use crate::provider::PartnerCenterProvider;

/// One generated page: where it goes and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: PathBuf,
    pub text: String,
}

/// One example on a page: its heading, the language of its code block, and the code.
struct Example {
    heading: String,
    language: &'static str,
    code: String,
}

impl Example {
    /// The first example of a page: how to use its type.
    fn usage(code: String) -> Self {
        Self::new("Example Usage", "terraform", code)
    }

    fn new(heading: impl Into<String>, language: &'static str, code: String) -> Self {
        Self {
            heading: heading.into(),
            language,
            code,
        }
    }
}

/// Every page, relative to the docs folder, with examples read from `examples_dir`.
pub fn pages(examples_dir: &Path) -> std::io::Result<Vec<Page>> {
    let provider = PartnerCenterProvider::new();
    let read = |relative: &str| std::fs::read_to_string(examples_dir.join(relative));
    let usage = |relative: &str| Ok::<_, std::io::Error>(Example::usage(read(relative)?));
    let mut pages = vec![Page {
        path: PathBuf::from("index.md"),
        text: page(
            "partnercenter Provider",
            "",
            &provider.schema(),
            &[usage("provider/provider.tf")?],
        ),
    }];
    for resource in provider.resources() {
        let name = resource.type_name();
        let dir = format!("resources/{name}");
        let identity = resource.identity_schema();
        let mut examples = vec![usage(&format!("{dir}/resource.tf"))?];
        examples.extend(further_examples(&examples_dir.join(&dir))?);
        examples.push(Example::new(
            "Import",
            "shell",
            read(&format!("{dir}/import.sh"))?,
        ));
        if identity.is_some() {
            examples.push(Example::new(
                "Import by identity",
                "terraform",
                read(&format!("{dir}/import-by-identity.tf"))?,
            ));
        }
        let mut text = page(name, "Resource", &resource.schema(), &examples);
        if let Some(identity) = identity {
            text.push_str(&identity_section(&identity));
        }
        pages.push(Page {
            path: PathBuf::from(format!("resources/{}.md", short(name))),
            text,
        });
    }
    // Data sources and list resources: a page each, with one example.
    let typed = |folder: &str, kind: &str, name: &str, schema: Schema, example: &str| {
        Ok::<_, std::io::Error>(Page {
            path: PathBuf::from(format!("{folder}/{}.md", short(name))),
            text: page(
                name,
                kind,
                &schema,
                &[usage(&format!("{folder}/{name}/{example}"))?],
            ),
        })
    };
    for d in provider.data_sources() {
        let (name, schema) = (d.type_name(), d.schema());
        pages.push(typed(
            "data-sources",
            "Data Source",
            name,
            schema,
            "data-source.tf",
        )?);
    }
    for l in provider.list_resources() {
        let (name, schema) = (l.type_name(), l.schema());
        let example = "list-resource.tfquery.hcl";
        pages.push(typed(
            "list-resources",
            "List Resource",
            name,
            schema,
            example,
        )?);
    }
    Ok(pages)
}

/// Writes every page under `docs_dir`, taking examples from the sibling `examples/` folder.
pub fn write_all(docs_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let examples = docs_dir.parent().unwrap_or(Path::new(".")).join("examples");
    let mut written = Vec::new();
    for page in pages(&examples)? {
        let path = docs_dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, page.text)?;
        written.push(path);
    }
    Ok(written)
}

/// The files of a resource's example folder that every resource has, or has with an identity.
const USUAL_EXAMPLES: [&str; 2] = ["resource.tf", "import-by-identity.tf"];
/// How a further example's first line names it, e.g. `# Example Usage: a write-only code`.
const TITLE_LINE: &str = "# Example Usage: ";

/// A resource's further examples: every other `.tf` file in its folder, in name order, each
/// titled by its first line (`# Example Usage: …`), else by its file name.
fn further_examples(dir: &Path) -> std::io::Result<Vec<Example>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    files.retain(|file| {
        file.extension().is_some_and(|e| e == "tf")
            && !USUAL_EXAMPLES.iter().any(|usual| file.ends_with(usual))
    });
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let text = std::fs::read_to_string(&file)?;
            let (title, body) = match text.split_once('\n') {
                Some((first, rest)) if first.starts_with(TITLE_LINE) => {
                    (first[TITLE_LINE.len()..].trim().to_owned(), rest.to_owned())
                }
                _ => {
                    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
                    (stem.into_owned(), text)
                }
            };
            Ok(Example::new(
                format!("Example Usage: {title}"),
                "terraform",
                body,
            ))
        })
        .collect()
}

/// The Registry names pages without the provider prefix.
fn short(type_name: &str) -> &str {
    type_name
        .strip_prefix("partnercenter_")
        .unwrap_or(type_name)
}

fn page(title: &str, kind: &str, schema: &Schema, examples: &[Example]) -> String {
    let mut text = String::new();
    let subcategory = if kind.is_empty() {
        String::new()
    } else {
        format!(" {kind}")
    };
    let _ = writeln!(
        text,
        "---\npage_title: \"{title}{subcategory} - partnercenter\"\nsubcategory: \"\"\ndescription: |-\n  {}\n---\n",
        first_line(schema.description)
    );
    let _ = writeln!(text, "# {title}{subcategory}\n\n{}\n", schema.description);
    for example in examples {
        let _ = writeln!(
            text,
            "## {}\n\n```{}\n{}\n```\n",
            example.heading,
            example.language,
            example.code.trim_end()
        );
    }
    let _ = writeln!(
        text,
        "<!-- schema generated by terraform-provider-partnercenter --docs -->"
    );
    let _ = writeln!(text, "## Schema\n");
    let lists = attribute_lists(
        &schema.attributes,
        &[
            ("Required", |a| a.presence == Presence::Required),
            ("Optional", |a| {
                matches!(a.presence, Presence::Optional | Presence::OptionalComputed)
            }),
            ("Read-Only", |a| a.presence == Presence::Computed),
        ],
    );
    text.push_str(&lists.join("\n"));
    text.trim_end().to_owned() + "\n"
}

/// The identity's attributes, as tfplugindocs lists them: the ones an `import` block's
/// `identity` must give, then the ones it may.
fn identity_section(identity: &IdentitySchema) -> String {
    let mut text = String::from("\n## Identity Schema\n");
    let lists = attribute_lists(
        &identity.attributes,
        &[
            ("Required", |a| a.presence == Presence::Required),
            ("Optional", |a| a.presence != Presence::Required),
        ],
    );
    for list in lists {
        text.push('\n');
        text.push_str(&list);
    }
    text
}

/// A heading of a schema's attribute lists, and which attributes it lists.
type Group<'a> = (&'a str, fn(&Attribute) -> bool);

/// A schema's attributes as tfplugindocs lists them: under each heading, those its group
/// picks; a heading with none is left out.
fn attribute_lists(attributes: &[Attribute], groups: &[Group<'_>]) -> Vec<String> {
    groups
        .iter()
        .filter_map(|(heading, in_group)| {
            let lines: String = attributes
                .iter()
                .filter(|a| in_group(a))
                .map(|a| attribute_line(a) + "\n")
                .collect();
            (!lines.is_empty()).then(|| format!("### {heading}\n\n{lines}"))
        })
        .collect()
}

fn attribute_line(attribute: &Attribute) -> String {
    let ty = type_name(&attribute.ty);
    let sensitive = if attribute.sensitive {
        ", Sensitive"
    } else {
        ""
    };
    let write_only = if attribute.write_only {
        ", Write-only"
    } else {
        ""
    };
    format!(
        "- `{}` ({ty}{sensitive}{write_only}) {}",
        attribute.name, attribute.description
    )
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::String => "String".into(),
        Type::Number => "Number".into(),
        Type::Bool => "Boolean".into(),
        Type::List(inner) => format!("List of {}", type_name(inner)),
        Type::Set(inner) => format!("Set of {}", type_name(inner)),
        Type::Map(inner) => format!("Map of {}", type_name(inner)),
        Type::Object { .. } => "Object".into(),
        _ => "Dynamic".into(),
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_docs_match_the_schema() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let pages = pages(&root.join("examples")).expect("examples exist");
        // Every committed page is generated: none is left behind by a renamed or removed type.
        let mut committed_paths = Vec::new();
        markdown_under(&root.join("docs"), Path::new(""), &mut committed_paths);
        let mut generated_paths: Vec<PathBuf> = pages.iter().map(|p| p.path.clone()).collect();
        committed_paths.sort();
        generated_paths.sort();
        assert_eq!(
            committed_paths, generated_paths,
            "docs/ holds other pages than the schemas give; regenerate with \
             `cargo run -- --docs docs` and remove the stale ones"
        );
        for page in pages {
            let committed = std::fs::read_to_string(root.join("docs").join(&page.path))
                .unwrap_or_else(|e| {
                    panic!(
                        "docs/{} is missing ({e}); run `cargo run -- --docs docs`",
                        page.path.display()
                    )
                });
            assert!(
                committed == page.text,
                "docs/{} differs from the schema; regenerate with `cargo run -- --docs docs`",
                page.path.display()
            );
        }
    }

    /// The `.md` files under `dir`, as paths relative to the docs folder (`prefix` within it).
    fn markdown_under(dir: &Path, prefix: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read docs/") {
            let entry = entry.expect("docs/ entry");
            let relative = prefix.join(entry.file_name());
            if entry.file_type().expect("file type").is_dir() {
                markdown_under(&entry.path(), &relative, found);
            } else if relative.extension().is_some_and(|e| e == "md") {
                found.push(relative);
            }
        }
    }

    /// The examples the committed docs are generated from.
    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
    }

    /// The text of the page at `path` (relative to `docs/`).
    fn text<'a>(pages: &'a [Page], path: &str) -> &'a str {
        pages
            .iter()
            .find(|p| p.path == Path::new(path))
            .map(|p| p.text.as_str())
            .unwrap_or_else(|| panic!("no page {path}"))
    }

    #[test]
    fn sensitive_attributes_are_flagged() {
        let pages = pages(&examples()).unwrap();
        let codes = text(&pages, "data-sources/validation_codes.md");
        assert!(
            codes.contains("- `codes` (List of Object, Sensitive)"),
            "{codes}"
        );
        let resource = text(&pages, "resources/customer_qualification.md");
        assert!(
            resource.contains("- `validation_code_wo` (String, Sensitive, Write-only)"),
            "{resource}"
        );
    }

    #[test]
    fn the_resource_page_shows_its_identity_and_the_list_page_its_config() {
        let pages = pages(&examples()).unwrap();
        let resource = text(&pages, "resources/customer_qualification.md");
        let identity = resource
            .split("## Identity Schema")
            .nth(1)
            .expect("an identity section");
        assert!(
            identity.contains("### Required\n\n- `customer_id` (String)"),
            "{identity}"
        );
        assert!(resource.contains("identity = {"), "{resource}");
        let list = text(&pages, "list-resources/customer_qualification.md");
        assert!(
            list.starts_with(
                "---\npage_title: \"partnercenter_customer_qualification List Resource - partnercenter\""
            ),
            "{list}"
        );
        assert!(
            list.contains("list \"partnercenter_customer_qualification\""),
            "{list}"
        );
        assert!(
            list.contains("### Optional\n\n- `qualification` (String)"),
            "{list}"
        );
    }

    #[test]
    fn a_resource_without_further_examples_gets_its_page() {
        let copy = tempfile::tempdir().unwrap();
        copy_tree(&examples(), copy.path());
        let dir = copy
            .path()
            .join("resources/partnercenter_customer_qualification");
        std::fs::remove_file(dir.join("write-only.tf")).unwrap();
        std::fs::remove_file(dir.join("async.tf")).unwrap();
        let written = pages(copy.path()).expect("the required examples are there");
        let resource = text(&written, "resources/customer_qualification.md");
        assert!(resource.contains("## Example Usage\n"), "{resource}");
        assert!(!resource.contains("write-only validation code"));
        assert!(!resource.contains("asynchronous contract\n"));
        // A required example is still required.
        std::fs::remove_file(dir.join("import.sh")).unwrap();
        let missing = pages(copy.path()).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    fn copy_tree(from: &Path, to: &Path) {
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                std::fs::create_dir_all(&target).unwrap();
                copy_tree(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }
}
