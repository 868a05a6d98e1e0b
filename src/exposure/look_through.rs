//! Look-through ownership (AMLR Art 52 style): the product of shares along each simple path of
//! `owns` relations from a listed party to the entity, summed over paths.
//!
//! A path stops at the first listed party met going up from the entity, and is credited to it,
//! so nested listed owners are not counted twice (T10). Paths longer than [`DEPTH_CAP`] or
//! whose product falls under [`EPSILON`] are cut and the result says so. Shares are intervals,
//! so the result is too: products `[Π lo, Π hi]`, sums `[Σ lo, min(100, Σ hi)]`.

use super::propagate::{equity_bounds, seeding_list, Seeds};
use crate::graph::Snapshot;
use crate::model::{Date, Pct};

/// Longest path followed, in relations.
pub const DEPTH_CAP: usize = 12;
/// Paths whose product (as a fraction) falls under this are pruned.
pub const EPSILON: f64 = 1e-6;
/// Path extensions explored before giving up (and saying so): bounds the work on dense webs.
pub const STEP_BUDGET: usize = 200_000;

/// The look-through exposure of one entity to listed parties.
#[derive(Debug, Clone, Default)]
pub struct LookThrough {
    /// Fractions of one: `[Σ lo, min(1, Σ hi)]`.
    pub lo: f64,
    pub hi: f64,
    /// Per listed party credited: `(node, lo, hi)`, largest first.
    pub by_listed: Vec<(u32, f64, f64)>,
    /// Whether the depth cap, pruning or the step budget cut any path.
    pub truncated: bool,
}

/// Fraction of one to an exact percentage (rounded to the micro-percent).
pub fn to_pct(fraction: f64) -> Pct {
    Pct((fraction.clamp(0.0, 1.0) * 100.0 * Pct::UNIT as f64).round() as u32)
}

struct Walk<'a> {
    snapshot: &'a Snapshot,
    lists: &'a Seeds,
    day: Date,
    path: Vec<u32>,
    credit: Vec<(u32, f64, f64)>,
    steps: usize,
    truncated: bool,
}

impl Walk<'_> {
    fn up(&mut self, node: u32, lo: f64, hi: f64) {
        let owners: Vec<(u32, u32, u32)> = equity_bounds(self.snapshot, node, self.day)
            .map(|(o, _, l, h)| (o, l, h))
            .collect();
        for (owner, l, h) in owners {
            if self.path.contains(&owner) {
                continue; // simple paths only: a cycle is not re-entered
            }
            self.steps += 1;
            if self.steps > STEP_BUDGET {
                self.truncated = true;
                return;
            }
            let unit = Pct::HUNDRED.0 as f64;
            let (plo, phi) = (lo * l as f64 / unit, hi * h as f64 / unit);
            if seeding_list(self.snapshot, owner, self.lists, self.day).is_some() {
                match self.credit.iter_mut().find(|c| c.0 == owner) {
                    Some(c) => {
                        c.1 += plo;
                        c.2 += phi;
                    }
                    None => self.credit.push((owner, plo, phi)),
                }
                continue;
            }
            if phi < EPSILON {
                self.truncated |= phi > 0.0;
                continue;
            }
            if self.path.len() >= DEPTH_CAP {
                self.truncated |= self
                    .snapshot
                    .incoming(owner)
                    .iter()
                    .any(|a| a.kind == crate::model::RelationKind::Owns);
                continue;
            }
            self.path.push(owner);
            self.up(owner, plo, phi);
            self.path.pop();
        }
    }
}

/// Look-through exposure of `node` to parties on `lists` on `day`.
pub fn look_through(snapshot: &Snapshot, node: u32, lists: &Seeds, day: Date) -> LookThrough {
    let mut walk = Walk {
        snapshot,
        lists,
        day,
        path: vec![node],
        credit: Vec::new(),
        steps: 0,
        truncated: false,
    };
    walk.up(node, 1.0, 1.0);
    let mut by_listed = walk.credit;
    for c in &mut by_listed {
        c.2 = c.2.min(1.0);
    }
    by_listed.sort_by(|a, b| b.2.total_cmp(&a.2).then(b.1.total_cmp(&a.1)).then(a.0.cmp(&b.0)));
    LookThrough {
        lo: by_listed.iter().map(|c| c.1).sum::<f64>().min(1.0),
        hi: by_listed.iter().map(|c| c.2).sum::<f64>().min(1.0),
        by_listed,
        truncated: walk.truncated,
    }
}
