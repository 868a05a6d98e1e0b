//! A synthetic ownership world for scale tests and benchmarks. Every dataset it makes is
//! named `synthetic-<seed>` so it is never mistaken for real data.
//!
//! Two shapes ([`Shape`]). **Flat** (the first one, kept so old figures stay comparable):
//! companies (most), persons and public bodies with names drawn from realistic
//! vocabularies; each company has a heavy-tailed number of owners (preferential attachment
//! gives hubs), shares per company summing to at most 100 with some unknown; ownership chains
//! of one to eight levels; a few cycles; `controls`, `subordinate_of`, `director_of` links;
//! about 1% of parties listed across several lists, with dates. Its largest degree is about
//! 100 at 1M entities. **Hubs** (the default): the flat world plus what real registers have
//! (see [`HubParams`]): formation agents and nominee directors with power-law degrees of
//! 1,000–80,000 links over a shelf of a quarter of the companies; the registered office of
//! each formation agent, an `Address` node the agent and the companies it formed all have; a
//! listed state holding company owning tens of thousands of companies, deep chains below it,
//! cross-holdings and ownership rings.

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

/// Generates `entities` parties with about three relations each, in the flat shape.
pub fn generate(entities: usize, seed: u64) -> Batch {
    generate_shaped(entities, seed, Shape::Flat)
}

/// Generates `entities` parties in `shape`; the same seed gives the same world.
pub fn generate_shaped(entities: usize, seed: u64, shape: Shape) -> Batch {
    match shape {
        Shape::Flat => flat(entities, seed),
        Shape::Hubs => {
            assert!(
                entities >= MIN_HUB_ENTITIES,
                "the hub shape needs at least {MIN_HUB_ENTITIES} entities"
            );
            let params = HubParams::for_entities(entities);
            let mut batch = flat(entities - params.entities(), seed);
            add_hubs(&mut batch, &params, seed);
            batch
        }
    }
}

fn flat(entities: usize, seed: u64) -> Batch {
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

/// Which synthetic world to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The first generator's world: no node above about 100 links at 1M entities.
    Flat,
    /// The flat world with the hubs real registers have ([`HubParams`]).
    Hubs,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Flat => "flat",
            Shape::Hubs => "hubs",
        }
    }
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Shape, String> {
        match s {
            "flat" => Ok(Shape::Flat),
            "hubs" => Ok(Shape::Hubs),
            _ => Err(format!("unknown shape {s:?}; expected hubs or flat")),
        }
    }
}

/// The hub shape's parameters, scaled to the number of entities (the figures are at 1M).
#[derive(Debug, Clone, PartialEq)]
pub struct HubParams {
    /// Formation agents (companies, odd ranks) and nominee directors (persons, even ranks):
    /// n / 5,000, from 4 to 200 (200 at 1M).
    pub agents: usize,
    /// Links of the rank-1 agent: 8% of n, at most 80,000 (80,000 at 1M).
    pub top_degree: usize,
    /// Fewest links of any agent: top / 80 (1,000 at 1M).
    pub min_degree: usize,
    /// Degree of rank r is `top_degree · r^-exponent`, at least `min_degree` (0.9).
    pub exponent: f64,
    /// Agents draw their companies from this share of all companies, the "shelf" of
    /// companies formed and run by agents (0.25): one company often has several agents.
    pub shelf: f64,
    /// Companies the state holding company owns directly (51–100%): n / 25, at most 40,000.
    pub state_companies: usize,
    /// Chains of 12–30 wholly owned companies below state companies: n / 20,000, at least 1.
    pub chains: usize,
    /// Ownership rings of 2 (cross-holdings) to 6 companies, 20–45% each: n / 10,000, at least 2.
    pub rings: usize,
}

impl HubParams {
    pub fn for_entities(n: usize) -> HubParams {
        let top_degree = (n * 8 / 100).clamp(1, 80_000);
        HubParams {
            agents: (n / 5_000).clamp(4, 200),
            top_degree,
            min_degree: (top_degree / 80).max(1),
            exponent: 0.9,
            shelf: 0.25,
            state_companies: (n / 25).clamp(1, 40_000),
            chains: (n / 20_000).max(1),
            rings: (n / 10_000).max(2),
        }
    }

    /// Entities the hub layer adds: the agents, the registered offices of the formation agents
    /// (odd ranks) and the state holding company.
    pub fn entities(&self) -> usize {
        self.agents + self.agents.div_ceil(2) + 1
    }

    /// The number of companies the agent of `rank` (1-based) is director of.
    pub fn degree(&self, rank: usize) -> usize {
        let d = self.top_degree as f64 * (rank as f64).powf(-self.exponent);
        (d.round() as usize).max(self.min_degree)
    }
}

/// Fewest entities the hub shape is made for (the CLI refuses fewer).
pub const MIN_HUB_ENTITIES: usize = 1_000;

/// The id of the state holding company of the hub shape.
pub const STATE_HOLDING: &str = "syn-state-holding";

/// The id of the registered office of the formation agent of `rank`.
fn address_id(rank: usize) -> String {
    format!("syn-address-{rank}")
}

/// Adds the hub layer to a flat world (see [`HubParams`]).
fn add_hubs(batch: &mut Batch, p: &HubParams, seed: u64) {
    // Its own random stream: the flat part below stays the flat world of its size.
    let mut rng = SmallRng::seed_from_u64(seed ^ 0x4855_4253);
    let dataset = batch.dataset.clone();
    let origin = Origin {
        file: Arc::from(format!("generated:{dataset}")),
        line: 0,
    };
    let companies: Vec<usize> = (0..batch.entities.len())
        .filter(|&i| batch.entities[i].1.schema == Schema::Company)
        .collect();
    // The shelf: a quarter of the companies, enough for the largest agent.
    let shelf_size = ((companies.len() as f64 * p.shelf) as usize)
        .max(p.top_degree)
        .min(companies.len());
    let shelf: Vec<usize> = rand::seq::index::sample(&mut rng, companies.len(), shelf_size)
        .into_iter()
        .map(|at| companies[at])
        .collect();
    let mut relations = Vec::new();
    let mut relate = |rng: &mut SmallRng, s: &str, t: &str, kind, share: Option<Share>| {
        let mut relation = Relation::new(s, t, kind, &dataset);
        relation.share = share;
        if rng.random_bool(0.3) {
            relation.start_date = Some(random_date(rng, 2005, 2024));
        }
        relation.confidence = Some(Confidence::M);
        relation.evidence = Some("synthetic".into());
        relations.push((origin.clone(), relation));
    };

    for rank in 1..=p.agents {
        let id = format!("syn-hub-{rank}");
        let formation = rank % 2 == 1;
        let mut agent = if formation {
            let name = format!(
                "{} {} Formation Agents {}",
                pick(&mut rng, ADJECTIVES),
                pick(&mut rng, NOUNS),
                pick(&mut rng, LEGAL_FORMS)
            );
            let mut agent = Entity::new(&id, Schema::Company, &name, &dataset);
            agent.notes = Some("synthetic formation agent: director of the companies it formed, which share its registered office".into());
            agent
        } else {
            let name = format!("{} {}", pick(&mut rng, FIRST_NAMES), pick(&mut rng, LAST_NAMES));
            let mut agent = Entity::new(&id, Schema::Person, &name, &dataset);
            agent.notes = Some("synthetic nominee director".into());
            agent
        };
        agent
            .countries
            .push(pick(&mut rng, &["GB", "CY", "HK", "AE", "SG"]).to_string());
        agent.confidence = Some(Confidence::M);
        // A formation agent's registered office: an address node that it and every company it
        // formed are at, as in a real register.
        let office = formation.then(|| {
            let text = format!(
                "{} {} Road, Suite {rank}, {} Business Centre",
                rng.random_range(1..300),
                pick(&mut rng, NOUNS),
                pick(&mut rng, ADJECTIVES)
            );
            let mut office = Entity::new(&address_id(rank), Schema::Address, &text, &dataset);
            office.countries = agent.countries.clone();
            office.notes = Some("synthetic registered office".into());
            office
        });
        batch.entities.push((origin.clone(), agent));
        if let Some(office) = office {
            relate(&mut rng, &id, &office.id, RelationKind::HasAddress, None);
            batch.entities.push((origin.clone(), office));
        }
        let degree = p.degree(rank).min(shelf.len());
        for at in rand::seq::index::sample(&mut rng, shelf.len(), degree) {
            let company = shelf[at];
            relate(
                &mut rng,
                &id,
                &format!("syn-{company}"),
                RelationKind::DirectorOf,
                None,
            );
            if formation {
                relate(
                    &mut rng,
                    &format!("syn-{company}"),
                    &address_id(rank),
                    RelationKind::HasAddress,
                    None,
                );
            }
        }
    }

    // The state holding group: listed, owning its companies directly (their other owners
    // dropped, so each company's shares still sum to at most 100%).
    let mut holding = Entity::new(
        STATE_HOLDING,
        Schema::PublicBody,
        "State Property Holding Company",
        &dataset,
    );
    holding.countries.push("RU".into());
    holding.confidence = Some(Confidence::M);
    batch.entities.push((origin.clone(), holding));
    let mut taken = vec![false; batch.entities.len()];
    let draw = |rng: &mut SmallRng, taken: &mut Vec<bool>| loop {
        let company = companies[rng.random_range(0..companies.len())];
        if !taken[company] {
            taken[company] = true;
            return company;
        }
    };
    let wanted = p.state_companies.min(companies.len() / 2);
    let state: Vec<usize> = (0..wanted).map(|_| draw(&mut rng, &mut taken)).collect();
    for &company in &state {
        let share = if rng.random_bool(0.6) {
            Pct::HUNDRED
        } else {
            Pct::from_percent(rng.random_range(51..100))
        };
        relate(
            &mut rng,
            STATE_HOLDING,
            &format!("syn-{company}"),
            RelationKind::Owns,
            Some(Share::exact(share)),
        );
    }
    let listing = |entity: &str, list: &str, authority: &str| Listing {
        entity: entity.to_string(),
        list: list.to_string(),
        authority: authority.to_string(),
        program: Some("SYNTHETIC".into()),
        start_date: Some(Date::from_ymd(2022, 2, 24).expect("a real day")),
        end_date: None,
        citation: Some(format!("synthetic listing {entity}")),
        license_requirement: None,
        license_review_policy: None,
        confidence: Some(Confidence::M),
        dataset: dataset.clone(),
    };
    batch
        .listings
        .push((origin.clone(), listing(STATE_HOLDING, "SDN List", "OFAC")));
    if let Some(&first) = state.first() {
        let bis = "US Department of Commerce (BIS)";
        batch.listings.push((
            origin.clone(),
            listing(&format!("syn-{first}"), "Entity List", bis),
        ));
    }
    // Deep chains: a state company owns the first link wholly, each link the next.
    for &top in state.iter().take(p.chains) {
        let mut above = top;
        for _ in 0..rng.random_range(12..=30) {
            let below = draw(&mut rng, &mut taken);
            let (s, t) = (format!("syn-{above}"), format!("syn-{below}"));
            relate(
                &mut rng,
                &s,
                &t,
                RelationKind::Owns,
                Some(Share::exact(Pct::HUNDRED)),
            );
            above = below;
        }
    }
    // Rings: each member owns 20–45% of the next; a ring of two is a cross-holding.
    for _ in 0..p.rings {
        let members: Vec<usize> = (0..rng.random_range(2..=6))
            .map(|_| draw(&mut rng, &mut taken))
            .collect();
        for (i, &member) in members.iter().enumerate() {
            let next = members[(i + 1) % members.len()];
            let share = Share::exact(Pct::from_percent(rng.random_range(20..=45)));
            relate(
                &mut rng,
                &format!("syn-{member}"),
                &format!("syn-{next}"),
                RelationKind::Owns,
                Some(share),
            );
        }
    }
    // Companies now owned by the state, a chain or a ring lose their flat owners.
    let index = |id: &str| id.strip_prefix("syn-").and_then(|n| n.parse::<usize>().ok());
    batch.relations.retain(|(_, r)| {
        r.kind != RelationKind::Owns || index(&r.target).is_none_or(|t| taken.get(t) != Some(&true))
    });
    batch.relations.extend(relations);
}

/// How links are spread over entities: what tells a world with hubs from one without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DegreeSummary {
    pub entities: usize,
    pub relations: usize,
    /// Links of the entity with the most, either way, and its id.
    pub max: usize,
    pub max_id: String,
    pub p99: usize,
    pub median: usize,
    /// Entities with more than 1,000 links.
    pub over_1000: usize,
}

impl std::fmt::Display for DegreeSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "degrees (links either way): max {} ({}), p99 {}, median {}, {} entities over 1,000 links",
            self.max, self.max_id, self.p99, self.median, self.over_1000
        )
    }
}

/// The degree summary of a batch: every relation counts once at each end.
pub fn degree_summary(batch: &Batch) -> DegreeSummary {
    let index: std::collections::HashMap<&str, usize> = batch
        .entities
        .iter()
        .enumerate()
        .map(|(i, (_, e))| (e.id.as_str(), i))
        .collect();
    let mut degree = vec![0usize; batch.entities.len()];
    for (_, r) in &batch.relations {
        for end in [&r.source, &r.target] {
            if let Some(&i) = index.get(end.as_str()) {
                degree[i] += 1;
            }
        }
    }
    let (max_at, max) = degree
        .iter()
        .enumerate()
        .max_by_key(|&(_, d)| *d)
        .map_or((0, 0), |(i, d)| (i, *d));
    let over_1000 = degree.iter().filter(|&&d| d > 1000).count();
    let mut sorted = degree;
    sorted.sort_unstable();
    let at = |q: f64| {
        sorted
            .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    DegreeSummary {
        entities: batch.entities.len(),
        relations: batch.relations.len(),
        max,
        max_id: batch
            .entities
            .get(max_at)
            .map(|(_, e)| e.id.clone())
            .unwrap_or_default(),
        p99: at(0.99),
        median: at(0.5),
        over_1000,
    }
}

/// Undirected depth-3 neighbourhoods of seeded random starts: how far a hub lets a walk reach.
#[derive(Debug, Clone)]
pub struct Depth3Sample {
    pub starts: usize,
    pub mean: f64,
    pub median: usize,
    pub max: usize,
    /// Average time of one count.
    pub per_start: std::time::Duration,
}

impl std::fmt::Display for Depth3Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "depth 3 either way from {} random entities: mean {:.0}, median {}, max {} entities reached ({:.2?} a count)",
            self.starts, self.mean, self.median, self.max, self.per_start
        )
    }
}

/// Loads `store`'s snapshot and counts the depth-3 neighbourhood (either way, every kind) of
/// 200 entities drawn with `seed`.
pub fn depth3_sample(
    store: &crate::store::Store,
    seed: u64,
) -> Result<Depth3Sample, crate::store::StoreError> {
    use crate::graph::{Direction, Snapshot};
    let snapshot = Snapshot::load(store)?;
    let mut rng = SmallRng::seed_from_u64(seed ^ 0xD3);
    let starts = 200.min(snapshot.node_count());
    let began = std::time::Instant::now();
    let mut reached: Vec<usize> = (0..starts)
        .map(|_| {
            let node = rng.random_range(0..snapshot.node_count()) as u32;
            snapshot.reach_count(node, 3, crate::model::KindSet::ALL, Direction::Both)
        })
        .collect();
    let per_start = began.elapsed() / starts.max(1) as u32;
    reached.sort_unstable();
    Ok(Depth3Sample {
        starts,
        mean: reached.iter().sum::<usize>() as f64 / starts.max(1) as f64,
        median: reached.get(starts / 2).copied().unwrap_or(0),
        max: reached.last().copied().unwrap_or(0),
        per_start,
    })
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
    #[test]
    fn the_hub_shape_has_hubs_a_state_group_chains_and_rings() {
        let n = 20_000;
        let p = HubParams::for_entities(n);
        let batch = generate_shaped(n, 7, Shape::Hubs);
        assert_eq!(batch.entities.len(), n);
        assert!(batch.dataset.starts_with("synthetic-"));
        let degrees = degree_summary(&batch);
        // The state holding company owns the most here (800 companies at 20k entities, then
        // the rank-1 agent's 1,600 directorships plus its own owners): hubs are there.
        assert!(degrees.max >= p.top_degree, "{degrees}");
        assert!(degrees.over_1000 >= 1, "{degrees}");
        assert!(degrees.median < 10, "most entities stay small: {degrees}");
        let flat = degree_summary(&generate(n, 7));
        assert!(flat.max < 200 && flat.over_1000 == 0, "flat has no hubs: {flat}");

        // Degrees follow the power law: rank 1 has top_degree, each next rank fewer.
        assert_eq!(p.degree(1), p.top_degree);
        assert!((2..=p.agents).all(|r| p.degree(r) <= p.degree(r - 1) && p.degree(r) >= p.min_degree));
        let agent_links = |id: &str| {
            batch
                .relations
                .iter()
                .filter(|(_, r)| r.source == id && r.kind == RelationKind::DirectorOf)
                .count()
        };
        assert_eq!(agent_links("syn-hub-1"), p.degree(1));
        // A formation agent and the companies it formed are at its registered office, an
        // address node; a nominee director has none.
        let office = &batch
            .entities
            .iter()
            .find(|(_, e)| e.id == "syn-address-1")
            .unwrap()
            .1;
        assert_eq!(office.schema, Schema::Address);
        let at_office: std::collections::BTreeSet<&str> = batch
            .relations
            .iter()
            .filter(|(_, r)| r.target == office.id && r.kind == RelationKind::HasAddress)
            .map(|(_, r)| r.source.as_str())
            .collect();
        let mut formed: std::collections::BTreeSet<&str> = batch
            .relations
            .iter()
            .filter(|(_, r)| r.source == "syn-hub-1" && r.kind == RelationKind::DirectorOf)
            .map(|(_, r)| r.target.as_str())
            .collect();
        formed.insert("syn-hub-1");
        assert_eq!(at_office, formed);
        assert!(!batch.entities.iter().any(|(_, e)| e.id == "syn-address-2"));
        let addresses = batch
            .entities
            .iter()
            .filter(|(_, e)| e.schema == Schema::Address)
            .count();
        assert_eq!(addresses, p.agents.div_ceil(2));

        // The state group: listed, owning its companies, every company's known shares <= 100%.
        let owned = batch
            .relations
            .iter()
            .filter(|(_, r)| r.source == STATE_HOLDING && r.kind == RelationKind::Owns)
            .count();
        assert_eq!(owned, p.state_companies);
        assert!(batch.listings.iter().any(|(_, l)| l.entity == STATE_HOLDING));
        let mut known: HashMap<&str, u64> = HashMap::new();
        let mut owners: HashMap<&str, Vec<&str>> = HashMap::new();
        for (_, r) in batch
            .relations
            .iter()
            .filter(|(_, r)| r.kind == RelationKind::Owns)
        {
            if let Some(share) = r.share {
                *known.entry(&r.target).or_default() += u64::from(share.lo.0);
            }
            owners.entry(&r.target).or_default().push(&r.source);
        }
        // Flat cycle stakes (5% back to an owner) come on top, as in the flat shape.
        assert!(known
            .values()
            .all(|&sum| sum <= u64::from(Pct::from_percent(105).0)));

        // Deep chains: some company has 12 or more owners above it, one above the other.
        let height = |start: &str| {
            let mut at = start;
            let mut steps = 0;
            while let Some(up) = owners.get(at).and_then(|o| o.first()) {
                at = up;
                steps += 1;
                if steps > 100 {
                    break; // a ring
                }
            }
            steps
        };
        let deepest = owners.keys().map(|t| height(t)).max().unwrap();
        assert!(deepest >= 12, "deep chains: {deepest}");
        // Rings and cross-holdings: some company reaches itself going up.
        assert!(owners.keys().any(|t| height(t) > 100), "ownership rings");
        // The same seed gives the same world.
        assert_eq!(degree_summary(&generate_shaped(n, 7, Shape::Hubs)), degrees);
    }
}
