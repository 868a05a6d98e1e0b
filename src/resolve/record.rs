//! A source record as cross-referencing compares it: the facts of one entity that say who it
//! is (names, kind, countries, birth dates, identifiers, addresses), normalised once.

use crate::model::{prop, Entity, Schema};
use crate::screen::country_code;
use crate::search::{core, normalise};

/// What an identifier identifies, whatever each source calls its scheme: a passport number is
/// compared with passport numbers, an IMO number with IMO numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdClass {
    Passport,
    NationalId,
    TaxId,
    /// A company or business registration number: one jurisdiction's register.
    Registration,
    Imo,
    Lei,
    Bic,
    Mmsi,
    Isin,
    Duns,
    /// A UN Security Council reference number (`QDi.001`), which other lists quote.
    UnReference,
    /// OFAC's unique id: one number space for all of OFAC's lists.
    OfacUid,
}

impl IdClass {
    /// The class of a scheme as a source names it, if it is one that identifies a party.
    /// Schemes that several parties share or that change (websites, phones, e-mail, aircraft
    /// models, gazette numbers) are not classes: they are not evidence of identity.
    pub fn of_scheme(scheme: &str) -> Option<IdClass> {
        let s = scheme.to_ascii_lowercase();
        let has = |w: &str| s.contains(w);
        Some(if has("passport") {
            IdClass::Passport
        } else if has("imo") || has("vessel registration") {
            IdClass::Imo
        } else if has("mmsi") {
            IdClass::Mmsi
        } else if has("legal entity") || s == "lei" || has("lei ") {
            IdClass::Lei
        } else if has("swift") || has("bic") {
            IdClass::Bic
        } else if has("isin") {
            IdClass::Isin
        } else if has("d-u-n-s") || has("duns") {
            IdClass::Duns
        } else if has("un reference") || has("un ref") {
            IdClass::UnReference
        } else if has("ofac uid") {
            IdClass::OfacUid
        } else if has("national id")
            || has("national identification")
            || has("cedula")
            || has("c.u.r.p")
            || has("d.n.i")
            || has("personal id")
            || has("citizen")
            || has("social security")
        {
            IdClass::NationalId
        } else if has("tax")
            || has("r.f.c")
            || has("nit ")
            || s == "nit #"
            || has("ruc ")
            || has("v.a.t")
            || has("vat ")
            || has("rif ")
            || has("inn")
        {
            IdClass::TaxId
        } else if has("registration")
            || has("registry")
            || has("register")
            || has("company number")
            || has("chamber of comm")
            || has("credit code")
            || has("uscc")
            || has("c.r. no")
            || has("trade license")
            || has("mercantil")
            || has("ogrn")
        {
            IdClass::Registration
        } else {
            return None;
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            IdClass::Passport => "passport",
            IdClass::NationalId => "national id",
            IdClass::TaxId => "tax id",
            IdClass::Registration => "registration number",
            IdClass::Imo => "IMO number",
            IdClass::Lei => "LEI",
            IdClass::Bic => "SWIFT/BIC",
            IdClass::Mmsi => "MMSI",
            IdClass::Isin => "ISIN",
            IdClass::Duns => "D-U-N-S number",
            IdClass::UnReference => "UN reference number",
            IdClass::OfacUid => "OFAC uid",
        }
    }

    /// Whether a number of this class is only unique within its issuing country, so two
    /// values from different countries are neither a match nor a conflict.
    fn per_country(self) -> bool {
        matches!(
            self,
            IdClass::Passport | IdClass::NationalId | IdClass::TaxId | IdClass::Registration
        )
    }

    /// Whether a party has one value of this class at most: two different values say two
    /// parties (a vessel has one IMO number, an OFAC party one uid).
    fn single_valued(self) -> bool {
        matches!(
            self,
            IdClass::Imo
                | IdClass::Lei
                | IdClass::Mmsi
                | IdClass::UnReference
                | IdClass::OfacUid
                | IdClass::Duns
        )
    }
}

/// Whether a value is written as an IMO number: "IMO" and its seven digits ("IMO 9187629",
/// "IMO9187629").
fn is_imo_number(value: &str) -> bool {
    let Some(digits) = value.trim().strip_prefix("IMO") else {
        return false;
    };
    let digits = digits.trim_start();
    digits.len() == 7 && digits.bytes().all(|b| b.is_ascii_digit())
}

/// An identifier reduced to what identity rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub class: IdClass,
    /// Letters and digits only, lower case (for an IMO number: its seven digits).
    pub value: String,
    /// The issuing country as an ISO code, where given.
    pub country: Option<String>,
    /// As the source gives it, for the reasons.
    pub shown: String,
}

impl Key {
    fn new(class: IdClass, value: &str, country: Option<&str>, shown: String) -> Option<Key> {
        let mut compact: String = value
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        if class == IdClass::Imo {
            // "IMO 9187629", "9187629": the seven digits.
            compact = compact.chars().filter(char::is_ascii_digit).collect();
            if compact.len() != 7 {
                return None;
            }
        }
        if class == IdClass::Bic && compact.len() >= 8 {
            compact.truncate(8); // the branch code does not make another bank
        }
        // Short numbers ("1", "123") collide between parties: not evidence.
        if compact.chars().count() < 5 {
            return None;
        }
        Some(Key {
            class,
            value: compact,
            country: country.map(country_code).filter(|c| !c.is_empty()),
            shown,
        })
    }

    /// Whether two keys are the same identifier: same class and value, and, for numbers
    /// issued per country, no two different issuing countries.
    pub fn same_as(&self, other: &Key) -> bool {
        self.class == other.class && self.value == other.value && self.countries_compatible(other)
    }

    fn countries_compatible(&self, other: &Key) -> bool {
        !self.class.per_country()
            || match (&self.country, &other.country) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }

    /// Whether `other` is a different identifier of the same kind that this party could not
    /// also hold: a second IMO number, or a registration number of the same register.
    pub fn conflicts_with(&self, other: &Key) -> bool {
        if self.class != other.class || self.value == other.value {
            return false;
        }
        if self.class.single_valued() {
            return true;
        }
        // Numbers issued per country conflict only within one country's register, and only for
        // registers that give a party one number (a person may hold several passports).
        self.class == IdClass::Registration
            && matches!((&self.country, &other.country), (Some(a), Some(b)) if a == b)
    }
}

/// One name of a record, as given and normalised.
#[derive(Debug, Clone)]
pub struct Name {
    pub text: String,
    pub norm: String,
    /// `norm` without legal forms at either end: what names are compared by.
    pub bare: String,
    pub is_alias: bool,
}

/// One source record, ready to compare.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub dataset: String,
    pub schema: Schema,
    pub name: String,
    /// The name first, then aliases, weak aliases and former names; distinct normal forms.
    pub names: Vec<Name>,
    /// ISO codes where recognisable.
    pub countries: Vec<String>,
    /// Birth dates as given (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
    pub birth_dates: Vec<String>,
    pub keys: Vec<Key>,
    /// Normalised addresses.
    pub addresses: Vec<String>,
}

/// Names compared per record at most: some SDN entries carry dozens of spellings.
const MAX_NAMES: usize = 24;

impl Record {
    pub fn from_entity(entity: &Entity) -> Record {
        let mut names: Vec<Name> = Vec::new();
        let mut add = |text: &str, is_alias: bool| {
            let norm = normalise(text);
            if !norm.is_empty() && names.len() < MAX_NAMES && !names.iter().any(|n| n.norm == norm) {
                names.push(Name {
                    text: text.to_string(),
                    bare: bare(&norm),
                    norm,
                    is_alias,
                });
            }
        };
        add(&entity.name, false);
        // "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)", "FOREIGN TRADE BANK (FTB)": the
        // UN puts abbreviations in brackets in the name itself; the name is also without them.
        if let Some(plain) = without_brackets(&entity.name) {
            add(&plain, false);
        }
        // OFAC and the UN write people "LAST, First": also compare "First LAST".
        if let Some((last, first)) = entity.name.split_once(',') {
            if entity.schema == Schema::Person {
                add(&format!("{} {}", first.trim(), last.trim()), false);
            }
        }
        for alias in entity.other_names() {
            add(alias, true);
        }
        let mut countries: Vec<String> = entity
            .countries
            .iter()
            .chain(entity.property(prop::NATIONALITY))
            .chain(entity.property(prop::CITIZENSHIP))
            .chain(entity.property(prop::JURISDICTION))
            .map(|c| country_code(c))
            .filter(|c| !c.is_empty())
            .collect();
        countries.sort();
        countries.dedup();
        let mut birth_dates: Vec<String> = entity
            .birth_date
            .iter()
            .chain(entity.property(prop::BIRTH_DATE))
            .filter(|d| d.len() >= 4 && d[..4].chars().all(|c| c.is_ascii_digit()))
            .cloned()
            .collect();
        birth_dates.sort();
        birth_dates.dedup();
        let mut keys: Vec<Key> = entity
            .identifiers
            .iter()
            .filter_map(|i| {
                // OFAC writes IMO numbers under other schemes ("Company Number: IMO 5571322",
                // "Identification Number: IMO 1790183"): the value says what it is.
                let class = if is_imo_number(&i.value) {
                    IdClass::Imo
                } else {
                    IdClass::of_scheme(&i.scheme)?
                };
                Key::new(
                    class,
                    &i.value,
                    i.country.as_deref(),
                    format!("{} {}", i.scheme, i.value),
                )
            })
            .collect();
        if let Some(key) = ofac_uid_of_id(entity) {
            if !keys.iter().any(|k| k.class == IdClass::OfacUid) {
                keys.push(key);
            }
        }
        let addresses = entity
            .addresses
            .iter()
            .map(|a| normalise(a))
            .filter(|a| !a.is_empty())
            .collect();
        Record {
            id: entity.id.clone(),
            dataset: entity.dataset.clone(),
            schema: entity.schema,
            name: entity.name.clone(),
            names,
            countries,
            birth_dates,
            keys,
            addresses,
        }
    }
}

/// A normalised name without the legal forms at its end ([`core`]) or at its start, where
/// Russian and other registers put them ("jsc 558 aircraft repair plant"): they say what kind
/// of company a name belongs to, not which.
pub fn bare(norm: &str) -> String {
    // `core` strips the end of a name: the end of the name read backwards is its start.
    let backwards = core(norm).rsplit(' ').collect::<Vec<_>>().join(" ");
    core(&backwards).rsplit(' ').collect::<Vec<_>>().join(" ")
}

/// `text` without what it has in round brackets, if it has any and something else.
fn without_brackets(text: &str) -> Option<String> {
    if !text.contains('(') {
        return None;
    }
    let mut plain = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let plain = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    (!plain.is_empty() && plain != text).then_some(plain)
}

/// OFAC's SDN importers key each entry by its uid (`ofac-306` is OFAC's entry 306), so the id
/// itself is the uid that OFAC's other lists quote as `OFAC UID`.
fn ofac_uid_of_id(entity: &Entity) -> Option<Key> {
    if !entity.dataset.starts_with("ofac") {
        return None;
    }
    let uid = entity.id.strip_prefix("ofac-")?;
    if uid.is_empty() || !uid.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(Key {
        class: IdClass::OfacUid,
        value: uid.to_string(),
        country: None,
        shown: format!("OFAC uid {uid} (the record's own id)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_also_compared_without_brackets_and_legal_forms() {
        assert_eq!(
            without_brackets("FOREIGN TRADE BANK (FTB)").as_deref(),
            Some("FOREIGN TRADE BANK")
        );
        assert_eq!(without_brackets("(FTB)"), None);
        assert_eq!(without_brackets("OFFICE 39"), None);
        assert_eq!(bare("jsc 558 aircraft repair plant"), "558 aircraft repair plant");
        assert_eq!(
            bare("hikvision digital technology co ltd"),
            "hikvision digital technology"
        );
        assert_eq!(bare("jsc"), "jsc", "a name is never empty");
        let record = Record::from_entity(&Entity::new(
            "un-KPe.020",
            Schema::Company,
            "OCEAN MARITIME MANAGEMENT COMPANY, LIMITED (OMM)",
            "un-sc",
        ));
        let names: Vec<&str> = record.names.iter().map(|n| n.bare.as_str()).collect();
        assert_eq!(
            names,
            [
                "ocean maritime management co ltd omm",
                "ocean maritime management"
            ]
        );
    }

    /// An IMO number written under another scheme (as OFAC writes a shipping company's) is an
    /// IMO number, the same as one given as such (as the UN list's comments give it).
    #[test]
    fn an_imo_number_under_another_scheme_is_an_imo_number() {
        let with = |scheme: &str, value: &str| {
            let mut e = Entity::new("x", crate::model::Schema::LegalEntity, "KOREA SHIPPING CO", "d");
            e.identifiers.push(crate::model::Identifier {
                scheme: scheme.into(),
                value: value.into(),
                country: None,
            });
            Record::from_entity(&e).keys
        };
        let ofac = with("Company Number", "IMO 5571322");
        let un = with("IMO", "5571322");
        assert_eq!((ofac[0].class, ofac[0].value.as_str()), (IdClass::Imo, "5571322"));
        assert!(ofac[0].same_as(&un[0]));
        assert_eq!(
            with("Identification Number", "IMO 1790183")[0].class,
            IdClass::Imo
        );
        // Not an IMO number: other lengths, other words.
        assert_eq!(
            with("Company Number", "IMO 557132")[0].class,
            IdClass::Registration
        );
        assert_eq!(
            with("Registration Number", "IMOTEX 1234567")[0].class,
            IdClass::Registration
        );
        assert!(with("Website", "IMO 5571322x").is_empty());
    }

    #[test]
    fn schemes_fall_into_classes() {
        let cases = [
            ("Passport", Some(IdClass::Passport)),
            ("Vessel Registration Identification", Some(IdClass::Imo)),
            ("IMO", Some(IdClass::Imo)),
            ("National Identification Number", Some(IdClass::NationalId)),
            ("Cedula No.", Some(IdClass::NationalId)),
            ("Tax ID No.", Some(IdClass::TaxId)),
            ("Registration Number", Some(IdClass::Registration)),
            ("Unified Social Credit Code (USCC)", Some(IdClass::Registration)),
            ("Legal Entity Number", Some(IdClass::Lei)),
            ("SWIFT/BIC", Some(IdClass::Bic)),
            ("UN Reference Number", Some(IdClass::UnReference)),
            ("OFAC UID", Some(IdClass::OfacUid)),
            ("Website", None),
            ("Phone Number", None),
            ("Aircraft Model", None),
            ("Government Gazette Number", None),
        ];
        for (scheme, class) in cases {
            assert_eq!(IdClass::of_scheme(scheme), class, "{scheme}");
        }
    }

    #[test]
    fn keys_compare_by_class_value_and_country() {
        let key = |class, value: &str, country: Option<&str>| {
            Key::new(class, value, country, value.into()).unwrap()
        };
        let imo = key(IdClass::Imo, "IMO 9187629", None);
        assert_eq!(imo.value, "9187629");
        assert!(imo.same_as(&key(IdClass::Imo, "9187629", None)));
        assert!(imo.conflicts_with(&key(IdClass::Imo, "9187630", None)));
        let p = key(IdClass::Passport, "A-123456", Some("Iran"));
        assert!(p.same_as(&key(IdClass::Passport, "a123456", Some("IR"))));
        assert!(p.same_as(&key(IdClass::Passport, "A123456", None)));
        assert!(!p.same_as(&key(IdClass::Passport, "A123456", Some("Iraq"))));
        assert!(
            !p.conflicts_with(&key(IdClass::Passport, "B999999", Some("IR"))),
            "a person may hold two passports"
        );
        let r = key(IdClass::Registration, "1027700132195", Some("RU"));
        assert!(r.conflicts_with(&key(IdClass::Registration, "1027700132196", Some("RU"))));
        assert!(!r.conflicts_with(&key(IdClass::Registration, "1027700132196", Some("KZ"))));
        assert!(Key::new(IdClass::Passport, "123", None, String::new()).is_none());
    }
}
