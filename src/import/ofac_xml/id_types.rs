//! OFAC's idTypes: what each `idList` item of an entry is (an identifier, a fact with a
//! property, a listing date, a statement about the sanctions), as OFAC writes its idType.

use crate::import::ofac_sdn;
use crate::model::prop;

/// What an `idList` item is, by its idType.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdKind {
    /// Identifies the party: kept in `identifiers`, the idType as scheme.
    Identifier,
    /// A fact with a property of its own.
    Property(&'static str),
    /// A date with a property of its own, as ISO where the text allows.
    DateProperty(&'static str),
    /// The country a legal entity is registered in: `jurisdiction` and `countries`.
    Registration,
    /// Another name of the party: a CMIC "Issuer Name", the name its securities trade under.
    Alias,
    /// "Listing Date (…)": the start of a listing.
    ListingDate,
    /// A statement about the sanctions (a directive, a menu-based measure, a secondary sanctions
    /// risk, an effective date): kept in notes; some tie the entry to a list.
    Statement,
}

pub(super) fn id_kind(id_type: &str) -> Option<IdKind> {
    use IdKind::*;
    Some(match id_type {
        "Gender" => Property(prop::GENDER),
        "Website" => Property(prop::WEBSITE),
        "Email Address" => Property(prop::EMAIL),
        "Phone Number" => Property(prop::PHONE),
        "Organization Type:" => Property(prop::SECTOR),
        "Target Type" => Property(prop::CLASSIFICATION),
        "Aircraft Model" => Property(prop::MODEL),
        "Other Vessel Type" => Property(prop::VESSEL_TYPE),
        "Other Vessel Flag" => Property(prop::FLAG),
        "Former Vessel Flag" => Property(prop::PAST_FLAGS),
        "Other Vessel Call Sign" => Property(prop::CALL_SIGN),
        "Organization Established Date" => DateProperty(prop::INCORPORATION_DATE),
        "Aircraft Manufacture Date" | "Vessel Year of Build" => DateProperty(prop::BUILD_DATE),
        "Nationality of Registration" => Registration,
        "Issuer Name" => Alias,
        "Secondary sanctions risk:"
        | "Additional Sanctions Information -"
        | "Transactions Prohibited For Persons Owned or Controlled By U.S. Financial Institutions:"
        | "IFCA Determination -"
        | "CAATSA Section 235 Information:"
        | "Aircraft Operator" => Statement,
        t if t.starts_with("Listing Date (") => ListingDate,
        t if t.starts_with("Executive Order ")
            || t.starts_with("Effective Date (")
            || t.starts_with("Purchase/Sales For Divestment Date (") =>
        {
            Statement
        }
        t if t.starts_with("Digital Currency Address - ")
            || ofac_sdn::IDENTIFIER_TYPES.binary_search(&t).is_ok() =>
        {
            Identifier
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_type_of_the_consolidated_file_is_mapped() {
        // The 2025-03-28 consolidated file's idTypes, each with what it becomes.
        use IdKind::*;
        for (id_type, kind) in [
            ("Secondary sanctions risk:", Statement),
            ("Executive Order 13662 Directive Determination -", Statement),
            ("Tax ID No.", Identifier),
            ("Registration ID", Identifier),
            ("Website", Property(prop::WEBSITE)),
            ("ISIN", Identifier),
            ("Government Gazette Number", Identifier),
            ("Email Address", Property(prop::EMAIL)),
            ("Target Type", Property(prop::CLASSIFICATION)),
            ("Issuer Name", Alias),
            ("Equity Ticker", Identifier),
            ("Effective Date (CMIC)", Statement),
            ("Purchase/Sales For Divestment Date (CMIC)", Statement),
            ("Listing Date (CMIC)", ListingDate),
            ("Unified Social Credit Code (USCC)", Identifier),
            ("SWIFT/BIC", Identifier),
            (
                "Organization Established Date",
                DateProperty(prop::INCORPORATION_DATE),
            ),
            ("Registration Number", Identifier),
            ("Executive Order 14024 Directive Information -", Statement),
            ("Executive Order 14024 Directive Information", Statement),
            ("Legal Entity Number", Identifier),
            ("Listing Date (EO 14024 Directive 2):", ListingDate),
            ("Effective Date (EO 14024 Directive 2):", Statement),
            ("Nationality of Registration", Registration),
            ("Public Registration Number", Identifier),
            ("BIK (RU)", Identifier),
            ("Organization Type:", Property(prop::SECTOR)),
            ("CAATSA Section 235 Information:", Statement),
            ("Gender", Property(prop::GENDER)),
            ("Executive Order 14059 information:", Statement),
            ("Business Registration Number", Identifier),
            ("Executive Order 14014 Directive Information:", Statement),
            ("License", Identifier),
            ("Passport", Identifier),
            ("V.A.T. Number", Identifier),
            ("Company Number", Identifier),
            ("C.R. No.", Identifier),
            ("National ID No.", Identifier),
            ("Driver's License No.", Identifier),
        ] {
            assert_eq!(id_kind(id_type), Some(kind), "{id_type}");
        }
        assert_eq!(id_kind("Favourite Colour"), None);
        assert!(
            ofac_sdn::IDENTIFIER_TYPES.windows(2).all(|w| w[0] < w[1]),
            "sorted for the binary search"
        );
    }
}
