//! Which of OFAC's lists a programme of an entry of the consolidated file is on, from what the
//! entry states: its programme tags, the directives and menu-based measures of its `idList`,
//! and their listing dates (the rules are in the parent module's documentation).

use crate::model::Date;

pub const SDN_LIST: &str = crate::import::ofac_sdn::LIST;
pub const SSI_LIST: &str = "SSI List";
pub const NS_CMIC_LIST: &str = "NS-CMIC List";
pub const NS_MBS_LIST: &str = "NS-MBS List";
pub const FSE_LIST: &str = "FSE List";
pub const CAPTA_LIST: &str = "CAPTA List";

/// A directive or menu-based measure under an executive order ("Subject to Directive 3",
/// "Executive Order 14059 information:").
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Order {
    pub(super) eo: String,
    /// `None` for a menu-based measure that names no directive.
    pub(super) directive: Option<String>,
}

/// A "Listing Date (…)" fact: for an order's directive, or for a programme tag ("CMIC").
#[derive(Debug, Clone)]
pub(super) struct ListingDate {
    pub(super) order: Option<Order>,
    pub(super) tag: Option<String>,
    pub(super) date: Date,
    /// The fact as the CSV writes it, for the notes when no listing takes the date.
    pub(super) text: String,
}

/// What an entry's idList says about the lists it is on.
#[derive(Debug, Default)]
pub(super) struct Evidence {
    pub(super) orders: Vec<Order>,
    pub(super) listing_dates: Vec<ListingDate>,
    pub(super) caatsa: bool,
    /// The secondary sanctions risk of Section 11 of E.O. 14024: blocked under that order.
    pub(super) blocked_eo14024: bool,
}

/// Where one programme of an entry is listed.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Placement {
    pub(super) list: String,
    pub(super) start: Option<Date>,
    /// The directives or measures the listing stands on, for its citation.
    pub(super) basis: Vec<String>,
}

impl Placement {
    pub(super) fn on(list: &str) -> Placement {
        Placement {
            list: list.to_string(),
            start: None,
            basis: Vec::new(),
        }
    }
}

impl Evidence {
    /// Takes what a statement of the idList says about the entry's lists: a directive or
    /// menu-based measure of an executive order, CAATSA Section 235 measures, or the secondary
    /// sanctions risk of persons blocked under E.O. 14024.
    pub(super) fn statement(&mut self, id_type: &str, value: &str) {
        if let Some(rest) = id_type.strip_prefix("Executive Order ") {
            let eo: String = rest.chars().take_while(char::is_ascii_digit).collect();
            const SUBJECT: &str = "Subject to Directive ";
            let directive = value
                .find(SUBJECT)
                .map(|i| directive_name(&value[i + SUBJECT.len()..]));
            // "… Directive Information: For more information…" names no directive;
            // "Executive Order 14059 information:" is a menu-based measure.
            let menu = !rest.contains("Directive");
            if !eo.is_empty() && (directive.is_some() || menu) {
                let order = Order { eo, directive };
                if !self.orders.contains(&order) {
                    self.orders.push(order);
                }
            }
        } else if id_type == "CAATSA Section 235 Information:" {
            self.caatsa = true;
        } else if id_type == "Secondary sanctions risk:"
            && value.contains("Section 11 of Executive Order 14024")
        {
            self.blocked_eo14024 = true;
        }
    }

    /// Takes a "Listing Date (…)" fact: of an order's directive ("(EO 14024 Directive 2):") or
    /// of a programme tag ("(CMIC)"). `text` is the fact for the notes if no listing takes it.
    pub(super) fn listing_date(&mut self, id_type: &str, date: Date, text: String) {
        let inner = id_type
            .trim_start_matches("Listing Date (")
            .trim_end_matches(':')
            .trim_end_matches(')');
        let (order, tag) = match inner.strip_prefix("EO ") {
            Some(rest) => (order_of(rest), None),
            None => (None, Some(inner.to_string())),
        };
        self.listing_dates.push(ListingDate {
            order,
            tag,
            date,
            text,
        });
    }

    /// Where `program` is listed in the consolidated file; marks in `used` the listing dates
    /// taken as start dates.
    pub(super) fn placements(&self, program: &str, used: &mut [bool]) -> Vec<Placement> {
        let mut out = Vec::new();
        if program.starts_with("NS-") {
            out.push(Placement::on(&format!("{program} List")));
        } else if program.starts_with("CMIC") {
            let mut placement = Placement::on(NS_CMIC_LIST);
            for (i, listed) in self.listing_dates.iter().enumerate() {
                if listed.tag.as_deref().is_some_and(|t| program.starts_with(t)) {
                    placement.start = earliest(placement.start, listed.date);
                    used[i] = true;
                }
            }
            out.push(placement);
        } else if program.starts_with("FSE-") {
            out.push(Placement::on(FSE_LIST));
        } else if program == "561-Related" {
            out.push(Placement::on(CAPTA_LIST));
        } else if program == "CAATSA - RUSSIA" && self.caatsa {
            let mut placement = Placement::on(NS_MBS_LIST);
            placement.basis.push("CAATSA Section 235".into());
            out.push(placement);
        } else if let Some((_, eo)) = program.rsplit_once("-EO") {
            let ssi = eo == "13662";
            let mut orders: Vec<&Order> = self.orders.iter().filter(|o| o.eo == eo).collect();
            for listed in &self.listing_dates {
                if let Some(order) = listed.order.as_ref().filter(|o| o.eo == eo) {
                    if !orders.contains(&order) {
                        orders.push(order);
                    }
                }
            }
            if ssi {
                // EO 13662 is the sectoral order: its tag is the SSI List's, directives or not.
                let mut placement = Placement::on(SSI_LIST);
                placement.basis = orders.iter().map(|o| basis_of(o)).collect();
                out.push(placement);
                orders.clear();
            }
            for order in orders {
                // The Russia-related CAPTA directive puts its banks on the CAPTA List.
                let list = if order.eo == "14024" && order.directive.as_deref() == Some("2") {
                    CAPTA_LIST
                } else {
                    NS_MBS_LIST
                };
                let index = match out.iter().position(|p: &Placement| p.list == list) {
                    Some(i) => i,
                    None => {
                        out.push(Placement::on(list));
                        out.len() - 1
                    }
                };
                let placement = &mut out[index];
                placement.basis.push(basis_of(order));
                for (i, listed) in self.listing_dates.iter().enumerate() {
                    if listed.order.as_ref() == Some(order) {
                        placement.start = earliest(placement.start, listed.date);
                        used[i] = true;
                    }
                }
            }
        }
        if out.is_empty() || (program == "RUSSIA-EO14024" && self.blocked_eo14024) {
            out.push(Placement::on(SDN_LIST));
        }
        out
    }

    /// Whether any programme of the entry is on a non-SDN list.
    pub(super) fn on_non_sdn_list(&self, programs: &[String]) -> bool {
        let mut used = vec![false; self.listing_dates.len()];
        programs.iter().any(|p| {
            self.placements(p, &mut used)
                .iter()
                .any(|placement| placement.list != SDN_LIST)
        })
    }
}

fn basis_of(order: &Order) -> String {
    match &order.directive {
        Some(d) => format!("EO {} Directive {d}", order.eo),
        None => format!("EO {}", order.eo),
    }
}

fn earliest(current: Option<Date>, date: Date) -> Option<Date> {
    Some(current.map_or(date, |c| c.min(date)))
}

/// "14024 Directive 2" → the order and its directive.
fn order_of(text: &str) -> Option<Order> {
    let eo: String = text.chars().take_while(char::is_ascii_digit).collect();
    if eo.is_empty() {
        return None;
    }
    let directive = text
        .find("Directive ")
        .map(|i| directive_name(&text[i + "Directive ".len()..]));
    Some(Order { eo, directive })
}

/// The directive's name at the start of `text`: "1a - As of…" → "1a".
fn directive_name(text: &str) -> String {
    text.chars().take_while(char::is_ascii_alphanumeric).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(eo: &str, directive: Option<&str>) -> Order {
        Order {
            eo: eo.into(),
            directive: directive.map(str::to_string),
        }
    }

    #[test]
    fn programmes_go_on_the_lists_the_entry_states() {
        let day = |d: &str| d.parse::<Date>().unwrap();
        let evidence = Evidence {
            orders: vec![order("13662", Some("1")), order("14024", Some("3"))],
            listing_dates: vec![
                ListingDate {
                    order: Some(order("14024", Some("2"))),
                    tag: None,
                    date: day("2022-02-24"),
                    text: "Listing Date (EO 14024 Directive 2): 24 Feb 2022".into(),
                },
                ListingDate {
                    order: Some(order("14024", Some("3"))),
                    tag: None,
                    date: day("2022-02-24"),
                    text: "Listing Date (EO 14024 Directive 3): 24 Feb 2022".into(),
                },
            ],
            caatsa: false,
            blocked_eo14024: true,
        };
        let mut used = vec![false; 2];
        let lists = |p: &str, used: &mut Vec<bool>| -> Vec<(String, Option<String>, String)> {
            evidence
                .placements(p, used)
                .into_iter()
                .map(|p| (p.list, p.start.map(|d| d.to_string()), p.basis.join(", ")))
                .collect()
        };
        // Sberbank: sectoral (SSI), the CAPTA directive, the debt and equity directive (NS-MBS),
        // and blocked (SDN).
        assert_eq!(
            lists("UKRAINE-EO13662", &mut used),
            [("SSI List".into(), None, "EO 13662 Directive 1".into())]
        );
        assert_eq!(
            lists("RUSSIA-EO14024", &mut used),
            [
                (
                    "NS-MBS List".into(),
                    Some("2022-02-24".into()),
                    "EO 14024 Directive 3".into()
                ),
                (
                    "CAPTA List".into(),
                    Some("2022-02-24".into()),
                    "EO 14024 Directive 2".into()
                ),
                ("SDN List".into(), None, String::new()),
            ]
        );
        assert_eq!(used, [true, true]);
        for (program, list) in [
            ("NS-PLC", "NS-PLC List"),
            ("CMIC-EO13959", "NS-CMIC List"),
            ("FSE-IR", "FSE List"),
            ("561-Related", "CAPTA List"),
            ("SDGT", "SDN List"),
            ("CAATSA - RUSSIA", "SDN List"),
            ("ILLICIT-DRUGS-EO14059", "SDN List"),
        ] {
            assert_eq!(lists(program, &mut used)[0].0, list, "{program}");
        }
        let menu = Evidence {
            orders: vec![order("14059", None)],
            caatsa: true,
            ..Evidence::default()
        };
        assert_eq!(
            menu.placements("ILLICIT-DRUGS-EO14059", &mut [])[0].list,
            NS_MBS_LIST
        );
        assert_eq!(menu.placements("CAATSA - RUSSIA", &mut [])[0].list, NS_MBS_LIST);
        assert!(!menu.on_non_sdn_list(&["SDGT".into()]));
        assert!(menu.on_non_sdn_list(&["SDGT".into(), "CAATSA - RUSSIA".into()]));
    }
}
