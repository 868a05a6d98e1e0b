//! The worked cases T1–T10 of EXPOSURE_RULES.md, each built as a small graph through a Batch
//! into an empty database, and the bundled SenseTime case on the real data.

mod common;

use ownergraph::engine::Engine;
use ownergraph::exposure::{explain, ExposureReport, Flag, RegimeId, Status};
use ownergraph::model::{Batch, Date, Entity, Listing, Origin, Relation, RelationKind, Schema, Share};
use ownergraph::store::ImportRecord;
use std::sync::Arc;

/// Every regime's list: a party "listed" in a case is on all of them.
const ALL_LISTS: &[&str] = &[
    "SDN List",
    "Entity List",
    "EU Consolidated List",
    "UK Sanctions List",
];

/// A case: `listed` parties (on every list from 2000-01-01) and relations written
/// `(source, target, share)`, where share is a percentage, `?` (unknown), `majority`,
/// `control` (a controls relation) or `joint` (a joint arrangement).
fn case(listed: &[&str], relations: &[(&str, &str, &str)]) -> (tempfile::TempDir, Engine) {
    let listings: Vec<(&str, &str, Option<&str>)> = listed
        .iter()
        .flat_map(|id| ALL_LISTS.iter().map(move |list| (*id, *list, None)))
        .collect();
    case_on(&listings, relations)
}

/// A case whose listed parties are on the lists (and under the programmes) given:
/// `(entity, list, programme)`.
fn case_on(
    listed: &[(&str, &str, Option<&str>)],
    relations: &[(&str, &str, &str)],
) -> (tempfile::TempDir, Engine) {
    let (dir, engine) = common::empty_engine();
    let origin = Origin {
        file: Arc::from("case"),
        line: 1,
    };
    let mut batch = Batch {
        dataset: "case".into(),
        ..Batch::default()
    };
    let mut ids: Vec<&str> = relations.iter().flat_map(|(s, t, _)| [*s, *t]).collect();
    ids.extend(listed.iter().map(|(id, _, _)| *id));
    ids.sort_unstable();
    ids.dedup();
    for id in ids {
        batch.entities.push((
            origin.clone(),
            Entity::new(id, Schema::Company, &format!("Party {id}"), "case"),
        ));
    }
    for (source, target, share) in relations {
        let kind = match *share {
            "control" => RelationKind::Controls,
            "joint" => RelationKind::JointArrangement,
            _ => RelationKind::Owns,
        };
        let mut r = Relation::new(source, target, kind, "case");
        r.share = match *share {
            "?" | "control" | "joint" => None,
            s => Some(Share::parse(s).unwrap()),
        };
        r.evidence = Some(format!("filing {source}-{target}"));
        batch.relations.push((origin.clone(), r));
    }
    for (id, list, program) in listed {
        batch.listings.push((
            origin.clone(),
            Listing {
                entity: id.to_string(),
                list: list.to_string(),
                authority: "case".into(),
                program: program.map(str::to_string),
                start_date: Some(day("2000-01-01")),
                end_date: None,
                citation: Some(format!("{list} entry of {id}")),
                license_requirement: Some("For all items subject to the EAR".into()),
                license_review_policy: Some("Presumption of denial".into()),
                confidence: None,
                dataset: "case".into(),
            },
        ));
    }
    let record = ImportRecord {
        dataset: "case".into(),
        format: "test".into(),
        path: "case".into(),
        checksum: "case".into(),
    };
    engine.apply(&batch, &record).expect("case applies");
    (dir, engine)
}

fn day(s: &str) -> Date {
    s.parse().unwrap()
}

/// A day on which every regime is in force with its current arithmetic.
const IN_FORCE: &str = "2025-10-15";

fn judge(engine: &Engine, id: &str, regime: RegimeId, on: &str) -> ExposureReport {
    explain(engine, id, regime, day(on))
        .unwrap()
        .expect("entity exists")
}

fn status(engine: &Engine, id: &str, regime: RegimeId) -> Status {
    judge(engine, id, regime, IN_FORCE).status
}

fn pct(p: [ownergraph::model::Pct; 2]) -> [f64; 2] {
    [p[0].as_f64(), p[1].as_f64()]
}

#[test]
fn t1_status_propagates_through_a_blocked_intermediate() {
    let (_d, e) = case(&["X"], &[("X", "A", "50"), ("A", "B", "50")]);
    assert_eq!(status(&e, "A", RegimeId::Ofac), Status::Blocked);
    let b = judge(&e, "B", RegimeId::Ofac, IN_FORCE);
    assert_eq!(b.status, Status::Blocked, "not 50% × 50% = 25%");
    assert_eq!(b.depth, Some(2));
    assert_eq!(pct(b.blocked_owner_share), [50.0, 50.0]);
    assert_eq!(pct(b.look_through_listed_share), [25.0, 25.0]);
    let chain = &b.evidence[0];
    assert_eq!(chain.seed.entity_id, "X");
    assert_eq!(chain.seed.listing.as_ref().unwrap().list, "SDN List");
    let hops: Vec<(&str, &str)> = chain.hops.iter().map(|h| (&*h.source, &*h.target)).collect();
    assert_eq!(hops, [("X", "A"), ("A", "B")]);
    assert_eq!(chain.hops[1].evidence.as_deref(), Some("filing A-B"));
}

#[test]
fn t2_stakes_of_two_blocked_owners_add_up() {
    let (_d, e) = case(
        &["X"],
        &[
            ("X", "A", "50"),
            ("X", "B", "50"),
            ("A", "C", "25"),
            ("B", "C", "25"),
        ],
    );
    let c = judge(&e, "C", RegimeId::Ofac, IN_FORCE);
    assert_eq!(c.status, Status::Blocked);
    assert_eq!(pct(c.blocked_owner_share), [50.0, 50.0]);
    assert_eq!(pct(c.look_through_listed_share), [25.0, 25.0]);
    assert_eq!(c.evidence.len(), 2, "one chain through A, one through B");
    let mut owners: Vec<&str> = c.witnesses.iter().map(|w| &*w.entity_id).collect();
    owners.sort();
    assert_eq!(owners, ["A", "B"]);
}

#[test]
fn t3_direct_and_indirect_stakes_add_up() {
    let (_d, e) = case(&["X"], &[("X", "A", "50"), ("X", "B", "10"), ("A", "B", "40")]);
    let b = judge(&e, "B", RegimeId::Ofac, IN_FORCE);
    assert_eq!(b.status, Status::Blocked);
    assert_eq!(pct(b.blocked_owner_share), [50.0, 50.0]);
    assert_eq!(pct(b.look_through_listed_share), [30.0, 30.0], "10 + 50% × 40");
}

#[test]
fn t4_aggregation_everywhere_but_the_uk_unless_joint() {
    let (_d, e) = case(&["X", "Y"], &[("X", "E", "25"), ("Y", "E", "25")]);
    for regime in [RegimeId::Ofac, RegimeId::Eu, RegimeId::Bis] {
        assert_eq!(status(&e, "E", regime), Status::Blocked, "{regime}");
    }
    let uk = judge(&e, "E", RegimeId::Uk, IN_FORCE);
    assert_eq!(uk.status, Status::NotBlocked);
    assert_eq!(
        pct(uk.blocked_owner_share),
        [25.0, 25.0],
        "the largest single owner"
    );

    let (_d, joint) = case(
        &["X", "Y"],
        &[("X", "E", "25"), ("Y", "E", "26"), ("X", "Y", "joint")],
    );
    let uk = judge(&joint, "E", RegimeId::Uk, IN_FORCE);
    assert_eq!(uk.status, Status::Blocked, "51 > 50 under a joint arrangement");
    assert_eq!(pct(uk.blocked_owner_share), [51.0, 51.0]);

    let (_d, apart) = case(&["X", "Y"], &[("X", "E", "25"), ("Y", "E", "26")]);
    assert_eq!(status(&apart, "E", RegimeId::Uk), Status::NotBlocked);
}

#[test]
fn t5_look_through_diverges_from_status() {
    let (_d, e) = case(&["X"], &[("X", "A", "45"), ("A", "C", "100"), ("X", "C", "10")]);
    assert_eq!(status(&e, "A", RegimeId::Ofac), Status::NotBlocked);
    let c = judge(&e, "C", RegimeId::Ofac, IN_FORCE);
    assert_eq!(c.status, Status::NotBlocked, "a multiplying engine would block C");
    assert_eq!(pct(c.blocked_owner_share), [10.0, 10.0]);
    assert_eq!(pct(c.look_through_listed_share), [55.0, 55.0]);
    assert!(c.flags.contains(&Flag::LookThroughCaution), "{:?}", c.flags);
}

#[test]
fn t6a_a_cycle_of_unlisted_parties_does_not_block_itself() {
    let (_d, e) = case(&["X"], &[("X", "A", "30"), ("A", "B", "60"), ("B", "A", "40")]);
    let a = judge(&e, "A", RegimeId::Ofac, IN_FORCE);
    let b = judge(&e, "B", RegimeId::Ofac, IN_FORCE);
    assert_eq!((a.status, b.status), (Status::NotBlocked, Status::NotBlocked));
    assert_eq!(pct(a.look_through_listed_share), [30.0, 30.0]);
    assert_eq!(pct(b.look_through_listed_share), [18.0, 18.0]);
    for r in [&a, &b] {
        assert!(r.flags.contains(&Flag::CircularOwnership));
        let detail = &r
            .flag_details
            .iter()
            .find(|f| f.flag == Flag::CircularOwnership)
            .unwrap()
            .detail;
        assert!(
            detail.contains("Party A") && detail.contains("Party B"),
            "{detail}"
        );
    }
}

#[test]
fn t6b_a_triggered_cycle_blocks_both() {
    let (_d, e) = case(
        &["X", "Y"],
        &[
            ("X", "A", "30"),
            ("A", "B", "60"),
            ("B", "A", "40"),
            ("Y", "A", "20"),
        ],
    );
    let a = judge(&e, "A", RegimeId::Ofac, IN_FORCE);
    assert_eq!(a.status, Status::Blocked);
    let mut why: Vec<(&str, f64)> = a
        .witnesses
        .iter()
        .map(|w| (&*w.entity_id, w.share.unwrap().lo.as_f64()))
        .collect();
    why.sort_by(|x, y| x.0.cmp(y.0));
    assert_eq!(why, [("X", 30.0), ("Y", 20.0)]);
    let b = judge(&e, "B", RegimeId::Ofac, IN_FORCE);
    assert_eq!(b.status, Status::Blocked);
    assert_eq!(b.depth, Some(2));
}

#[test]
fn t7_unknown_shares_give_possible_cases_and_what_to_research() {
    let (_d, e) = case(&["X"], &[("X", "A", "?"), ("Z", "A", "40"), ("A", "B", "100")]);
    let a = judge(&e, "A", RegimeId::Ofac, IN_FORCE);
    assert_eq!(a.status, Status::PossiblyBlocked);
    assert_eq!(pct(a.blocked_owner_share), [0.0, 60.0], "unknown = what Z leaves");
    let b = judge(&e, "B", RegimeId::Ofac, IN_FORCE);
    assert_eq!(b.status, Status::PossiblyBlocked);
    let research: Vec<(&str, &str)> = b.research.iter().map(|h| (&*h.source, &*h.target)).collect();
    assert_eq!(research, [("X", "A")]);
    assert!(!b.evidence[0].definite);

    let (_d, e) = case(
        &["X"],
        &[("X", "A", "majority"), ("Z", "A", "40"), ("A", "B", "100")],
    );
    assert_eq!(status(&e, "A", RegimeId::Ofac), Status::Blocked);
    let b = judge(&e, "B", RegimeId::Ofac, IN_FORCE);
    assert_eq!(b.status, Status::Blocked);
    assert!(b.research.is_empty());
}

#[test]
fn t8_the_boundary_of_fifty_percent() {
    let (_d, e) = case(&["X"], &[("X", "E", "50")]);
    assert_eq!(status(&e, "E", RegimeId::Ofac), Status::Blocked);
    assert_eq!(status(&e, "E", RegimeId::Bis), Status::Blocked);
    assert_eq!(
        judge(&e, "E", RegimeId::Eu, "2024-01-01").status,
        Status::NotBlocked
    );
    assert_eq!(judge(&e, "E", RegimeId::Eu, "2024-08-01").status, Status::Blocked);
    assert_eq!(status(&e, "E", RegimeId::Uk), Status::NotBlocked);
    assert_eq!(judge(&e, "E", RegimeId::Eu, "2024-01-01").regime_test, "> 50%");
}

#[test]
fn t9_the_bis_affiliates_rule_follows_its_dates() {
    let (_d, e) = case(&["P"], &[("P", "S", "100")]);
    let on = judge(&e, "S", RegimeId::Bis, "2025-10-15");
    assert_eq!(on.status, Status::Blocked);
    assert_eq!(
        on.most_restrictive_policy.as_deref(),
        Some("Presumption of denial")
    );
    assert!(on.flags.is_empty(), "{:?}", on.flags);

    let suspended = judge(&e, "S", RegimeId::Bis, "2026-01-15");
    assert_eq!(suspended.status, Status::NotBlocked);
    assert_eq!(suspended.status_if_in_force, Status::Blocked);
    assert!(suspended.flags.contains(&Flag::RegimeSuspended));
    assert!(suspended.flags.contains(&Flag::RedFlag));

    let after = judge(&e, "S", RegimeId::Bis, "2026-12-01");
    assert_eq!(
        after.status,
        Status::Blocked,
        "captured unless the suspension was extended"
    );
    assert!(after.flags.contains(&Flag::RegimeUnknownAfter));

    let before = judge(&e, "S", RegimeId::Bis, "2025-09-01");
    assert_eq!(before.status, Status::NotBlocked);
    assert!(before.flags.contains(&Flag::RegimeNotInForce));
    assert_eq!(judge(&e, "P", RegimeId::Bis, "2026-01-15").status, Status::Listed);
}

#[test]
fn t10_nested_listed_owners_are_not_counted_twice() {
    let (_d, e) = case(
        &["X", "Y"],
        &[("X", "Y", "60"), ("Y", "C", "30"), ("X", "C", "10")],
    );
    let c = judge(&e, "C", RegimeId::Ofac, IN_FORCE);
    assert_eq!(pct(c.look_through_listed_share), [40.0, 40.0], "not 58%");
    let credit: Vec<(&str, f64)> = c
        .look_through_by_listed
        .iter()
        .map(|l| (&*l.entity_id, l.share[0].as_f64()))
        .collect();
    assert_eq!(credit, [("Y", 30.0), ("X", 10.0)]);
    assert_eq!(c.status, Status::NotBlocked, "40 < 50");
    assert_eq!(status(&e, "Y", RegimeId::Ofac), Status::Listed);
}

#[test]
fn relations_and_listings_apply_only_inside_their_dates() {
    let (_d, e) = case(&["X"], &[("X", "A", "60")]);
    // The listing starts 2000-01-01: before it, nothing is listed or derived.
    let early = judge(&e, "A", RegimeId::Ofac, "1999-06-01");
    assert_eq!(early.status, Status::NotBlocked);
    assert_eq!(
        judge(&e, "X", RegimeId::Ofac, "1999-06-01").status,
        Status::NotBlocked
    );
    assert!(early.nearby_listed.is_empty());
    let now = judge(&e, "A", RegimeId::Ofac, IN_FORCE);
    assert_eq!(now.nearby_listed[0].entity_id, "X");
    assert_eq!(now.nearby_listed[0].distance, 1);
}

#[test]
fn owners_over_one_hundred_percent_are_flagged() {
    let (_d, e) = case(&["X"], &[("X", "A", "70"), ("Z", "A", "60")]);
    let a = judge(&e, "A", RegimeId::Ofac, IN_FORCE);
    assert_eq!(a.status, Status::Blocked);
    assert!(a.flags.contains(&Flag::OverSubscribed));
    assert!(a.flag_details.iter().any(|f| f.detail.contains("130%")));
}

#[test]
fn control_counts_only_where_the_regime_says_so() {
    let (_d, e) = case(&["X"], &[("X", "A", "control")]);
    assert_eq!(status(&e, "A", RegimeId::Eu), Status::Blocked);
    assert_eq!(status(&e, "A", RegimeId::Uk), Status::Blocked);
    let ofac = judge(&e, "A", RegimeId::Ofac, IN_FORCE);
    assert_eq!(ofac.status, Status::NotBlocked);
    assert!(ofac.flags.contains(&Flag::ControlByListed));
}

/// The bundled case: SenseTime (Entity List 2019, NS-CMIC 2021) owns Shenzhen SenseTime,
/// share not stated.
#[test]
fn sensetime_shenzhen_under_bis_and_ofac() {
    let engine = common::bundled();
    let oct = judge(&engine, "sensetime-shenzhen", RegimeId::Bis, "2025-10-15");
    assert_eq!(oct.status, Status::PossiblyBlocked);
    assert_eq!(pct(oct.blocked_owner_share), [0.0, 100.0]);
    let research: Vec<(&str, &str)> = oct.research.iter().map(|h| (&*h.source, &*h.target)).collect();
    assert_eq!(research, [("sensetime", "sensetime-shenzhen")]);
    let chain = &oct.evidence[0];
    assert_eq!(chain.seed.entity_id, "sensetime");
    assert_eq!(
        chain.seed.listing.as_ref().unwrap().citation.as_deref(),
        Some("84 FR 54002 (entry at 54004)")
    );
    assert_eq!(
        chain.hops[0].evidence.as_deref(),
        Some("OFAC NS-CMIC designation 2021-12-10")
    );
    assert_eq!(chain.hops[0].confidence.map(|c| c.as_str()), Some("H"));

    let jan = judge(&engine, "sensetime-shenzhen", RegimeId::Bis, "2026-01-15");
    assert_eq!(jan.status, Status::NotBlocked);
    assert_eq!(jan.status_if_in_force, Status::PossiblyBlocked);
    assert!(jan.flags.contains(&Flag::RedFlag), "{:?}", jan.flags);

    let ofac = judge(&engine, "sensetime-shenzhen", RegimeId::Ofac, "2025-10-15");
    assert_eq!(
        ofac.status,
        Status::NotBlocked,
        "NS-CMIC seeds no blocking regime"
    );
    assert!(ofac.evidence.is_empty());
    assert!(ofac
        .nearby_listed
        .iter()
        .any(|n| n.entity_id == "sensetime" && n.lists.contains(&"NS-CMIC List".to_string())));
}

/// An SDN under `program` owning 60% of A, on the SDN List only (no Entity List listing).
fn sdn_case(program: &str) -> (tempfile::TempDir, Engine) {
    case_on(&[("X", "SDN List", Some(program))], &[("X", "A", "60")])
}

/// The BIS affiliates rule is seeded by the SDNs of the programmes 15 CFR 744.8(a)(1) names
/// (SDGT, RUSSIA-EO14024, …), not by every SDN: the programme travels with the listing.
#[test]
fn bis_is_seeded_by_the_sdns_of_the_744_8_programmes_only() {
    for program in ["SDGT", "RUSSIA-EO14024", "SDNTK"] {
        let (_d, e) = sdn_case(program);
        assert_eq!(status(&e, "X", RegimeId::Bis), Status::Listed, "{program}");
        let a = judge(&e, "A", RegimeId::Bis, IN_FORCE);
        assert_eq!(a.status, Status::Blocked, "{program}: 60% owned by a §744.8 SDN");
        let seed = a.evidence[0].seed.listing.as_ref().expect("the seed's listing");
        assert_eq!(
            (seed.list.as_str(), seed.program.as_deref()),
            ("SDN List", Some(program))
        );
    }
    let (_d, e) = sdn_case("CUBA");
    assert_eq!(
        status(&e, "X", RegimeId::Bis),
        Status::NotBlocked,
        "CUBA is not a §744.8 programme"
    );
    assert_eq!(status(&e, "A", RegimeId::Bis), Status::NotBlocked);
    assert_eq!(
        status(&e, "A", RegimeId::Ofac),
        Status::Blocked,
        "OFAC: every SDN seeds"
    );
}
