//! The entity page: names, identifiers, listings with citations, relations in and out.

use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::graph::Direction;
use crate::model::{Entity, KindSet, Listing, RelationKind};
use crate::store::{Annotation, Change, RelationView};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;

/// Relations of one kind and direction, as the page groups them.
#[derive(Serialize)]
pub struct RelationGroup {
    pub kind: RelationKind,
    /// `out` when the entity is the source, `in` when it is the target.
    pub direction: &'static str,
    /// e.g. "owns" or "owned by".
    pub label: &'static str,
    pub relations: Vec<RelationView>,
}

#[derive(Template, Serialize)]
#[template(path = "entity.html")]
pub struct EntityPage {
    pub title: String,
    pub entity: Entity,
    pub listings: Vec<Listing>,
    pub relations: Vec<RelationGroup>,
    /// Curated aliases and notes (imported ones are in `entity`).
    pub annotations: Vec<Annotation>,
    /// Curated changes touching this entity, newest first.
    pub history: Vec<Change>,
    /// Who is signed in: the curation forms show only then.
    pub viewer: Option<Session>,
    pub data_version: i64,
    /// The direct neighbourhood drawn small (HTML only; the relations above are its data).
    #[serde(skip)]
    pub graph_svg: String,
    /// Direct neighbours not drawn because of the cap.
    #[serde(skip)]
    pub graph_omitted: usize,
}

/// How many changes the entity page's history shows.
const HISTORY_SHOWN: u32 = 100;

/// Most neighbours the entity page draws; the graph page shows more.
const SMALL_GRAPH_LIMIT: usize = 16;

fn group(views: Vec<RelationView>, direction: &'static str) -> Vec<RelationGroup> {
    let mut groups: Vec<RelationGroup> = Vec::new();
    for view in views {
        let kind = view.relation.kind;
        match groups.last_mut() {
            Some(g) if g.kind == kind => g.relations.push(view),
            _ => groups.push(RelationGroup {
                kind,
                direction,
                label: if direction == "out" {
                    kind.label()
                } else {
                    kind.inverse_label()
                },
                relations: vec![view],
            }),
        }
    }
    groups
}

pub async fn entity(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let (detail, annotations, history) = engine.read(|store| {
            Ok((
                store.entity_detail(&id)?,
                store.annotations(&id)?,
                store.changes(Some(&id), HISTORY_SHOWN)?,
            ))
        })?;
        let detail =
            detail.ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        let mut relations = group(detail.incoming, "in");
        relations.extend(group(detail.outgoing, "out"));
        let snapshot = engine.snapshot();
        // The drawing is HTML only: the JSON twin's relations are its data.
        let small = snapshot.find(&id).filter(|_| format == Format::Html).map(|node| {
            super::graph::neighbourhood_view(
                &snapshot,
                node,
                1,
                KindSet::ALL,
                Direction::Both,
                SMALL_GRAPH_LIMIT,
                "small",
            )
        });
        Ok(EntityPage {
            title: detail.entity.name.clone(),
            entity: detail.entity,
            listings: detail.listings,
            relations,
            annotations,
            history,
            viewer: super::account::viewer(&req, &engine)?,
            data_version: snapshot.data_version,
            graph_omitted: small.as_ref().map_or(0, |v| v.omitted),
            graph_svg: small.map(|v| v.drawing.svg()).unwrap_or_default(),
        })
    })
}
