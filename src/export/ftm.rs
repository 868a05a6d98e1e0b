//! FollowTheMoney JSON lines that the followthemoney package reads back: a line per entity,
//! per relation (as a link schema whose property ranges fit its two ends, else an
//! `UnknownLink` whose `role` names the kind and share) and per listing (as a `Sanction`).
//!
//! `import --format ftm` reads this back to the same entities, relations and listings, except
//! for what FollowTheMoney has no property for: confidence, and identifier schemes outside its
//! vocabulary (written as `idNumber` or `registrationNumber`).

use crate::import::ftm::IDENTIFIER_PROPERTIES;
use crate::model::{prop, Entity, Identifier, Listing, Relation, RelationKind, Schema};
use crate::store::Extract;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;

/// Identifier properties each schema has in the followthemoney model (4.x).
fn identifier_properties(schema: Schema) -> &'static [&'static str] {
    const LEGAL_ENTITY: &[&str] = &[
        "registrationNumber",
        "idNumber",
        "taxNumber",
        "vatCode",
        "leiCode",
        "innCode",
        "ogrnCode",
        "okpoCode",
        "dunsCode",
        "uscCode",
        "swiftBic",
        "website",
        "email",
        "phone",
    ];
    const ORGANIZATION: &[&str] = &[
        "registrationNumber",
        "idNumber",
        "taxNumber",
        "vatCode",
        "leiCode",
        "innCode",
        "ogrnCode",
        "okpoCode",
        "dunsCode",
        "uscCode",
        "swiftBic",
        "cageCode",
        "permId",
        "imoNumber",
        "website",
        "email",
        "phone",
    ];
    const COMPANY: &[&str] = &[
        "registrationNumber",
        "idNumber",
        "taxNumber",
        "vatCode",
        "leiCode",
        "innCode",
        "ogrnCode",
        "okpoCode",
        "kppCode",
        "dunsCode",
        "uscCode",
        "swiftBic",
        "bikCode",
        "cageCode",
        "permId",
        "isinCode",
        "imoNumber",
        "website",
        "email",
        "phone",
    ];
    const PERSON: &[&str] = &[
        "registrationNumber",
        "idNumber",
        "taxNumber",
        "vatCode",
        "leiCode",
        "innCode",
        "ogrnCode",
        "okpoCode",
        "dunsCode",
        "uscCode",
        "swiftBic",
        "passportNumber",
        "socialSecurityNumber",
        "website",
        "email",
        "phone",
    ];
    match schema {
        Schema::LegalEntity => LEGAL_ENTITY,
        Schema::Organization | Schema::PublicBody => ORGANIZATION,
        Schema::Company => COMPANY,
        Schema::Person => PERSON,
        Schema::Vessel => &["registrationNumber", "imoNumber", "mmsi", "callSign"],
        Schema::Airplane => &["registrationNumber", "serialNumber", "icaoCode"],
        Schema::Address => &[],
    }
}

/// The FollowTheMoney property an identifier goes to: its own scheme when that is one, the
/// property for OFAC's label otherwise, else the schema's general identifier.
fn identifier_property(schema: Schema, identifier: &Identifier) -> &'static str {
    let allowed = identifier_properties(schema);
    let by_label = match identifier.scheme.as_str() {
        s if IDENTIFIER_PROPERTIES.contains(&s) => IDENTIFIER_PROPERTIES.iter().find(|p| **p == s).copied(),
        "SWIFT/BIC" => Some("swiftBic"),
        "IMO" => Some("imoNumber"),
        "MMSI" => Some("mmsi"),
        "Call Sign" => Some("callSign"),
        "Passport" | "Diplomatic Passport" => Some("passportNumber"),
        "Tax ID No." | "RFC" | "R.F.C." | "NIT #" | "RUC #" | "RIF #" => Some("taxNumber"),
        "V.A.T. Number" => Some("vatCode"),
        "Legal Entity Number" => Some("leiCode"),
        "D-U-N-S Number" => Some("dunsCode"),
        "Unified Social Credit Code (USCC)" => Some("uscCode"),
        "SSN" => Some("socialSecurityNumber"),
        "Website" => Some("website"),
        "Email Address" | "Email" => Some("email"),
        "Phone Number" | "Telephone" | "Telephone No." => Some("phone"),
        "Aircraft Manufacturer's Serial Number (MSN)" => Some("serialNumber"),
        s if s.contains("Registration") || s.contains("Company Number") => Some("registrationNumber"),
        _ => None,
    };
    match by_label.filter(|p| allowed.contains(p)) {
        Some(p) => p,
        None if allowed.contains(&"idNumber") => "idNumber",
        None => "registrationNumber",
    }
}

fn is_legal_entity(schema: Schema) -> bool {
    !matches!(schema, Schema::Vessel | Schema::Airplane | Schema::Address)
}

fn is_organization(schema: Schema) -> bool {
    matches!(
        schema,
        Schema::Company | Schema::Organization | Schema::PublicBody
    )
}

fn is_asset(schema: Schema) -> bool {
    matches!(schema, Schema::Company | Schema::Vessel | Schema::Airplane)
}

/// A stable id for a relation or listing line: its dataset and natural key, hashed.
fn derived_id(prefix: &str, dataset: &str, key: &str) -> String {
    let digest = Sha256::new()
        .chain_update(dataset)
        .chain_update("|")
        .chain_update(key)
        .finalize();
    let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
    format!("{prefix}-{hex}")
}

struct Props(Map<String, Value>);

impl Props {
    fn new() -> Props {
        Props(Map::new())
    }

    fn add(&mut self, key: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let values = self.0.entry(key).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = values {
            if !list.iter().any(|v| v.as_str() == Some(value)) {
                list.push(Value::String(value.to_string()));
            }
        }
    }

    fn add_opt(&mut self, key: &str, value: Option<impl ToString>) {
        if let Some(v) = value {
            self.add(key, &v.to_string());
        }
    }
}

fn is_url(text: &str) -> bool {
    text.starts_with("http://") || text.starts_with("https://")
}

fn line(out: &mut impl Write, id: &str, schema: &str, props: Props, dataset: &str) -> std::io::Result<()> {
    serde_json::to_writer(
        &mut *out,
        &json!({"id": id, "schema": schema, "properties": props.0, "datasets": [dataset]}),
    )?;
    out.write_all(b"\n")
}

fn entity_line(out: &mut impl Write, e: &Entity, addresses: &[&str]) -> std::io::Result<()> {
    let mut p = Props::new();
    // An Address has its text, not a name.
    p.add(
        if e.schema == Schema::Address {
            "full"
        } else {
            "name"
        },
        &e.name,
    );
    for address in addresses {
        p.add("addressEntity", address);
    }
    for alias in &e.aliases {
        p.add("alias", alias);
    }
    for country in &e.countries {
        // FollowTheMoney's country codes are lower case; names it cleans itself.
        if country.len() == 2 {
            p.add("country", &country.to_lowercase());
        } else {
            p.add("country", country);
        }
    }
    for identifier in &e.identifiers {
        p.add(identifier_property(e.schema, identifier), &identifier.value);
    }
    for address in &e.addresses {
        p.add("address", address);
    }
    if e.schema == Schema::Person {
        p.add_opt("birthDate", e.birth_date.as_deref());
    }
    for (property, values) in &e.properties {
        if prop::allowed(e.schema, property) {
            for value in values {
                p.add(property, value);
            }
        }
    }
    p.add_opt("notes", e.notes.as_deref());
    if let Some(source) = &e.source {
        p.add(if is_url(source) { "sourceUrl" } else { "publisher" }, source);
    }
    line(out, &e.id, e.schema.as_str(), p, &e.dataset)
}

/// The link schema and the two properties a relation is written with.
fn link_schema(r: &Relation, source: Schema, target: Schema) -> (&'static str, &'static str, &'static str) {
    match r.kind {
        RelationKind::Owns if is_legal_entity(source) && is_asset(target) => ("Ownership", "owner", "asset"),
        RelationKind::Controls if is_legal_entity(source) && is_legal_entity(target) => {
            ("Control", "controller", "controlled")
        }
        RelationKind::DirectorOf if is_legal_entity(source) && is_organization(target) => {
            ("Directorship", "director", "organization")
        }
        RelationKind::FamilyOf if source == Schema::Person && target == Schema::Person => {
            ("Family", "person", "relative")
        }
        RelationKind::AssociateOf if source == Schema::Person && target == Schema::Person => {
            ("Associate", "person", "associate")
        }
        _ => ("UnknownLink", "subject", "object"),
    }
}

fn relation_line(
    out: &mut impl Write,
    r: &Relation,
    schemata: &HashMap<&str, Schema>,
) -> std::io::Result<()> {
    let schema_of = |id: &str| schemata.get(id).copied().unwrap_or(Schema::LegalEntity);
    let (schema, from, to) = link_schema(r, schema_of(&r.source), schema_of(&r.target));
    let mut p = Props::new();
    p.add(from, &r.source);
    p.add(to, &r.target);
    match (schema, r.share) {
        ("Ownership", Some(share)) if share.is_exact() => p.add("percentage", &share.lo.to_string()),
        (_, Some(share)) => p.add("role", &format!("{} {share}%", r.kind.label())),
        ("UnknownLink", None) if r.kind != RelationKind::LinkedTo => p.add("role", r.kind.label()),
        _ => {}
    }
    p.add_opt("startDate", r.start_date);
    p.add_opt("endDate", r.end_date);
    p.add_opt("summary", r.notes.as_deref());
    if let Some(evidence) = &r.evidence {
        p.add(
            if is_url(evidence) {
                "sourceUrl"
            } else {
                "publisher"
            },
            evidence,
        );
    }
    // A record with its source's own id keeps it, so a round trip keeps two records two.
    let id = match &r.record_id {
        Some(id) => id.clone(),
        None => derived_id("ogr-rel", &r.dataset, &r.natural_key()),
    };
    line(out, &id, schema, p, &r.dataset)
}

fn listing_line(out: &mut impl Write, l: &Listing) -> std::io::Result<()> {
    let mut p = Props::new();
    p.add("entity", &l.entity);
    p.add("authority", &l.authority);
    p.add("programId", &l.list);
    p.add("program", l.program.as_deref().unwrap_or(&l.list));
    p.add_opt("startDate", l.start_date);
    p.add_opt("endDate", l.end_date);
    if let Some(citation) = &l.citation {
        p.add(if is_url(citation) { "sourceUrl" } else { "reason" }, citation);
    }
    p.add_opt("provisions", l.license_requirement.as_deref());
    p.add_opt("summary", l.license_review_policy.as_deref());
    let id = derived_id("ogr-sanction", &l.dataset, &l.natural_key());
    line(out, &id, "Sanction", p, &l.dataset)
}

/// Writes `extract` as FollowTheMoney JSON lines: entities, then relations, then listings.
pub fn write(extract: &Extract, out: &mut impl Write) -> std::io::Result<()> {
    let schemata: HashMap<&str, Schema> = extract
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.schema))
        .collect();
    // FollowTheMoney states an address as the `addressEntity` of the party at it, not as a
    // link: those relations are written on their source's line.
    let is_address_of = |r: &Relation| {
        r.kind == RelationKind::HasAddress && schemata.get(r.target.as_str()) == Some(&Schema::Address)
    };
    let mut addresses: HashMap<&str, Vec<&str>> = HashMap::new();
    for r in extract.relations.iter().filter(|r| is_address_of(r)) {
        addresses.entry(&r.source).or_default().push(&r.target);
    }
    for e in &extract.entities {
        let at = addresses.get(e.id.as_str()).map_or(&[][..], Vec::as_slice);
        entity_line(out, e, at)?;
    }
    for r in extract.relations.iter().filter(|r| !is_address_of(r)) {
        relation_line(out, r, &schemata)?;
    }
    for l in &extract.listings {
        listing_line(out, l)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_go_to_properties_the_schema_has() {
        let id = |scheme: &str| Identifier {
            scheme: scheme.into(),
            value: "1".into(),
            country: None,
        };
        assert_eq!(
            identifier_property(Schema::LegalEntity, &id("SWIFT/BIC")),
            "swiftBic"
        );
        assert_eq!(
            identifier_property(Schema::Person, &id("Passport")),
            "passportNumber"
        );
        assert_eq!(identifier_property(Schema::Company, &id("Passport")), "idNumber");
        assert_eq!(identifier_property(Schema::Vessel, &id("IMO")), "imoNumber");
        assert_eq!(
            identifier_property(Schema::Vessel, &id("Website")),
            "registrationNumber"
        );
        assert_eq!(identifier_property(Schema::Company, &id("leiCode")), "leiCode");
        assert_eq!(
            identifier_property(Schema::Person, &id("Company Number")),
            "registrationNumber"
        );
    }
}
