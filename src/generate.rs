//! A synthetic ownership world for scale tests and benchmarks. Every dataset it makes is
//! named `synthetic-<seed>` so it is never mistaken for real data.
//!
//! Shape: companies (most), persons and public bodies with names drawn from realistic
//! vocabularies; each company has a heavy-tailed number of owners (preferential attachment
//! gives hubs), shares per company summing to at most 100 with some unknown; ownership chains
//! of one to eight levels; a few cycles; `controls`, `subordinate_of`, `director_of` links;
//! about 1% of parties listed across several lists, with dates.

use crate::model::{
    Batch, Confidence, Date, Entity, Listing, Origin, Pct, Relation, RelationKind, Schema, Share,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

const ADJECTIVES: &[&str] = &[
    "Golden", "Northern", "Pacific", "United", "Global", "Eastern", "Silver", "Royal", "Atlantic", "Central",
    "Great", "Western", "Southern", "Prime", "Blue", "Red", "New", "First", "Grand", "Star", "Orient",
    "Baltic", "Caspian", "Alpine", "Delta", "Sunrise", "Crescent", "Phoenix", "Summit", "Harbor",
];
const NOUNS: &[&str] = &[
    "Dragon", "Eagle", "Ocean", "River", "Mountain", "Bridge", "Horizon", "Falcon", "Lotus", "Cedar",
    "Anchor", "Compass", "Beacon", "Pioneer", "Heritage", "Crown", "Vertex", "Meridian", "Aurora", "Titan",
    "Nova", "Zenith", "Orbit", "Quartz", "Granite", "Willow", "Maple", "Jade", "Pearl", "Ember",
];
const SECTORS: &[&str] = &[
    "Trading",
    "Shipping",
    "Logistics",
    "Energy",
    "Petroleum",
    "Technology",
    "Electronics",
    "Holdings",
    "Investment",
    "Industrial",
    "Mining",
    "Metals",
    "Chemicals",
    "Aviation",
    "Marine",
    "Construction",
    "Engineering",
    "Telecom",
    "Finance",
    "Capital",
    "Security",
    "Systems",
    "Semiconductor",
    "Pharma",
];
const LEGAL_FORMS: &[&str] = &[
    "Co., Ltd.",
    "Limited",
    "LLC",
    "GmbH",
    "S.A.",
    "JSC",
    "OOO",
    "Inc.",
    "Corporation",
    "FZE",
    "Pte. Ltd.",
    "B.V.",
    "S.R.L.",
    "PJSC",
    "AG",
];
const FIRST_NAMES: &[&str] = &[
    "Wei", "Li", "Ivan", "Olga", "Ahmed", "Fatima", "John", "Maria", "Chen", "Hassan", "Sergei", "Elena",
    "Ali", "Mohammad", "Anna", "Dmitri", "Yusuf", "Leila", "Pavel", "Natalia", "Omar", "Sofia", "Kim",
    "Jose", "Igor", "Amir", "Zhang", "Viktor", "Reza", "Mikhail",
];
const LAST_NAMES: &[&str] = &[
    "Wang",
    "Zhang",
    "Ivanov",
    "Petrov",
    "Hosseini",
    "Karimi",
    "Smith",
    "Garcia",
    "Liu",
    "Sokolov",
    "Rahimi",
    "Kuznetsov",
    "Chen",
    "Popov",
    "Al-Farsi",
    "Haddad",
    "Volkov",
    "Morozov",
    "Lee",
    "Park",
    "Novak",
    "Rossi",
    "Nasser",
    "Mansour",
    "Orlov",
    "Lebedev",
    "Yang",
    "Huang",
    "Tehrani",
    "Abbasi",
];
const COUNTRIES: &[&str] = &[
    "CN", "RU", "IR", "AE", "HK", "TR", "CY", "GB", "US", "DE", "SG", "KP", "SY", "VE", "BY",
];
const LISTS: &[(&str, &str)] = &[
    ("SDN List", "OFAC"),
    ("Entity List", "US Department of Commerce (BIS)"),
    ("NS-CMIC List", "OFAC"),
    ("EU Consolidated List", "European Union"),
    ("UK Sanctions List", "OFSI"),
];

fn pick<'a>(rng: &mut SmallRng, words: &[&'a str]) -> &'a str {
    words[rng.random_range(0..words.len())]
}

fn random_date(rng: &mut SmallRng, from_year: i32, to_year: i32) -> Date {
    let year = rng.random_range(from_year..=to_year);
    let month = rng.random_range(1..=12u8);
    let day = rng.random_range(1..=28u8);
    Date::from_ymd(year, month, day).expect("day 1..=28 exists in every month")
}

/// Levels of ownership: chains from a top holding down to the lowest company.
const LEVELS: usize = 8;

/// Generates `entities` parties with about three relations each.
pub fn generate(entities: usize, seed: u64) -> Batch {
    let mut rng = SmallRng::seed_from_u64(seed);
    let dataset = format!("synthetic-{seed}");
    let origin = Origin {
        file: Arc::from(format!("generated:{dataset}")),
        line: 0,
    };
    let mut batch = Batch {
        dataset: dataset.clone(),
        ..Batch::default()
    };
    let mut schemas = Vec::with_capacity(entities);
    for i in 0..entities {
        let roll: f64 = rng.random();
        let schema = if roll < 0.70 {
            Schema::Company
        } else if roll < 0.95 {
            Schema::Person
        } else if roll < 0.98 {
            Schema::PublicBody
        } else {
            Schema::Organization
        };
        let name = match schema {
            Schema::Person => format!("{} {}", pick(&mut rng, FIRST_NAMES), pick(&mut rng, LAST_NAMES)),
            Schema::PublicBody => format!("Ministry of {} {}", pick(&mut rng, SECTORS), i % 997),
            _ => format!(
                "{} {} {} {}",
                pick(&mut rng, ADJECTIVES),
                pick(&mut rng, NOUNS),
                pick(&mut rng, SECTORS),
                pick(&mut rng, LEGAL_FORMS)
            ),
        };
        let mut entity = Entity::new(&format!("syn-{i}"), schema, &name, &dataset);
        entity.countries.push(pick(&mut rng, COUNTRIES).to_string());
        if rng.random_bool(0.2) {
            entity
                .aliases
                .push(format!("{} {}", pick(&mut rng, NOUNS), pick(&mut rng, SECTORS)));
        }
        entity.confidence = Some(Confidence::M);
        batch.entities.push((origin.clone(), entity));
        schemas.push(schema);
    }

    let persons: Vec<usize> = (0..entities).filter(|&i| schemas[i] == Schema::Person).collect();
    // Ownership has levels: a company of level L is owned by companies of level L - 1 (and by
    // persons), so chains run 1 to 8 levels, as in registries, and what stands above a company
    // stays a bounded tree-like web rather than most of the graph. Most companies sit low.
    let mut level = vec![0u8; entities];
    let mut by_level: Vec<Vec<usize>> = vec![Vec::new(); LEVELS];
    for (i, schema) in schemas.iter().enumerate() {
        if *schema == Schema::Company {
            let mut l = 0;
            while l + 1 < LEVELS && rng.random_bool(0.55) {
                l += 1;
            }
            level[i] = l as u8;
            by_level[l].push(i);
        }
    }
    // Preferential attachment: owners are drawn partly from earlier owners of the same level,
    // giving hubs (holding companies, formation agents).
    let mut owner_pool: Vec<Vec<usize>> = vec![Vec::new(); LEVELS];
    let add = |batch: &mut Batch, rng: &mut SmallRng, (s, t): (usize, usize), kind, share: Option<Share>| {
        let mut relation = Relation::new(&format!("syn-{s}"), &format!("syn-{t}"), kind, &dataset);
        relation.share = share;
        if rng.random_bool(0.3) {
            relation.start_date = Some(random_date(rng, 2005, 2024));
        }
        relation.confidence = Some(Confidence::M);
        relation.evidence = Some("synthetic".into());
        batch.relations.push((origin.clone(), relation));
    };
    for (target, &schema) in schemas.iter().enumerate().skip(1) {
        match schema {
            Schema::Company => {
                // Heavy tail: most companies have 1-2 owners, a few have many.
                let owners = 1 + (rng.random::<f64>().powi(2) * 8.0) as usize;
                let mut left = Pct::HUNDRED.0;
                let mut chosen = Vec::with_capacity(owners);
                for _ in 0..owners {
                    // Owners come from a window before the target: chains of a few levels.
                    let above = level[target] as usize;
                    let owner = if above == 0 || rng.random_bool(0.25) {
                        // Persons own companies at every level; the top level is owned by them.
                        if persons.is_empty() {
                            continue;
                        }
                        persons[rng.random_range(0..persons.len())]
                    } else {
                        let pool = &owner_pool[above - 1];
                        if !pool.is_empty() && rng.random_bool(0.3) {
                            pool[rng.random_range(0..pool.len())]
                        } else {
                            let candidates = &by_level[above - 1];
                            if candidates.is_empty() {
                                continue;
                            }
                            candidates[rng.random_range(0..candidates.len())]
                        }
                    };
                    if owner == target || chosen.contains(&owner) {
                        continue;
                    }
                    chosen.push(owner);
                    if above > 0 && schemas[owner] == Schema::Company {
                        owner_pool[above - 1].push(owner);
                    }
                    let share = if rng.random_bool(0.1) || left == 0 {
                        None
                    } else {
                        let part = rng.random_range(1..=left.min(Pct::from_percent(80).0));
                        left -= part;
                        Some(Share::exact(Pct(part - part % 10_000)))
                    };
                    add(&mut batch, &mut rng, (owner, target), RelationKind::Owns, share);
                }
                // A few cycles: a company holds a small stake back in one of its owners.
                if rng.random_bool(0.004) {
                    if let Some(&up) = chosen.iter().find(|&&o| schemas[o] == Schema::Company) {
                        let share = Some(Share::exact(Pct::from_percent(5)));
                        add(&mut batch, &mut rng, (target, up), RelationKind::Owns, share);
                    }
                }
                // Half the companies name a director, a few two; some persons sit on many boards.
                let directors = usize::from(rng.random_bool(0.5)) + usize::from(rng.random_bool(0.1));
                for _ in 0..directors {
                    if persons.is_empty() {
                        break;
                    }
                    let director = persons[rng.random_range(0..persons.len())];
                    add(
                        &mut batch,
                        &mut rng,
                        (director, target),
                        RelationKind::DirectorOf,
                        None,
                    );
                }
            }
            Schema::Person if rng.random_bool(0.5) => {
                let other = rng.random_range(0..target);
                add(
                    &mut batch,
                    &mut rng,
                    (target, other),
                    RelationKind::AssociateOf,
                    None,
                );
            }
            Schema::PublicBody | Schema::Organization => {
                let parent = rng.random_range(0..target);
                add(
                    &mut batch,
                    &mut rng,
                    (target, parent),
                    RelationKind::SubordinateOf,
                    None,
                );
                let controlled = rng.random_range(0..entities);
                if controlled != target {
                    add(
                        &mut batch,
                        &mut rng,
                        (target, controlled),
                        RelationKind::Controls,
                        None,
                    );
                }
            }
            _ => {}
        }
    }

    for i in 0..entities {
        if rng.random_bool(0.01) {
            let (list, authority) = LISTS[rng.random_range(0..LISTS.len())];
            let listing = Listing {
                entity: format!("syn-{i}"),
                list: list.to_string(),
                authority: authority.to_string(),
                program: Some("SYNTHETIC".into()),
                start_date: Some(random_date(&mut rng, 2010, 2025)),
                end_date: None,
                citation: Some(format!("synthetic listing {i}")),
                license_requirement: None,
                license_review_policy: None,
                confidence: Some(Confidence::M),
                dataset: dataset.clone(),
            };
            batch.listings.push((origin.clone(), listing));
        }
    }
    // The same (kind, source, target, start) twice is one fact: keep the first.
    let mut seen = std::collections::HashSet::new();
    batch.relations.retain(|(_, r)| seen.insert(r.natural_key()));
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, VecDeque};

    #[test]
    fn the_world_has_the_promised_shape() {
        let n = 20_000;
        let batch = generate(n, 7);
        assert!(batch.dataset.starts_with("synthetic-"), "synthetic data says so");
        assert_eq!(batch.entities.len(), n);
        let per_entity = batch.relations.len() as f64 / n as f64;
        assert!(
            (2.5..3.5).contains(&per_entity),
            "about three relations each: {per_entity}"
        );
        let listed = batch.listings.len() as f64 / n as f64;
        assert!((0.005..0.015).contains(&listed), "about 1% listed: {listed}");

        // Known shares of each owned company add up to at most 100%; some are unknown.
        let mut owners: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut known: HashMap<&str, u64> = HashMap::new();
        let mut unknown = 0;
        for (_, r) in batch
            .relations
            .iter()
            .filter(|(_, r)| r.kind == RelationKind::Owns)
        {
            owners.entry(&r.target).or_default().push(&r.source);
            match r.share {
                Some(share) => *known.entry(&r.target).or_default() += u64::from(share.lo.0),
                None => unknown += 1,
            }
        }
        // Cycle stakes (5% back to an owner) come on top of the owners' 100%.
        assert!(known
            .values()
            .all(|&sum| sum <= u64::from(Pct::from_percent(105).0)));
        assert!(unknown > 0, "some shares are unknown");

        // Chains upward are a few levels long, with a few cycles, never most of the graph.
        let mut longest = 0;
        let mut cycles = 0;
        for start in (0..n).step_by(97).map(|i| format!("syn-{i}")) {
            let mut depth: HashMap<&str, usize> = HashMap::from([(start.as_str(), 0)]);
            let mut queue = VecDeque::from([start.as_str()]);
            while let Some(at) = queue.pop_front() {
                for &owner in owners.get(at).into_iter().flatten() {
                    if owner == start {
                        cycles += 1;
                    }
                    if !depth.contains_key(owner) {
                        depth.insert(owner, depth[at] + 1);
                        queue.push_back(owner);
                    }
                }
            }
            assert!(
                depth.len() < n / 10,
                "{start} has {} parties above it",
                depth.len()
            );
            longest = longest.max(*depth.values().max().unwrap());
        }
        assert!(
            (4..=12).contains(&longest),
            "chains of a few levels, up to about 8: {longest}"
        );
        assert!(cycles > 0, "some ownership cycles");
    }
}
