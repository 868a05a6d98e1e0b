//! Canada's Consolidated Canadian Autonomous Sanctions List (regulations under the Special
//! Economic Measures Act and the Justice for Victims of Corrupt Foreign Officials Act) in
//! Global Affairs Canada's XML: root `data-set`, one `record` per listing, with `Country` (the
//! regulations it is listed under, "Belarus / Bélarus"), `LastName`/`GivenName` or
//! `EntityOrShip`, `TitleOrShip`, `ShipIMONumber`, `DateOfBirthOrShipBuildDate`, `Schedule`,
//! `Item`, `DateOfListing` and `Aliases`. The file states no publication date.
//!
//! A record is a listing, not a party: the same person listed under two regulations is two
//! records, and nothing in the file ties them together. Ids are therefore the record's place in
//! the regulations, `ca-sema-<country>-<schedule>-item-<item>` (`ca-sema-belarus-1-part-1-item-8`
//! for Belarus, Schedule 1, Part 1, item 8: the country's English name, the schedule left out
//! when there is none), unique in the file.
//!
//! A record with a `ShipIMONumber`, or an `EntityOrShip` with a ship type in `TitleOrShip`, is a
//! vessel (IMO number as identifier scheme "IMO", type, build date); one with a last or given
//! name is a person (`TitleOrShip` is a title, the date one of birth); any other is a legal
//! entity. The listing's programme is `Country` as written, its start `DateOfListing`, its
//! citation "Schedule S, item N". `Country` names regulations, not a nationality, so it is not
//! among the entity's countries. Aliases are split by [`split_aliases`].

use super::xml::{self, Element};
use super::{looks_like_date, one_line, partial_date, ImportError, Read};
use crate::model::{prop, slug, Confidence, Date, Entity, Identifier, InputError, Listing, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub const DATASET: &str = "ca-sema";
pub const LIST: &str = "Consolidated Canadian Autonomous Sanctions List";
pub const AUTHORITY: &str = "Global Affairs Canada";

const ROOT: &str = "data-set";
const FORMAT: &str = "Canada's consolidated autonomous sanctions list (ca-sema-xml)";
const DATE_FIELD: &str = "DateOfBirthOrShipBuildDate";
/// A range of years wider than this is kept in notes only.
const MAX_YEAR_RANGE: i32 = 10;

/// Languages the list names before a name in that language ("Russian: Николай…").
const LANGUAGES: &[&str] = &[
    "arabic",
    "armenian",
    "belarusian",
    "belarussian",
    "burmese",
    "chinese",
    "english",
    "farsi",
    "french",
    "georgian",
    "hebrew",
    "korean",
    "persian",
    "russian",
    "spanish",
    "ukrainian",
];

/// Legal forms that end a name after a comma ("Nord Gold, PLC"; "МИЦ \"Известия\", ООО"), compared
/// without dots, spaces or dashes, in lower case.
const LEGAL_FORMS: &[&str] = &[
    "ag", "ao", "bv", "cjsc", "co", "coltd", "corp", "fze", "fzco", "fzllc", "gmbh", "inc", "jsc", "limited",
    "llc", "llp", "lp", "ltd", "nv", "oao", "ojsc", "ooo", "pao", "pjsc", "plc", "pteltd", "sa", "sarl",
    "spa", "zao", "ао", "зао", "оао", "ооо", "пао", "сао",
];

/// Splits `text` at `separator` where it is not inside brackets or quotes.
fn split_outside(text: &str, separator: char) -> Vec<&str> {
    // Straight quotes open and close alike: counted only when they pair up.
    let straight = text.matches('"').count().is_multiple_of(2);
    let mut depth = 0i32;
    let mut in_straight = false;
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '«' | '“' | '„' => depth += 1,
            ')' | ']' | '»' | '”' => depth = (depth - 1).max(0),
            '"' if straight => in_straight = !in_straight,
            c if c == separator && depth == 0 && !in_straight => {
                parts.push(&text[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn is_legal_form(piece: &str) -> bool {
    let key: String = piece
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '-'))
        .flat_map(char::to_lowercase)
        .collect();
    LEGAL_FORMS.contains(&key.as_str())
}

/// Splits a piece at language labels: "X Arabic: Y" → X, Y; "Russian: Y" → Y.
fn split_labels(piece: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = piece;
    'scan: loop {
        for (colon, _) in rest.match_indices(':') {
            let before = rest[..colon].trim_end();
            let word_start = before
                .rfind(|c: char| !c.is_alphabetic())
                .map_or(0, |i| i + before[i..].chars().next().map_or(1, char::len_utf8));
            let word = &before[word_start..];
            if LANGUAGES.contains(&word.to_lowercase().as_str()) {
                names.push(before[..word_start].trim());
                rest = rest[colon + 1..].trim_start();
                continue 'scan;
            }
        }
        names.push(rest.trim());
        return names.into_iter().filter(|n| !n.is_empty()).collect();
    }
}

/// Whether `side` can stand as a name of its own: two words or more (variants written
/// "Aleksander/ Aleksandr" count as one word), or an acronym ("ЧБРР").
fn whole_name(side: &str) -> bool {
    let joined = side.replace(" /", "/").replace("/ ", "/");
    let letters: Vec<char> = side.chars().filter(|c| c.is_alphabetic()).collect();
    joined.split_whitespace().count() >= 2 || letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// Splits alternatives joined by " or " or " / " when every one can stand as a name
/// ([`whole_name`]); "Nikolay or Nikolai / Vasilievich Maximovich" is one name with variants and
/// stays whole.
fn split_alternatives(name: &str) -> Vec<&str> {
    for separator in [" or ", " OR ", " / "] {
        if !name.contains(separator) {
            continue;
        }
        let sides: Vec<&str> = name.split(separator).map(str::trim).collect();
        if !sides.iter().all(|s| whole_name(s)) {
            return vec![name];
        }
        return sides.into_iter().flat_map(split_alternatives).collect();
    }
    vec![name]
}

/// Whether a comma piece continues the name before it: it starts in lower case (the clauses of
/// a long name, but not an elided article such as "l'Armée") or is a legal form alone.
fn continues(piece: &str) -> bool {
    let mut chars = piece.chars();
    let lower = chars.next().is_some_and(char::is_lowercase);
    let elided = matches!(chars.next(), Some('\'' | '’'));
    lower && !elided || is_legal_form(piece)
}

/// Trims separators and words left at either end ("also …") and brackets or quotes that open
/// or close nothing.
fn tidy(name: &str) -> String {
    let mut name = name.trim_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
    for prefix in ["also ", "a.k.a. ", "aka "] {
        if name.len() > prefix.len()
            && name
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
        {
            name = name[prefix.len()..].trim_start();
        }
    }
    loop {
        let before = name;
        // (“ closes as often as it opens: „Салют“.)
        name = name.trim_end_matches(['(', '[', '«', '„']);
        name = name.trim_start_matches([')', ']', '»', '”']);
        for (open, close) in [('(', ')'), ('“', '”'), ('«', '»')] {
            let opens = name.matches(open).count();
            let closes = name.matches(close).count();
            if name.starts_with(open) && name.ends_with(close) && opens == 1 && closes == 1 {
                name = &name[open.len_utf8()..name.len() - close.len_utf8()];
            } else if name.starts_with(open) && opens > closes {
                name = &name[open.len_utf8()..];
            } else if name.ends_with(close) && closes > opens {
                name = &name[..name.len() - close.len_utf8()];
            }
            name = name.trim();
        }
        let quotes = name.matches('"').count();
        if quotes == 2 && name.len() > 1 && name.starts_with('"') && name.ends_with('"') {
            name = &name[1..name.len() - 1];
        } else if quotes % 2 == 1 && name.starts_with('"') {
            // An odd quote at the end is usually a nested name's ("Завод "Сокол"), so only one
            // at the start is stray.
            name = &name[1..];
        }
        name = name.trim();
        if name == before {
            return name.to_string();
        }
    }
}

/// Splits the `Aliases` text into names, as the list separates them: at `;`, between whole
/// alternative names (" or ", " / "), at commas outside brackets and quotes, and at language
/// labels ("Russian: …"). A comma does not split where that would break a name: before a piece
/// that starts in lower case (the rest of a long name), before a legal form alone ("…, Ltd."),
/// or in "Surname, Given Names" (one word, a comma, then several).
pub fn split_aliases(text: &str) -> Vec<String> {
    let text = one_line(text);
    let mut names: Vec<String> = Vec::new();
    for part in split_outside(&text, ';').into_iter().flat_map(split_alternatives) {
        let part = part.trim();
        let raw = split_outside(part, ',');
        let inverted = raw.len() == 2
            && raw[0].split_whitespace().count() == 1
            && raw[1].split_whitespace().count() >= 2
            && !raw[1].contains(':')
            && !continues(raw[1].trim());
        let mut pieces: Vec<String> = Vec::new();
        if inverted {
            pieces.push(part.to_string());
        } else {
            for piece in raw {
                let piece = piece.trim();
                match pieces.last_mut() {
                    Some(last) if continues(piece) => {
                        last.push_str(", ");
                        last.push_str(piece);
                    }
                    _ => pieces.push(piece.to_string()),
                }
            }
        }
        for piece in &pieces {
            for labelled in split_labels(piece) {
                for name in split_alternatives(labelled) {
                    let name = tidy(name);
                    if !name.is_empty() && !names.contains(&name) {
                        names.push(name);
                    }
                }
            }
        }
    }
    names
}

/// The dates in `DateOfBirthOrShipBuildDate`: whole or partial ISO dates joined by " or ",
/// ranges of years ("1963-1964"), and what is neither, as written.
#[derive(Debug, Default, PartialEq)]
struct Dates {
    dates: Vec<String>,
    ranges: Vec<(i32, i32)>,
    other: Vec<String>,
}

/// Splits at " or ", in any case.
fn split_or(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in text.char_indices() {
        if i >= start && text.get(i..i + 4).is_some_and(|w| w.eq_ignore_ascii_case(" or ")) {
            parts.push(text[start..i].trim());
            start = i + 4;
        }
    }
    parts.push(text[start..].trim());
    parts
}

fn read_dates(text: &str) -> Result<Dates, String> {
    let mut out = Dates::default();
    let parts = split_or(text);
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        let years = part
            .split_once('-')
            .filter(|(a, b)| a.len() == 4 && b.len() == 4)
            .and_then(|(a, b)| Some((a.parse::<i32>().ok()?, b.parse::<i32>().ok()?)));
        match years {
            Some((from, to)) if from <= to => out.ranges.push((from, to)),
            Some(_) => return Err(format!("{part:?} is a range of years that ends before it starts")),
            None if looks_like_date(part) => out.dates.push(partial_date(part)?),
            None => out.other.push(part.to_string()),
        }
    }
    Ok(out)
}

/// The text of the first child named `name` that has any, on one line.
fn field(element: &Element, name: &str) -> Option<String> {
    element
        .children_named(name)
        .map(|c| one_line(&c.text))
        .find(|t| !t.is_empty())
}

fn push_unique(into: &mut Vec<String>, value: String) {
    if !into.contains(&value) {
        into.push(value);
    }
}

/// One record → its entity and its listing.
fn read_record(
    file: &Arc<str>,
    record: &Element,
    skipped: &mut BTreeMap<String, u64>,
) -> Result<(Entity, Listing), InputError> {
    let origin = record.origin(file);
    let error_at = |name: &str, message: String| {
        let at = record.child(name).unwrap_or(record);
        InputError::new(&at.origin(file), name, message)
    };
    let country = field(record, "Country").ok_or_else(|| {
        error_at(
            "Country",
            "is empty; every record names the regulations it is listed under".into(),
        )
    })?;
    let item = field(record, "Item")
        .ok_or_else(|| error_at("Item", "is empty; every record has an item number".into()))?;
    let schedule = field(record, "Schedule");
    let listed_on = field(record, "DateOfListing")
        .ok_or_else(|| {
            error_at(
                "DateOfListing",
                "is empty; every record has a listing date".into(),
            )
        })?
        .parse::<Date>()
        .map_err(|e| error_at("DateOfListing", e))?;

    let last = field(record, "LastName");
    let given = field(record, "GivenName");
    let entity_or_ship = field(record, "EntityOrShip");
    let title_or_ship = field(record, "TitleOrShip");
    let imo = field(record, "ShipIMONumber");
    let (schema, name) = match (&last, &given, &entity_or_ship) {
        (None, None, None) => {
            return Err(InputError::new(
                &origin,
                "LastName",
                "the record names no one: it has no LastName, GivenName or EntityOrShip",
            ))
        }
        (None, None, Some(name)) => {
            let ship = imo.is_some() || title_or_ship.is_some();
            let schema = if ship { Schema::Vessel } else { Schema::LegalEntity };
            (schema, name.clone())
        }
        (_, _, Some(_)) => {
            return Err(error_at(
                "EntityOrShip",
                "the record has both a person's name (LastName/GivenName) and EntityOrShip; expected one"
                    .into(),
            ))
        }
        (last, given, None) => {
            let parts: Vec<&str> = [given, last].into_iter().flatten().map(String::as_str).collect();
            (Schema::Person, parts.join(" "))
        }
    };

    let country_slug = slug(country.split(" / ").next().unwrap_or(&country));
    if country_slug.is_empty() {
        return Err(error_at(
            "Country",
            format!("{country:?} has no Latin letters or digits to make an id from"),
        ));
    }
    let id = match schedule.as_deref().map(slug).filter(|s| !s.is_empty()) {
        Some(s) => format!("ca-sema-{country_slug}-{s}-item-{}", slug(&item)),
        None => format!("ca-sema-{country_slug}-item-{}", slug(&item)),
    };
    let citation = match &schedule {
        Some(s) => format!("Schedule {s}, item {item}"),
        None => format!("item {item}"),
    };
    let mut entity = Entity::new(&id, schema, &name, DATASET);
    entity.confidence = Some(Confidence::H);
    entity.source = Some(format!("{LIST}, {country}, {citation}"));
    let mut notes = Vec::new();

    for child in &record.children {
        match child.name.as_str() {
            "Country" | "LastName" | "GivenName" | "EntityOrShip" | "TitleOrShip" | "ShipIMONumber"
            | "Schedule" | "Item" | "DateOfListing" => {}
            "Aliases" => {
                for alias in split_aliases(&child.text) {
                    if alias != entity.name {
                        push_unique(&mut entity.aliases, alias);
                    }
                }
            }
            DATE_FIELD => {
                let text = one_line(&child.text);
                if text.is_empty() {
                    continue;
                }
                let dates =
                    read_dates(&text).map_err(|e| InputError::new(&child.origin(file), DATE_FIELD, e))?;
                apply_dates(&mut entity, dates, &text, &mut notes);
            }
            other => {
                *skipped.entry(format!("record/{other}")).or_default() += 1;
                let text = one_line(&child.text);
                if !text.is_empty() {
                    notes.push(format!("{other}: {text}"));
                }
            }
        }
    }
    match (schema, title_or_ship) {
        (Schema::Person, Some(title)) => entity.add_property(prop::TITLE, &title),
        (Schema::Vessel, Some(kind)) => entity.add_property(prop::VESSEL_TYPE, &kind),
        (_, Some(other)) => notes.push(format!("TitleOrShip: {other}")),
        (_, None) => {}
    }
    if let Some(imo) = imo {
        entity.identifiers.push(Identifier {
            scheme: "IMO".into(),
            value: imo.trim_start_matches("IMO").trim().to_string(),
            country: None,
        });
    }
    if !notes.is_empty() {
        entity.notes = Some(notes.join("; "));
    }
    let listing = Listing {
        entity: id,
        list: LIST.to_string(),
        authority: AUTHORITY.to_string(),
        program: Some(country),
        start_date: Some(listed_on),
        end_date: None,
        citation: Some(citation),
        license_requirement: None,
        license_review_policy: None,
        confidence: Some(Confidence::H),
        dataset: DATASET.to_string(),
    };
    Ok((entity, listing))
}

/// Dates of birth for a person, build dates for a vessel; for anyone else, and for ranges and
/// what is not a date, notes.
fn apply_dates(entity: &mut Entity, dates: Dates, text: &str, notes: &mut Vec<String>) {
    match entity.schema {
        Schema::Person => {
            for date in dates.dates {
                match &entity.birth_date {
                    None => entity.birth_date = Some(date),
                    Some(first) if *first == date => {}
                    Some(_) => entity.add_property(prop::BIRTH_DATE, &date),
                }
            }
            for (from, to) in &dates.ranges {
                if to - from <= MAX_YEAR_RANGE {
                    for year in *from..=*to {
                        entity.add_property(prop::BIRTH_DATE, &format!("{year:04}"));
                    }
                }
                notes.push(format!("date of birth between {from:04} and {to:04}"));
            }
            for other in dates.other {
                notes.push(format!("date of birth: {other}"));
            }
        }
        Schema::Vessel => {
            for date in dates.dates {
                entity.add_property(prop::BUILD_DATE, &date);
            }
            if !dates.ranges.is_empty() || !dates.other.is_empty() {
                notes.push(format!("build date: {text}"));
            }
        }
        _ => notes.push(format!("{DATE_FIELD}: {text}")),
    }
}

/// Reads Canada's SEMA list at `path` into a batch, one record's tree at a time.
pub fn read(path: &Path, progress: &dyn Fn(u64)) -> Result<Read, ImportError> {
    let mut skipped = BTreeMap::new();
    let (batch, _) = xml::read_entries(
        path,
        (ROOT, FORMAT, &["record"]),
        DATASET,
        progress,
        |file, record| read_record(file, record, &mut skipped),
        |file, record, entity, listing, first| {
            let at = record.child("Item").unwrap_or(record);
            InputError::new(
                &at.origin(file),
                "Item",
                format!(
                    "{} (id {}) already used by the record at line {first}",
                    listing.citation.as_deref().unwrap_or_default(),
                    entity.id
                ),
            )
        },
    )?;
    Ok(Read {
        skipped,
        ..Read::new(batch, vec![path.to_path_buf()])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_split_as_the_list_separates_them() {
        let cases: &[(&str, &[&str])] = &[
            ("Пётр Михайлович Фрадков; Pyotr Mikhailovich Fradkov", &["Пётр Михайлович Фрадков", "Pyotr Mikhailovich Fradkov"]),
            (
                "Mikalay Alyaksandravich Lukashenka, Kolya Lukashenko, Belarusian: Мікалай Аляксандравіч Лукашэнка; Russian: Николай Александрович Лукашенко, Коля Лукашенко",
                &["Mikalay Alyaksandravich Lukashenka", "Kolya Lukashenko", "Мікалай Аляксандравіч Лукашэнка", "Николай Александрович Лукашенко", "Коля Лукашенко"],
            ),
            ("Ali Ahmed Karti Arabic: علي أحمد كرتي", &["Ali Ahmed Karti", "علي أحمد كرتي"]),
            ("Andrey Sergeevich, Belarusian: Aндрэй Сяргеевiч Пальчык, Russian\u{a0}: Андрей Сергеевич Пальчик", &["Andrey Sergeevich", "Aндрэй Сяргеевiч Пальчык", "Андрей Сергеевич Пальчик"]),
            // Commas inside a name: a long name's clauses, a legal form, brackets, an inverted name.
            (
                "Федеральное агентство по делам Содружества Независимых Государств, соотечественников, проживающих за рубежом, и по международному гуманитарному сотрудничеству or Россотрудничество",
                &["Федеральное агентство по делам Содружества Независимых Государств, соотечественников, проживающих за рубежом, и по международному гуманитарному сотрудничеству or Россотрудничество"],
            ),
            ("Air Bagan Holdings Pte. Ltd., Air Bagan Limited", &["Air Bagan Holdings Pte. Ltd.", "Air Bagan Limited"]),
            ("Limited Liability Company Multimedia information center “Izvestia” and MIC “Izvestia” LLC; Russian: МИЦ \"Известия\", ООО", &["Limited Liability Company Multimedia information center “Izvestia” and MIC “Izvestia” LLC", "МИЦ \"Известия\", ООО"]),
            ("Центральный научно-исследовательский институт машиностроения (ЦНИИМаш, АО)", &["Центральный научно-исследовательский институт машиностроения (ЦНИИМаш, АО)"]),
            ("Баранов, Олег Анатольевич", &["Баранов, Олег Анатольевич"]),
            ("Yevgeny, Yevgeni, Evgeni, Evgeniy", &["Yevgeny", "Yevgeni", "Evgeni", "Evgeniy"]),
            // Whole alternatives split; variants of one name do not.
            ("Hanna Borisovna Liavusik or Anna Borisovna Leusik", &["Hanna Borisovna Liavusik", "Anna Borisovna Leusik"]),
            ("Ольга Александровна КРАВЦОВА / Ольга Олександрiвна КРАВЦОВА", &["Ольга Александровна КРАВЦОВА", "Ольга Олександрiвна КРАВЦОВА"]),
            ("Galina Knizhonak-Maksimava, Belarusian: Галіна Кніжонак or Кніжонак-Максімава", &["Galina Knizhonak-Maksimava", "Галіна Кніжонак or Кніжонак-Максімава"]),
            // Stray brackets and wrapping quotes.
            ("Министерство обороны Республики Беларусь; Минобороны Беларуси)", &["Министерство обороны Республики Беларусь", "Минобороны Беларуси"]),
            ("مروان عيسى; “Abu- Barra”", &["مروان عيسى", "Abu- Barra"]),
            ("King Royal Technologies Co. Ltd.,\nKing Royal Technologies Ltd.", &["King Royal Technologies Co. Ltd.", "King Royal Technologies Ltd."]),
            ("ООО Липецкий механический завод: ЛМЗ", &["ООО Липецкий механический завод: ЛМЗ"]),
            ("\"Научно-производственное объединение Стрела” or “НПО Стрела”", &["Научно-производственное объединение Стрела", "НПО Стрела"]),
            ("НПО Лавочкина, АО or Акционерное Общество \"НПО Им. С.А.Лавочкина\"", &["НПО Лавочкина, АО", "Акционерное Общество \"НПО Им. С.А.Лавочкина\""]),
            ("Акционерное Общество \"Завод \"Универсалмаш\"", &["Акционерное Общество \"Завод \"Универсалмаш\""]),
            ("Акционерное Общество «Научно-производственное предприятие „Салют“", &["Акционерное Общество «Научно-производственное предприятие „Салют“"]),
            ("Следственный Комитет Российской Федерации or СКР)", &["Следственный Комитет Российской Федерации", "СКР"]),
            ("Aleksander/ Aleksandr or Alexander /Alexandr Vladimirovich Karnienko, Russian: Александр Владимирович Карниенко or Карниенка", &["Aleksander/ Aleksandr or Alexander /Alexandr Vladimirovich Karnienko", "Александр Владимирович Карниенко or Карниенка"]),
            ("Nikolay or Nikolai / Vasilievich or Vasilyevich Maximavich", &["Nikolay or Nikolai / Vasilievich or Vasilyevich Maximavich"]),
            ("IRG, CGRI, l'Armée des Gardiens de la Révolution islamique", &["IRG", "CGRI", "l'Armée des Gardiens de la Révolution islamique"]),
            ("also Andrey Mikhailovich Ilnitsky; Андрей Михайлович Ильницкий", &["Andrey Mikhailovich Ilnitsky", "Андрей Михайлович Ильницкий"]),
            ("Беларускi народны банк) (Russian: Открытое акционерное общество \"Белорусский народный банк\"", &["Беларускi народны банк", "Открытое акционерное общество \"Белорусский народный банк\""]),
        ];
        for (text, expected) in cases {
            assert_eq!(split_aliases(text), *expected, "{text}");
        }
    }

    #[test]
    fn dates_alternatives_ranges_and_free_text() {
        let d = read_dates("1972-08-10 or 1972-08-11").unwrap();
        assert_eq!(d.dates, ["1972-08-10", "1972-08-11"]);
        let d = read_dates("1965-07-15 OR 1969").unwrap();
        assert_eq!(d.dates, ["1965-07-15", "1969"]);
        let d = read_dates("1963-1964").unwrap();
        assert_eq!((d.ranges, d.dates.len()), (vec![(1963, 1964)], 0));
        let d = read_dates("born in the early 1970s").unwrap();
        assert_eq!(d.other, ["born in the early 1970s"]);
        assert!(read_dates("1965-13-01").is_err());
        assert!(read_dates("1964-1963").is_err());
    }
}
