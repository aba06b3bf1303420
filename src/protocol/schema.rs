//! Schemas as plain data: one definition gives Terraform its schema, gives the codec the value
//! type, and gives the docs generator its text, so the three cannot drift apart.

use std::collections::{BTreeMap, BTreeSet};

use super::tfplugin6 as proto;
use super::value::{Type, Value};

/// A resource's, data source's or the provider's schema (a single top-level block).
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub version: i64,
    /// Markdown, shown in the docs.
    pub description: &'static str,
    pub attributes: Vec<Attribute>,
}

/// Whether the user sets an attribute, the provider does, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: &'static str,
    /// A plain cty type. Protocol 6's nested attributes are not used: Terraform 1.0 cannot
    /// index into them.
    pub ty: Type,
    pub presence: Presence,
    pub sensitive: bool,
    /// Sent in the configuration and never stored: plan and state hold null (Terraform
    /// 1.11+).
    pub write_only: bool,
    /// Markdown.
    pub description: &'static str,
}

impl Attribute {
    pub fn new(
        name: &'static str,
        ty: Type,
        presence: Presence,
        description: &'static str,
    ) -> Self {
        Self {
            name,
            ty,
            presence,
            sensitive: false,
            write_only: false,
            description,
        }
    }

    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    #[must_use]
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }

    fn to_proto(&self) -> proto::schema::Attribute {
        proto::schema::Attribute {
            name: self.name.to_owned(),
            r#type: self.ty.to_json(),
            nested_type: None,
            description: self.description.to_owned(),
            required: self.presence == Presence::Required,
            optional: matches!(
                self.presence,
                Presence::Optional | Presence::OptionalComputed
            ),
            computed: matches!(
                self.presence,
                Presence::Computed | Presence::OptionalComputed
            ),
            sensitive: self.sensitive,
            description_kind: proto::StringKind::Markdown.into(),
            deprecated: false,
            write_only: self.write_only,
            deprecation_message: String::new(),
        }
    }
}

fn object_type(attributes: &[Attribute]) -> Type {
    Type::Object {
        attrs: attributes
            .iter()
            .map(|a| (a.name.to_owned(), a.ty.clone()))
            .collect::<BTreeMap<_, _>>(),
        optional: BTreeSet::new(),
    }
}

impl Schema {
    /// The object type of a whole value (config, plan or state) of this schema.
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes)
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The write-only attributes.
    pub fn write_only_attributes(&self) -> impl Iterator<Item = &Attribute> {
        self.attributes.iter().filter(|a| a.write_only)
    }

    /// `value` with every write-only attribute null, as Terraform requires of any plan or
    /// state a provider returns.
    pub fn without_write_only(&self, mut value: Value) -> Value {
        for attribute in self.write_only_attributes() {
            if value.attr(attribute.name).is_some() {
                value.set_attr(attribute.name, Value::Null);
            }
        }
        value
    }

    pub fn to_proto(&self) -> proto::Schema {
        proto::Schema {
            version: self.version,
            block: Some(proto::schema::Block {
                version: self.version,
                attributes: self.attributes.iter().map(Attribute::to_proto).collect(),
                block_types: Vec::new(),
                description: self.description.to_owned(),
                description_kind: proto::StringKind::Markdown.into(),
                deprecated: false,
                deprecation_message: String::new(),
            }),
        }
    }
}

/// A managed resource type's identity schema (Terraform 1.12+): the attributes that name one
/// remote object, versioned apart from the resource schema.
#[derive(Debug, Clone, PartialEq)]
pub struct IdentitySchema {
    pub version: i64,
    /// `Required` attributes must be given in an `import { identity = { … } }` block,
    /// `Optional` ones may be; no other presence is meaningful for an identity.
    pub attributes: Vec<Attribute>,
}

impl IdentitySchema {
    /// The object type of an identity value.
    pub fn value_type(&self) -> Type {
        object_type(&self.attributes)
    }

    pub fn to_proto(&self) -> proto::ResourceIdentitySchema {
        proto::ResourceIdentitySchema {
            version: self.version,
            identity_attributes: self
                .attributes
                .iter()
                .map(|a| proto::resource_identity_schema::IdentityAttribute {
                    name: a.name.to_owned(),
                    r#type: a.ty.to_json(),
                    required_for_import: a.presence == Presence::Required,
                    optional_for_import: a.presence != Presence::Required,
                    description: a.description.to_owned(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema {
            version: 0,
            description: "d",
            attributes: vec![
                Attribute::new("id", Type::String, Presence::Computed, "id"),
                Attribute::new("token", Type::String, Presence::Optional, "t").sensitive(),
                Attribute::new("secret", Type::String, Presence::Optional, "s").write_only(),
                Attribute::new(
                    "codes",
                    Type::list(Type::object([("n", Type::Number)])),
                    Presence::Computed,
                    "c",
                ),
            ],
        }
    }

    #[test]
    fn flags_reach_the_wire() {
        let block = sample().to_proto().block.unwrap();
        let token = &block.attributes[1];
        assert!(token.optional && !token.required && !token.computed && token.sensitive);
        assert_eq!(token.r#type, b"\"string\"");
        assert!(!token.write_only && block.attributes[2].write_only);
        let codes = &block.attributes[3];
        assert_eq!(codes.r#type, br#"["list",["object",{"n":"number"}]]"#);
    }

    #[test]
    fn write_only_values_are_nulled() {
        let value = Value::object([
            ("id", Value::string("a")),
            ("secret", Value::string("s3cr3t")),
        ]);
        let cleaned = sample().without_write_only(value);
        assert_eq!(cleaned.attr("secret"), Some(&Value::Null));
        assert_eq!(cleaned.attr("id"), Some(&Value::string("a")));
        assert_eq!(sample().without_write_only(Value::Null), Value::Null);
    }

    #[test]
    fn value_type_is_an_object_of_the_attributes() {
        let ty = sample().value_type();
        let Type::Object { attrs, .. } = ty else {
            panic!("expected an object type")
        };
        assert_eq!(attrs["id"], Type::String);
        assert!(
            matches!(&attrs["codes"], Type::List(inner) if matches!(**inner, Type::Object { .. }))
        );
    }

    #[test]
    fn identity_attributes_are_required_or_optional_for_import() {
        let identity = IdentitySchema {
            version: 2,
            attributes: vec![
                Attribute::new("id", Type::String, Presence::Required, "the id"),
                Attribute::new("region", Type::String, Presence::Optional, "r"),
            ],
        };
        let wire = identity.to_proto();
        assert_eq!(wire.version, 2);
        let [id, region] = &wire.identity_attributes[..] else {
            panic!("two attributes expected: {wire:?}")
        };
        assert!(id.required_for_import && !id.optional_for_import);
        assert!(!region.required_for_import && region.optional_for_import);
        assert_eq!(
            (id.r#type.as_slice(), id.description.as_str()),
            (&b"\"string\""[..], "the id")
        );
        assert_eq!(
            identity.value_type(),
            Type::object([("id", Type::String), ("region", Type::String)])
        );
    }
}
