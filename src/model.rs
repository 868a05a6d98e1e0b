//! Plain data types in FollowTheMoney terms: entities, relations, listings, shares, dates.
//!
//! Architecture invariant: this module does no IO and knows nothing of SQL or HTTP.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of thing an entity is (the FollowTheMoney schema name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Schema {
    Company,
    Organization,
    PublicBody,
    LegalEntity,
    Person,
    Vessel,
    Airplane,
    /// A place parties are registered or reached at, shared by many of them (a formation
    /// agent's registered office): a node so that the sharing is a link one can walk.
    Address,
}

impl Schema {
    pub const ALL: [Schema; 8] = [
        Schema::Company,
        Schema::Organization,
        Schema::PublicBody,
        Schema::LegalEntity,
        Schema::Person,
        Schema::Vessel,
        Schema::Airplane,
        Schema::Address,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Schema::Company => "Company",
            Schema::Organization => "Organization",
            Schema::PublicBody => "PublicBody",
            Schema::LegalEntity => "LegalEntity",
            Schema::Person => "Person",
            Schema::Vessel => "Vessel",
            Schema::Airplane => "Airplane",
            Schema::Address => "Address",
        }
    }
}

impl Schema {
    /// The common noun for `count` entities of this schema: "1 company", "48,213 companies".
    pub fn noun(self, count: usize) -> &'static str {
        let (one, many) = match self {
            Schema::Company => ("company", "companies"),
            Schema::Organization => ("organization", "organizations"),
            Schema::PublicBody => ("public body", "public bodies"),
            Schema::LegalEntity => ("legal entity", "legal entities"),
            Schema::Person => ("person", "people"),
            Schema::Vessel => ("vessel", "vessels"),
            Schema::Airplane => ("airplane", "airplanes"),
            Schema::Address => ("address", "addresses"),
        };
        if count == 1 {
            one
        } else {
            many
        }
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Schema {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Schema::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            format!(
                "unknown schema {s:?}; expected one of {}",
                Schema::ALL.map(Schema::as_str).join(", ")
            )
        })
    }
}

/// The kind of a directed relation `source → target`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// Equity: the source holds shares of the target.
    Owns,
    /// Control without (stated) equity: board appointment, dominant influence.
    Controls,
    /// Administrative subordination (an agency under a ministry); carries no equity.
    SubordinateOf,
    /// An investment of unstated size.
    InvestedIn,
    DirectorOf,
    FamilyOf,
    AssociateOf,
    /// A link of unstated nature, e.g. OFAC's "Linked To:".
    LinkedTo,
    /// Two parties acting together (a joint arrangement, e.g. a voting pact): UK OFSI aggregates
    /// their holdings. Carries no equity of its own; direction has no meaning.
    JointArrangement,
    /// The source is registered or reached at the target, an [`Schema::Address`]. Carries no
    /// control: a shared address is a lead, not a tie.
    HasAddress,
}

impl RelationKind {
    pub const ALL: [RelationKind; 10] = [
        RelationKind::Owns,
        RelationKind::Controls,
        RelationKind::SubordinateOf,
        RelationKind::InvestedIn,
        RelationKind::DirectorOf,
        RelationKind::FamilyOf,
        RelationKind::AssociateOf,
        RelationKind::LinkedTo,
        RelationKind::JointArrangement,
        RelationKind::HasAddress,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::Owns => "owns",
            RelationKind::Controls => "controls",
            RelationKind::SubordinateOf => "subordinate_of",
            RelationKind::InvestedIn => "invested_in",
            RelationKind::DirectorOf => "director_of",
            RelationKind::FamilyOf => "family_of",
            RelationKind::AssociateOf => "associate_of",
            RelationKind::LinkedTo => "linked_to",
            RelationKind::JointArrangement => "joint_arrangement",
            RelationKind::HasAddress => "has_address",
        }
    }

    /// Human wording of the relation read from the source's side.
    pub fn label(self) -> &'static str {
        match self {
            RelationKind::Owns => "owns",
            RelationKind::Controls => "controls",
            RelationKind::SubordinateOf => "is subordinate of",
            RelationKind::InvestedIn => "invested in",
            RelationKind::DirectorOf => "is director of",
            RelationKind::FamilyOf => "is family of",
            RelationKind::AssociateOf => "is associate of",
            RelationKind::LinkedTo => "is linked to",
            RelationKind::JointArrangement => "acts jointly with",
            RelationKind::HasAddress => "has address",
        }
    }

    /// The wording of [`RelationKind::label`] for a plural subject ("3 companies own X").
    pub fn plural_label(self) -> &'static str {
        match self {
            RelationKind::Owns => "own",
            RelationKind::Controls => "control",
            RelationKind::SubordinateOf => "are subordinate of",
            RelationKind::InvestedIn => "invested in",
            RelationKind::DirectorOf => "are directors of",
            RelationKind::FamilyOf => "are family of",
            RelationKind::AssociateOf => "are associates of",
            RelationKind::LinkedTo => "are linked to",
            RelationKind::JointArrangement => "act jointly with",
            RelationKind::HasAddress => "have address",
        }
    }

    /// Human wording of the relation read from the target's side.
    pub fn inverse_label(self) -> &'static str {
        match self {
            RelationKind::Owns => "owned by",
            RelationKind::Controls => "controlled by",
            RelationKind::SubordinateOf => "has subordinate",
            RelationKind::InvestedIn => "has investor",
            RelationKind::DirectorOf => "has director",
            RelationKind::FamilyOf => "is family of",
            RelationKind::AssociateOf => "is associate of",
            RelationKind::LinkedTo => "is linked from",
            RelationKind::JointArrangement => "acts jointly with",
            RelationKind::HasAddress => "is the address of",
        }
    }

    /// Bit of this kind in a [`KindSet`].
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for RelationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RelationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RelationKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown relation kind {s:?}; expected one of {}",
                    RelationKind::ALL.map(RelationKind::as_str).join(", ")
                )
            })
    }
}

/// A set of relation kinds, one bit each: cheap to copy and test in traversals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindSet(pub u16);

impl KindSet {
    pub const ALL: KindSet = KindSet(u16::MAX);

    pub fn contains(self, kind: RelationKind) -> bool {
        self.0 & kind.bit() != 0
    }

    pub fn kinds(self) -> impl Iterator<Item = RelationKind> {
        RelationKind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl FromIterator<RelationKind> for KindSet {
    fn from_iter<I: IntoIterator<Item = RelationKind>>(iter: I) -> Self {
        KindSet(iter.into_iter().fold(0, |bits, k| bits | k.bit()))
    }
}

/// How sure a fact is: H (primary text or several consistent sources), M (one secondary
/// source), L (recalled, to be checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Confidence {
    H,
    M,
    L,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::H => "H",
            Confidence::M => "M",
            Confidence::L => "L",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "H" => Ok(Confidence::H),
            "M" => Ok(Confidence::M),
            "L" => Ok(Confidence::L),
            _ => Err(format!("unknown confidence {s:?}; expected H, M or L")),
        }
    }
}

/// A calendar date (no time, no zone), written `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(time::Date);

const ISO_DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Date {
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Date> {
        let month = time::Month::try_from(month).ok()?;
        time::Date::from_calendar_date(year, month, day).ok().map(Date)
    }

    /// Today in UTC.
    pub fn today() -> Date {
        Date(time::OffsetDateTime::now_utc().date())
    }

    /// Days since the common era epoch: a compact, ordered form for the graph snapshot.
    pub fn to_days(self) -> i32 {
        self.0.to_julian_day()
    }

    pub fn from_days(days: i32) -> Option<Date> {
        time::Date::from_julian_day(days).ok().map(Date)
    }

    pub fn year(self) -> i32 {
        self.0.year()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.format(ISO_DATE).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        // The stored form, YYYY-MM-DD, read directly: snapshot loads parse millions of them.
        if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *s.as_bytes() {
            let digits = [y0, y1, y2, y3, m0, m1, d0, d1];
            if digits.iter().all(u8::is_ascii_digit) {
                let number = |ds: &[u8]| ds.iter().fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
                let (year, month, day) = (number(&digits[..4]), number(&digits[4..6]), number(&digits[6..]));
                return Date::from_ymd(year as i32, month as u8, day as u8)
                    .ok_or_else(|| format!("{s:?} is not a date of the form YYYY-MM-DD"));
            }
        }
        time::Date::parse(s, ISO_DATE)
            .map(Date)
            .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD"))
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// True when `day` falls inside `[start, end)`; a missing bound is open.
pub fn in_window(start: Option<Date>, end: Option<Date>, day: Date) -> bool {
    start.is_none_or(|s| s <= day) && end.is_none_or(|e| day < e)
}

/// A percentage held exactly, in millionths of a percent, so sums and threshold tests are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pct(pub u32);

impl Pct {
    pub const UNIT: u32 = 1_000_000;
    pub const ZERO: Pct = Pct(0);
    pub const HUNDRED: Pct = Pct(100 * Pct::UNIT);
    /// The smallest step: "majority" is stored as 50% plus this.
    pub const EPSILON: Pct = Pct(1);

    pub fn from_percent(percent: u32) -> Pct {
        Pct(percent * Pct::UNIT)
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / Pct::UNIT as f64
    }
}

impl fmt::Display for Pct {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / Pct::UNIT;
        let frac = self.0 % Pct::UNIT;
        if frac == 0 {
            write!(f, "{whole}")
        } else {
            let digits = format!("{frac:06}");
            write!(f, "{whole}.{}", digits.trim_end_matches('0'))
        }
    }
}

impl FromStr for Pct {
    type Err = String;
    /// Parses a decimal percentage in 0..=100 with up to six decimals, e.g. `38.88`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a percentage between 0 and 100");
        let s = s.trim().trim_end_matches('%');
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() && frac.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 6
            || whole.len() > 3
        {
            return Err(bad());
        }
        let whole: u32 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac_value: u32 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<6}").parse().map_err(|_| bad())?
        };
        let value = whole * Pct::UNIT + frac_value;
        if value > Pct::HUNDRED.0 {
            return Err(bad());
        }
        Ok(Pct(value))
    }
}

impl Serialize for Pct {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.as_f64())
    }
}

/// An equity share as an interval `[lo, hi]` of percent; exact when `lo == hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Share {
    pub lo: Pct,
    pub hi: Pct,
}

impl Share {
    pub fn exact(p: Pct) -> Share {
        Share { lo: p, hi: p }
    }

    pub fn range(lo: Pct, hi: Pct) -> Result<Share, String> {
        if lo > hi {
            return Err(format!("share range {lo}-{hi} has its minimum above its maximum"));
        }
        Ok(Share { lo, hi })
    }

    /// More than half: `(50, 100]`, stored as `[50 + ε, 100]`.
    pub fn majority() -> Share {
        Share {
            lo: Pct(Pct::from_percent(50).0 + Pct::EPSILON.0),
            hi: Pct::HUNDRED,
        }
    }

    /// Less than half: `[0, 50)`, stored as `[0, 50 - ε]`.
    pub fn minority() -> Share {
        Share {
            lo: Pct::ZERO,
            hi: Pct(Pct::from_percent(50).0 - Pct::EPSILON.0),
        }
    }

    pub fn is_exact(self) -> bool {
        self.lo == self.hi
    }

    /// Parses the CSV notation: `38.88`, `10-20`, `majority`, `minority`, `wholly`.
    pub fn parse(text: &str) -> Result<Share, String> {
        match text.trim() {
            "majority" => Ok(Share::majority()),
            "minority" => Ok(Share::minority()),
            "wholly" => Ok(Share::exact(Pct::HUNDRED)),
            t => match t.split_once('-') {
                Some((lo, hi)) if !lo.is_empty() => Share::range(lo.parse()?, hi.parse()?),
                _ => Ok(Share::exact(t.parse()?)),
            },
        }
    }
}

impl fmt::Display for Share {
    /// Writes the notation [`Share::parse`] reads back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Share::majority() {
            f.write_str("majority")
        } else if *self == Share::minority() {
            f.write_str("minority")
        } else if self.is_exact() {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{}-{}", self.lo, self.hi)
        }
    }
}

/// An identifier of an entity under some scheme (passport, SWIFT/BIC, registration number…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    pub scheme: String,
    pub value: String,
    /// The issuing country where the source names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A party: company, person, public body, vessel…
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entity {
    pub id: String,
    pub schema: Schema,
    pub name: String,
    pub aliases: Vec<String>,
    pub countries: Vec<String>,
    pub identifiers: Vec<Identifier>,
    pub addresses: Vec<String>,
    /// Persons only; may be partial (`1960`, `1960-08`) as sources give it.
    pub birth_date: Option<String>,
    pub notes: Option<String>,
    pub confidence: Option<Confidence>,
    /// Where the facts about this entity come from.
    pub source: Option<String>,
    pub dataset: String,
    /// Every other fact the source states, under FollowTheMoney property names (see [`prop`]):
    /// weak aliases, former names, places of birth, nationalities, titles, vessel details…
    /// Kept as the source gives them so nothing a list says is lost.
    pub properties: Properties,
}

/// Further facts of an entity: FtM property name → values, in the source's order.
pub type Properties = std::collections::BTreeMap<String, Vec<String>>;

/// The FollowTheMoney property names importers use in [`Entity::properties`]. Export writes
/// each where FtM allows it for the entity's schema ([`prop::allowed`]).
pub mod prop {
    use super::Schema;

    /// A name the source marks as weak or of low quality (OFAC "weak" a.k.a., UN "Low").
    pub const WEAK_ALIAS: &str = "weakAlias";
    /// A former name (OFAC f.k.a.).
    pub const PREVIOUS_NAME: &str = "previousName";
    pub const BIRTH_DATE: &str = "birthDate";
    pub const BIRTH_PLACE: &str = "birthPlace";
    pub const NATIONALITY: &str = "nationality";
    pub const CITIZENSHIP: &str = "citizenship";
    pub const TITLE: &str = "title";
    pub const POSITION: &str = "position";
    pub const GENDER: &str = "gender";
    /// A programme the entity is listed under, as the source names it (kept on the entity
    /// when the source ties it there; listings carry it too).
    pub const PROGRAM: &str = "program";
    pub const SOURCE_URL: &str = "sourceUrl";
    pub const FLAG: &str = "flag";
    pub const CALL_SIGN: &str = "callSign";
    pub const TONNAGE: &str = "tonnage";
    pub const GROSS_TONNAGE: &str = "grossRegisteredTonnage";
    pub const VESSEL_TYPE: &str = "type";
    pub const BUILD_DATE: &str = "buildDate";
    pub const INCORPORATION_DATE: &str = "incorporationDate";
    pub const WEBSITE: &str = "website";
    pub const EMAIL: &str = "email";
    pub const PHONE: &str = "phone";
    /// The line of business (OFAC "Organization Type:", e.g. "Central banking").
    pub const SECTOR: &str = "sector";
    /// What kind of organisation the source says it is (OFAC "Target Type", e.g.
    /// "State-Owned Enterprise").
    pub const CLASSIFICATION: &str = "classification";
    /// The country a legal entity is registered in (OFAC "Nationality of Registration").
    pub const JURISDICTION: &str = "jurisdiction";
    /// A vehicle's model (OFAC "Aircraft Model").
    pub const MODEL: &str = "model";
    /// Flags a vessel flew before (OFAC "Former Vessel Flag").
    pub const PAST_FLAGS: &str = "pastFlags";

    /// Names that search and screening match like aliases.
    pub const NAME_PROPERTIES: [&str; 2] = [WEAK_ALIAS, PREVIOUS_NAME];

    /// How a page names `property`.
    pub fn label(property: &str) -> &str {
        match property {
            WEAK_ALIAS => "Weak aliases",
            PREVIOUS_NAME => "Formerly known as",
            BIRTH_DATE => "Other dates of birth",
            BIRTH_PLACE => "Place of birth",
            NATIONALITY => "Nationality",
            CITIZENSHIP => "Citizenship",
            TITLE => "Title",
            POSITION => "Position",
            GENDER => "Gender",
            PROGRAM => "Programme",
            SOURCE_URL => "Source URL",
            FLAG => "Flag",
            CALL_SIGN => "Call sign",
            TONNAGE => "Tonnage",
            GROSS_TONNAGE => "Gross registered tonnage",
            VESSEL_TYPE => "Type",
            BUILD_DATE => "Built",
            INCORPORATION_DATE => "Incorporated",
            other => other,
        }
    }

    /// Whether FtM defines `property` on `schema` (so an export may write it).
    pub fn allowed(schema: Schema, property: &str) -> bool {
        const THING: &[&str] = &[WEAK_ALIAS, PREVIOUS_NAME, SOURCE_URL];
        const PERSON: &[&str] = &[
            BIRTH_DATE,
            BIRTH_PLACE,
            NATIONALITY,
            CITIZENSHIP,
            TITLE,
            POSITION,
            GENDER,
        ];
        const VESSEL: &[&str] = &[
            FLAG,
            CALL_SIGN,
            TONNAGE,
            GROSS_TONNAGE,
            VESSEL_TYPE,
            BUILD_DATE,
            MODEL,
            PAST_FLAGS,
        ];
        const AIRPLANE: &[&str] = &[VESSEL_TYPE, BUILD_DATE, MODEL];
        const LEGAL: &[&str] = &[
            INCORPORATION_DATE,
            WEBSITE,
            EMAIL,
            PHONE,
            SECTOR,
            CLASSIFICATION,
            JURISDICTION,
        ];
        THING.contains(&property)
            || match schema {
                Schema::Person => PERSON.contains(&property) || LEGAL.contains(&property),
                Schema::Vessel => VESSEL.contains(&property),
                Schema::Airplane => AIRPLANE.contains(&property),
                Schema::Address => false,
                Schema::Company | Schema::Organization | Schema::PublicBody | Schema::LegalEntity => {
                    LEGAL.contains(&property)
                }
            }
    }
}

impl Entity {
    pub fn new(id: &str, schema: Schema, name: &str, dataset: &str) -> Entity {
        Entity {
            id: id.to_string(),
            schema,
            name: name.to_string(),
            aliases: Vec::new(),
            countries: Vec::new(),
            identifiers: Vec::new(),
            addresses: Vec::new(),
            birth_date: None,
            notes: None,
            confidence: None,
            source: None,
            dataset: dataset.to_string(),
            properties: Properties::new(),
        }
    }

    /// Adds `value` to `property` unless it is empty or already there.
    pub fn add_property(&mut self, property: &str, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        let values = self.properties.entry(property.to_string()).or_default();
        if !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }

    /// The values of `property`, empty when the source gives none.
    pub fn property(&self, property: &str) -> &[String] {
        self.properties.get(property).map_or(&[], Vec::as_slice)
    }

    /// Every name the entity is searched and screened by after its main name: aliases, then
    /// weak aliases and former names.
    pub fn other_names(&self) -> impl Iterator<Item = &str> {
        self.aliases
            .iter()
            .chain(prop::NAME_PROPERTIES.iter().flat_map(|p| self.property(p)))
            .map(String::as_str)
    }
}

/// A directed relation `source → target` between two entities (by id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Relation {
    pub source: String,
    pub target: String,
    pub kind: RelationKind,
    /// Equity share for `owns`; `None` when unknown or not applicable.
    pub share: Option<Share>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub notes: Option<String>,
    pub confidence: Option<Confidence>,
    /// Citation or URL.
    pub evidence: Option<String>,
    pub dataset: String,
    /// The source's own id for this record (an FtM entity id, a BODS statement id…). A record
    /// with an id is keyed by it: never merged with another record of its dataset, even one
    /// between the same parties from the same day.
    pub record_id: Option<String>,
}

impl Relation {
    pub fn new(source: &str, target: &str, kind: RelationKind, dataset: &str) -> Relation {
        Relation {
            source: source.to_string(),
            target: target.to_string(),
            kind,
            share: None,
            start_date: None,
            end_date: None,
            notes: None,
            confidence: None,
            evidence: None,
            dataset: dataset.to_string(),
            record_id: None,
        }
    }

    /// What makes this relation the same fact across imports of its dataset: the source's own
    /// record id where it gives one (`id:…`), else `kind|source|target|start_date` (sources
    /// without ids, such as our CSV).
    pub fn natural_key(&self) -> String {
        if let Some(id) = &self.record_id {
            return format!("id:{id}");
        }
        format!(
            "{}|{}|{}|{}",
            self.kind,
            self.source,
            self.target,
            self.start_date.map(|d| d.to_string()).unwrap_or_default()
        )
    }
}

/// Membership of an entity in a restricted-party list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listing {
    pub entity: String,
    /// e.g. "Entity List", "SDN List", "NS-CMIC List".
    pub list: String,
    pub authority: String,
    pub program: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub citation: Option<String>,
    pub license_requirement: Option<String>,
    pub license_review_policy: Option<String>,
    pub confidence: Option<Confidence>,
    pub dataset: String,
}

impl Listing {
    /// What makes this listing the same fact across imports of its dataset.
    pub fn natural_key(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.entity,
            self.list,
            self.program.as_deref().unwrap_or_default(),
            self.start_date.map(|d| d.to_string()).unwrap_or_default()
        )
    }
}

/// Turns a list name into a URL slug: "SDN List" → "sdn-list".
pub fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_directly_agree_with_the_time_crate() {
        for text in [
            "2019-10-09",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "0000-01-01",
            "9999-12-31",
            "2024-1-01",
            "2024/01/01",
            "20240101",
            "2024-01-0x",
            "",
        ] {
            let ours = text.parse::<Date>().ok();
            let theirs = time::Date::parse(text, ISO_DATE).ok().map(Date);
            assert_eq!(ours, theirs, "{text:?}");
        }
    }

    #[test]
    fn pct_parses_and_prints_exactly() {
        for (text, micros, back) in [
            ("38.88", 38_880_000, "38.88"),
            ("100", 100_000_000, "100"),
            ("0", 0, "0"),
            ("10.30", 10_300_000, "10.3"),
            ("5.000001", 5_000_001, "5.000001"),
            (".5", 500_000, "0.5"),
        ] {
            let p: Pct = text.parse().unwrap();
            assert_eq!(p.0, micros, "{text}");
            assert_eq!(p.to_string(), back);
        }
        for bad in ["100.1", "-1", "abc", "", "1.2345678", "1e3", "1000"] {
            assert!(bad.parse::<Pct>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn share_notation_round_trips() {
        for text in ["38.88", "10-20", "majority", "minority", "100"] {
            assert_eq!(Share::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(Share::parse("wholly").unwrap(), Share::exact(Pct::HUNDRED));
        assert!(Share::parse("20-10").is_err());
        assert!(Share::parse("101").is_err());
    }

    #[test]
    fn dates_parse_strictly_and_windows_are_half_open() {
        let d: Date = "2019-10-09".parse().unwrap();
        assert_eq!(d.to_string(), "2019-10-09");
        assert_eq!(Date::from_days(d.to_days()), Some(d));
        assert!("2019-13-01".parse::<Date>().is_err());
        assert!("09/10/2019".parse::<Date>().is_err());
        let end: Date = "2020-01-01".parse().unwrap();
        assert!(in_window(Some(d), Some(end), d));
        assert!(!in_window(Some(d), Some(end), end));
        assert!(in_window(None, None, end));
    }

    #[test]
    fn kinds_and_slugs() {
        for k in RelationKind::ALL {
            assert_eq!(k.as_str().parse::<RelationKind>().unwrap(), k);
        }
        let set: KindSet = [RelationKind::Owns, RelationKind::LinkedTo].into_iter().collect();
        assert!(set.contains(RelationKind::Owns) && !set.contains(RelationKind::Controls));
        assert_eq!(slug("SDN List"), "sdn-list");
        assert_eq!(slug("NS-CMIC List"), "ns-cmic-list");
    }
}

/// Where an input fact came from, for error messages: `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: std::sync::Arc<str>,
    pub line: u64,
}

/// A problem in an input file, reported as `file:line: field: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{}: {field}: {message}", origin.file, origin.line)]
pub struct InputError {
    pub origin: Origin,
    pub field: String,
    pub message: String,
}

impl InputError {
    pub fn new(origin: &Origin, field: &str, message: impl Into<String>) -> InputError {
        InputError {
            origin: origin.clone(),
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Everything one import brings, each fact with its origin; applied to the store as a whole.
#[derive(Debug, Default)]
pub struct Batch {
    pub dataset: String,
    pub entities: Vec<(Origin, Entity)>,
    pub relations: Vec<(Origin, Relation)>,
    pub listings: Vec<(Origin, Listing)>,
}
