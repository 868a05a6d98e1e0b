//! OFAC's XML lists (root `<sdnList>`): the SDN list (`SDN.XML`) and the consolidated non-SDN
//! list (`CONSOLIDATED.XML`) share one schema of `sdnEntry` records (uid, names, `sdnType`,
//! `programList`, `akaList`, `addressList`, `idList`, dates and places of birth, nationalities,
//! citizenships, `vesselInfo`); `publshInformation/Publish_Date` is the release date.
//!
//! **Ids and names read alike across OFAC formats.** Ids are `ofac-<uid>`, the number space of
//! the legacy CSV's ent_num (`ofac-cons-<uid>` in the consolidated file, whose records are kept
//! apart from the SDN list's: see [`keep_apart_from_the_sdn_list`]); names are "LAST, First" as sdn.csv writes them, aliases likewise.
//! Strong a.k.a./n.k.a. are aliases, weak ones `weakAlias`, f.k.a. (strong or weak) are former
//! names (`previousName`). OFAC's `title` (e.g. "Chief of GRU") is a `position`.
//!
//! **Which file is it?** Nothing in the file names its list, so the entries tell: the
//! consolidated file holds only parties that are on a non-SDN list, and each says so by a
//! programme tag of such a list (NS-PLC, CMIC-EO13959, FSE-IR, 561-Related, UKRAINE-EO13662) or
//! by a directive or menu-based measure in its `idList` ("Listing Date (EO 14024 Directive 2):",
//! "Executive Order 14059 information:", "CAATSA Section 235 Information:"). When every entry is
//! tied to a non-SDN list this way, the file is the consolidated list (dataset
//! `ofac-consolidated`); the SDN list holds thousands of entries under SDN programmes only, so
//! one such entry makes it the SDN list (dataset `ofac-sdn`). A file with no entries is taken as
//! the SDN list.
//!
//! **Which list is a listing on?** In the SDN file every programme is a listing on the "SDN List"
//! (as the CSV reader does: the SDN list also carries the non-SDN tags of parties on both). In the
//! consolidated file a programme is on the list the file ties it to: `NS-*` tags on "NS-* List",
//! CMIC tags on "NS-CMIC List", FSE tags on "FSE List", 561-Related on the "CAPTA List" (which
//! replaced the Part 561 List in 2019), UKRAINE-EO13662 on the "SSI List" (its EO 13662 directive
//! determinations in the citation); a programme `…-EO<n>` with a directive or menu-based measure
//! of E.O. n is on the "NS-MBS List", except E.O. 14024 Directive 2, the Russia-related CAPTA
//! directive, which is on the "CAPTA List"; CAATSA - RUSSIA with its Section 235 measures is on
//! the "NS-MBS List". Any other programme of a consolidated entry is an SDN programme of a party
//! on both lists (SDGT on an NS-PLC member), so a listing on the "SDN List"; so is RUSSIA-EO14024
//! where the entry states the secondary sanctions risk of Section 11 of E.O. 14024, which applies
//! to persons blocked under that order. Listing dates the file gives ("Listing Date (CMIC)",
//! "Listing Date (EO 14024 Directive 3):") are the listings' start dates.
//!
//! **idList.** Each idType is mapped deliberately (`id_types`): identifiers (scheme = idType,
//! country = idCountry, issue and expiry dates in notes), facts with a property (Gender, Website,
//! Email Address, Organization Type:, Target Type, Organization Established Date, Nationality of
//! Registration…), CMIC issuer names as aliases, listing dates, and statements about the
//! sanctions (directives, secondary sanctions risk, effective dates), kept in notes as the CSV
//! writes them. An idType or element not known here (a future OFAC field) is kept in notes and
//! counted in `skipped`, never an error.
//!
//! **Dates.** "12 Jan 1964", "Jan 1964" and "1964" become ISO as precise as the text; "circa
//! 1964" the year and "1960 to 1962" what both ends share (else the first year), their text
//! kept in notes. The main date of birth is `birth_date`, the others `birthDate`.
//!
//! **Checks.** Besides `file:line: field:` for a missing uid, name, type or programme, a
//! duplicate uid or a bad date, the file's own `Record_Count` must match its entries, so a cut
//! or edited file is refused rather than read as a release that dropped entries.

mod entry;
mod id_types;
mod lists;

use super::ofac_sdn::{self, name_key};
use super::xml::{self, Element};
use super::{ImportError, LinkResolution, Read};
use crate::model::{Batch, Confidence, Date, InputError, Listing, Origin, Relation, RelationKind};
use entry::{Entry, EntryReader};
use hashbrown::{HashMap, HashSet};
use lists::Placement;
pub use lists::{CAPTA_LIST, FSE_LIST, NS_CMIC_LIST, NS_MBS_LIST, SDN_LIST, SSI_LIST};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub const SDN_DATASET: &str = ofac_sdn::DATASET;
pub const CONSOLIDATED_DATASET: &str = "ofac-consolidated";
pub const AUTHORITY: &str = ofac_sdn::AUTHORITY;
const ROOT: &str = "sdnList";
const FORMAT: &str = "OFAC XML (SDN.XML, CONSOLIDATED.XML)";

/// Reads an OFAC XML file (SDN.XML or CONSOLIDATED.XML) into a batch of the dataset it is,
/// resolving "Linked To:" names to entries of the same file.
pub fn read(path: &Path, progress: &dyn Fn(u64)) -> Result<Read, ImportError> {
    let file: Arc<str> = path.display().to_string().into();
    starts_as_xml(path, &file)?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    let mut header = Header::default();
    xml::read_records(
        path,
        ROOT,
        FORMAT,
        &["sdnEntry", "publshInformation"],
        progress,
        |record| {
            if record.name == "publshInformation" {
                return header.read(&file, record, &mut skipped);
            }
            let entry = EntryReader::new(&file, &mut skipped).read(record)?;
            if let Some(first) = seen.insert(entry.uid.clone(), entry.origin.line) {
                return Err(InputError::new(
                    &entry.origin,
                    "uid",
                    format!("{} already used at line {first}", entry.uid),
                ));
            }
            entries.push(entry);
            Ok(())
        },
    )?;
    if let Some((count, origin)) = &header.record_count {
        if *count != entries.len() {
            return Err(InputError::new(
                origin,
                "Record_Count",
                format!(
                    "the file says {count} entries but holds {}; is it cut short or edited?",
                    entries.len()
                ),
            )
            .into());
        }
    }

    let consolidated = !entries.is_empty() && entries.iter().all(|e| e.evidence.on_non_sdn_list(&e.programs));
    // Worded as the CSV reader words the SDN list's entries and links.
    let (dataset, source, cited) = if consolidated {
        (
            CONSOLIDATED_DATASET,
            "OFAC consolidated (non-SDN) list",
            "OFAC consolidated list",
        )
    } else {
        (SDN_DATASET, "OFAC SDN list", "OFAC SDN")
    };
    let (relations, mut links) = resolve_links(&entries, dataset, cited);
    let mut batch = Batch {
        dataset: dataset.to_string(),
        relations,
        entities: Vec::with_capacity(entries.len()),
        listings: Vec::with_capacity(entries.len() * 2),
    };
    for entry in entries {
        place(entry, consolidated, source, &mut batch);
    }
    if consolidated {
        keep_apart_from_the_sdn_list(&mut batch, &mut links);
    }
    Ok(Read {
        links: Some(links),
        skipped,
        published: header.published,
        ..Read::new(batch, vec![path.to_path_buf()])
    })
}

/// The consolidated list's records get ids of their own, `ofac-cons-<uid>`: OFAC numbers the
/// entries of all its lists in one space, so a party on both lists has one uid, but the two
/// files are two sources whose records the importer never merges (the SDN record stays as the
/// SDN list states it). The uid stays as an identifier (`OFAC UID`), the decisive evidence
/// when someone judges the two records one party.
fn keep_apart_from_the_sdn_list(batch: &mut Batch, links: &mut LinkResolution) {
    let own = |id: &mut String| {
        if let Some(uid) = id.strip_prefix("ofac-") {
            *id = format!("{CONSOLIDATED_ID_PREFIX}{uid}");
        }
    };
    for (_, entity) in &mut batch.entities {
        let uid = entity.id.trim_start_matches("ofac-").to_string();
        own(&mut entity.id);
        entity.identifiers.push(crate::model::Identifier {
            scheme: "OFAC UID".into(),
            value: uid,
            country: None,
        });
    }
    for (_, relation) in &mut batch.relations {
        own(&mut relation.source);
        own(&mut relation.target);
    }
    for (_, listing) in &mut batch.listings {
        own(&mut listing.entity);
    }
    for (entry, _) in &mut links.unresolved {
        own(entry);
    }
}

/// The id prefix of the consolidated list's records.
pub const CONSOLIDATED_ID_PREFIX: &str = "ofac-cons-";

/// What `publshInformation` states: the release date and the number of entries.
#[derive(Default)]
struct Header {
    published: Option<Date>,
    record_count: Option<(usize, Origin)>,
}

impl Header {
    fn read(
        &mut self,
        file: &Arc<str>,
        record: &Element,
        skipped: &mut BTreeMap<String, u64>,
    ) -> Result<(), InputError> {
        for part in &record.children {
            let Some(value) = part.value() else { continue };
            match part.name.as_str() {
                "Publish_Date" => self.published = Some(publish_date(file, part, value)?),
                "Record_Count" => {
                    let count = value.parse().map_err(|_| {
                        InputError::new(
                            &part.origin(file),
                            "Record_Count",
                            format!("{value:?} is not a number"),
                        )
                    })?;
                    self.record_count = Some((count, part.origin(file)));
                }
                other => *skipped.entry(format!("<publshInformation/{other}>")).or_default() += 1,
            }
        }
        Ok(())
    }
}

/// Adds an entry's entity and its listings to the batch: every programme on the SDN List in
/// the SDN file, on the lists the entry states in the consolidated one.
fn place(entry: Entry, consolidated: bool, source: &str, batch: &mut Batch) {
    let Entry {
        origin,
        uid,
        mut entity,
        mut notes,
        programs,
        evidence,
        links: _,
    } = entry;
    let mut used = vec![false; evidence.listing_dates.len()];
    for program in &programs {
        let placements = if consolidated {
            evidence.placements(program, &mut used)
        } else {
            vec![Placement::on(SDN_LIST)]
        };
        for placement in placements {
            let mut citation = format!("OFAC {}, entry {uid}", placement.list);
            if !placement.basis.is_empty() {
                citation.push_str(&format!(" ({})", placement.basis.join(", ")));
            }
            batch.listings.push((
                origin.clone(),
                Listing {
                    entity: entity.id.clone(),
                    list: placement.list,
                    authority: AUTHORITY.to_string(),
                    program: Some(program.clone()),
                    start_date: placement.start,
                    end_date: None,
                    citation: Some(citation),
                    license_requirement: None,
                    license_review_policy: None,
                    confidence: Some(Confidence::H),
                    dataset: batch.dataset.clone(),
                },
            ));
        }
    }
    // A listing date no listing took stays a fact of the entry.
    for (listed, used) in evidence.listing_dates.into_iter().zip(used) {
        if !used {
            notes.push(listed.text);
        }
    }
    if !notes.is_empty() {
        entity.notes = Some(notes.join("; "));
    }
    entity.source = Some(format!("{source}, entry {uid}"));
    entity.dataset = batch.dataset.clone();
    batch.entities.push((origin, entity));
}

/// Refuses at its first line a file that does not start with markup (a CSV, a JSON file), so a
/// stray `<` deep inside it is not taken for its root element.
fn starts_as_xml(path: &Path, file: &Arc<str>) -> Result<(), ImportError> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .and_then(|f| f.take(512).read_to_end(&mut head))
        .map_err(|e| ImportError::io(path, e))?;
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let Some(at) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Ok(());
    };
    if text[at] == b'<' {
        return Ok(());
    }
    let line = 1 + text[..at].iter().filter(|b| **b == b'\n').count() as u64;
    Err(InputError::new(
        &Origin {
            file: file.clone(),
            line,
        },
        "root",
        format!("the file does not start with an XML element; {FORMAT} has <{ROOT}>: is this a file of another format?"),
    )
    .into())
}

/// `Publish_Date`, `MM/DD/YYYY`.
fn publish_date(file: &Arc<str>, element: &Element, value: &str) -> Result<Date, InputError> {
    let parts: Vec<&str> = value.split('/').collect();
    let date = match parts.as_slice() {
        [m, d, y] if m.len() <= 2 && d.len() <= 2 && y.len() == 4 => {
            match (m.parse(), d.parse(), y.parse()) {
                (Ok(m), Ok(d), Ok(y)) => Date::from_ymd(y, m, d),
                _ => None,
            }
        }
        _ => None,
    };
    date.ok_or_else(|| {
        InputError::new(
            &element.origin(file),
            "Publish_Date",
            format!("{value:?} is not a date of the form MM/DD/YYYY"),
        )
    })
}

/// "Linked To:" names resolved to entries of the file: names first, then other names, so a
/// primary name wins over someone else's alias. `cited` names the list in the evidence.
fn resolve_links(entries: &[Entry], dataset: &str, cited: &str) -> (Vec<(Origin, Relation)>, LinkResolution) {
    let mut by_name: HashMap<String, usize> = HashMap::with_capacity(entries.len() * 4);
    for (i, entry) in entries.iter().enumerate() {
        by_name.entry(name_key(&entry.entity.name)).or_insert(i);
    }
    for (i, entry) in entries.iter().enumerate() {
        for name in entry.entity.other_names() {
            by_name.entry(name_key(name)).or_insert(i);
        }
    }
    let mut relations = Vec::new();
    let mut resolution = LinkResolution::default();
    let mut keys = HashSet::new();
    for entry in entries {
        for link in &entry.links {
            resolution.total += 1;
            let Some(&target) = by_name.get(&name_key(link)) else {
                resolution
                    .unresolved
                    .push((entry.entity.id.clone(), link.clone()));
                continue;
            };
            resolution.resolved += 1;
            let target = &entries[target].entity.id;
            if *target == entry.entity.id {
                continue;
            }
            let mut relation = Relation::new(&entry.entity.id, target, RelationKind::LinkedTo, dataset);
            relation.confidence = Some(Confidence::H);
            relation.evidence = Some(format!("{cited} entry {}: Linked To: {link}", entry.uid));
            if keys.insert(relation.natural_key()) {
                relations.push((entry.origin.clone(), relation));
            }
        }
    }
    (relations, resolution)
}
