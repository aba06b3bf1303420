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
    let mut pages = vec![Page {
        path: PathBuf::from("index.md"),
        text: page(
            "partnercenter Provider",
            "",
            &provider.schema(),
            &[Example::new(
                "Example Usage",
                "terraform",
                read("provider/provider.tf")?,
            )],
        ),
    }];
    for resource in provider.resources() {
        let name = resource.type_name();
        let dir = format!("resources/{name}");
        let identity = resource.identity_schema();
        let mut examples = vec![Example::new(
            "Example Usage",
            "terraform",
            read(&format!("{dir}/resource.tf"))?,
        )];
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
    for data_source in provider.data_sources() {
        let name = data_source.type_name();
        pages.push(Page {
            path: PathBuf::from(format!("data-sources/{}.md", short(name))),
            text: page(
                name,
                "Data Source",
                &data_source.schema(),
                &[Example::new(
                    "Example Usage",
                    "terraform",
                    read(&format!("data-sources/{name}/data-source.tf"))?,
                )],
            ),
        });
    }
    for list in provider.list_resources() {
        let name = list.type_name();
        pages.push(Page {
            path: PathBuf::from(format!("list-resources/{}.md", short(name))),
            text: page(
                name,
                "List Resource",
                &list.schema(),
                &[Example::new(
                    "Example Usage",
                    "terraform",
                    read(&format!("list-resources/{name}/list-resource.tfquery.hcl"))?,
                )],
            ),
        });
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
    for (heading, presence) in [
        ("Required", &[Presence::Required][..]),
        (
            "Optional",
            &[Presence::Optional, Presence::OptionalComputed][..],
        ),
        ("Read-Only", &[Presence::Computed][..]),
    ] {
        let chosen: Vec<&Attribute> = schema
            .attributes
            .iter()
            .filter(|a| presence.contains(&a.presence))
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let _ = writeln!(text, "### {heading}\n");
        for attribute in chosen {
            let _ = writeln!(text, "{}", attribute_line(attribute));
        }
        text.push('\n');
    }
    text.trim_end().to_owned() + "\n"
}

/// The identity's attributes, as tfplugindocs lists them: the ones an `import` block's
/// `identity` must give, then the ones it may.
fn identity_section(identity: &IdentitySchema) -> String {
    let mut text = String::from("\n## Identity Schema\n");
    for (heading, required) in [("Required", true), ("Optional", false)] {
        let chosen: Vec<&Attribute> = identity
            .attributes
            .iter()
            .filter(|a| (a.presence == Presence::Required) == required)
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let _ = write!(text, "\n### {heading}\n\n");
        for attribute in chosen {
            let _ = writeln!(text, "{}", attribute_line(attribute));
        }
    }
    text
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

    #[test]
    fn sensitive_attributes_are_flagged() {
        let pages = pages(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")).unwrap();
        let codes = pages
            .iter()
            .find(|p| p.path.ends_with("validation_codes.md"))
            .unwrap();
        assert!(
            codes.text.contains("- `codes` (List of Object, Sensitive)"),
            "{}",
            codes.text
        );
        let resource = pages
            .iter()
            .find(|p| p.path.ends_with("resources/customer_qualification.md"))
            .unwrap();
        assert!(
            resource
                .text
                .contains("- `validation_code_wo` (String, Sensitive, Write-only)"),
            "{}",
            resource.text
        );
    }

    #[test]
    fn the_resource_page_shows_its_identity_and_the_list_page_its_config() {
        let pages = pages(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")).unwrap();
        let text = |path: &str| {
            pages
                .iter()
                .find(|p| p.path == Path::new(path))
                .map(|p| p.text.as_str())
                .unwrap_or_else(|| panic!("no page {path}"))
        };
        let resource = text("resources/customer_qualification.md");
        let identity = resource
            .split("## Identity Schema")
            .nth(1)
            .expect("an identity section");
        assert!(
            identity.contains("### Required\n\n- `customer_id` (String)"),
            "{identity}"
        );
        assert!(resource.contains("identity = {"), "{resource}");
        let list = text("list-resources/customer_qualification.md");
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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let copy = tempfile::tempdir().unwrap();
        copy_tree(&root, copy.path());
        let dir = copy
            .path()
            .join("resources/partnercenter_customer_qualification");
        std::fs::remove_file(dir.join("write-only.tf")).unwrap();
        std::fs::remove_file(dir.join("async.tf")).unwrap();
        let written = pages(copy.path()).expect("the required examples are there");
        let resource = written
            .iter()
            .find(|p| p.path.ends_with("resources/customer_qualification.md"))
            .unwrap();
        assert!(
            resource.text.contains("## Example Usage\n"),
            "{}",
            resource.text
        );
        assert!(!resource.text.contains("write-only validation code"));
        assert!(!resource.text.contains("asynchronous contract\n"));
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
