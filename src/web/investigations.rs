//! Investigations: `/investigations` (the latest, and the FtM import form), `POST
//! /investigations` (save the live graph's canvas as a new one), `/investigations/{id}` (reopen
//! it: its picture at the saved positions, its notes, what changed since; editable by its
//! owner, read-only for others), `/investigations/{id}/export?format=svg|ftm|graphml`.

use super::account;
use super::drawing::{self, EdgeIn, NodeIn};
use super::graph::NodeView;
use super::upload::{display_file_name, text_field};
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::export::{self, Download, FileFormat};
use crate::graph::Snapshot;
use crate::investigation::{self, Canvas, CanvasEdge, CanvasNode, EntityChange};
use crate::model::{Date, RelationKind};
use crate::store::InvestigationRow;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Investigations listed on `/investigations`.
const LISTED: usize = 100;
/// Largest canvas form accepted (2,000 entities with notes fit).
pub const MAX_FORM_BYTES: usize = 4 << 20;
/// Largest FtM file imported as an investigation.
pub const MAX_FTM_BYTES: usize = 4 << 20;

/// An entity of an investigation, with where it sits and its note.
#[derive(Serialize)]
pub struct InvestigationNode {
    #[serde(flatten)]
    pub entity: NodeView,
    pub x: f64,
    pub y: f64,
    pub note: Option<String>,
    pub expanded: bool,
    /// Never the page's subject: an investigation has none.
    pub start: bool,
}

/// A relation of an investigation, as the data holds it now.
#[derive(Serialize)]
pub struct InvestigationEdge {
    pub source: String,
    pub source_name: String,
    pub target: String,
    pub target_name: String,
    pub kind: RelationKind,
    pub share_text: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub note: Option<String>,
}

/// An entity that changed since saving, with its name.
#[derive(Serialize)]
pub struct ChangeView {
    pub name: String,
    #[serde(flatten)]
    pub change: EntityChange,
}

#[derive(Template, Serialize)]
#[template(path = "investigation.html")]
pub struct InvestigationPage {
    pub title: String,
    pub investigation: InvestigationRow,
    /// The viewer owns it and may save changes.
    pub editable: bool,
    pub nodes: Vec<InvestigationNode>,
    pub edges: Vec<InvestigationEdge>,
    /// Entities whose listings or relations changed since it was saved.
    pub changed: Vec<ChangeView>,
    pub data_version: i64,
    /// Entities of an imported file left out because none of the database's matched them.
    #[serde(skip)]
    pub left_out: usize,
    /// Entities of an imported file left out because their name fits several equally.
    #[serde(skip)]
    pub ambiguous: usize,
    /// Entities of an imported file found by identifier or name (each noted), not by id.
    #[serde(skip)]
    pub matched: usize,
    /// Relations of an imported file between entities found that the database does not hold.
    #[serde(skip)]
    pub not_held: usize,
    #[serde(skip)]
    pub svg: String,
    #[serde(skip)]
    pub viewer: Option<Session>,
}

#[derive(Template, Serialize)]
#[template(path = "investigations.html")]
pub struct InvestigationsPage {
    pub title: String,
    pub investigations: Vec<InvestigationRow>,
    pub data_version: i64,
    #[serde(skip)]
    pub viewer: Option<Session>,
}

#[derive(Deserialize)]
pub struct CanvasForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    canvas: String,
}

fn bad(e: investigation::CanvasError) -> AppError {
    AppError::BadRequest(e.to_string())
}

fn iid(text: &str) -> Result<i64, AppError> {
    text.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| AppError::NotFound(format!("no investigation {text:?}")))
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to))
        .finish()
}

/// The facts of `canvas` as saved with it.
fn facts_json(snapshot: &Snapshot, canvas: &Canvas) -> String {
    serde_json::to_string(&investigation::facts(snapshot, canvas)).expect("sets of strings serialise")
}

/// Saves `canvas` as a new investigation of `session`'s user; answers with where it lives.
fn create(engine: &Engine, session: &Session, name: &str, canvas: &Canvas) -> Result<i64, AppError> {
    let snapshot = engine.snapshot();
    let json = serde_json::to_string(canvas).expect("a canvas serialises");
    let facts = facts_json(&snapshot, canvas);
    Ok(engine.write(|store| {
        store.add_investigation(&session.user.name, name, &json, &facts, snapshot.data_version)
    })?)
}

pub async fn save_new(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    form: web::Form<CanvasForm>,
) -> Result<HttpResponse, WebError> {
    let answer = (|| {
        let session = account::require(&req, &engine, &form.csrf)?;
        let name = investigation::check_name(&form.name).map_err(bad)?;
        let canvas = Canvas::parse(&form.canvas, &engine.snapshot()).map_err(bad)?;
        create(&engine, &session, &name, &canvas)
    })();
    let iid = answer.map_err(|error| WebError { error, format })?;
    Ok(see_other(format!("/investigations/{iid}")))
}

pub async fn save(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    form: web::Form<CanvasForm>,
) -> Result<HttpResponse, WebError> {
    let answer = (|| {
        let session = account::require(&req, &engine, &form.csrf)?;
        let iid = iid(&id)?;
        let snapshot = engine.snapshot();
        let existing = engine
            .read(|store| store.investigation(iid))?
            .ok_or_else(|| AppError::NotFound(format!("no investigation {iid}")))?;
        if existing.owner != session.user.name {
            return Err(AppError::Forbidden(format!(
                "investigation {iid} is {}'s: save it as a new one of yours instead",
                existing.owner
            )));
        }
        let name = match form.name.trim() {
            "" => existing.name,
            given => investigation::check_name(given).map_err(bad)?,
        };
        let canvas = Canvas::parse(&form.canvas, &snapshot).map_err(bad)?;
        let json = serde_json::to_string(&canvas).expect("a canvas serialises");
        let facts = facts_json(&snapshot, &canvas);
        engine.write(|store| {
            store.update_investigation(
                iid,
                &session.user.name,
                &name,
                &json,
                &facts,
                snapshot.data_version,
            )
        })?;
        Ok(iid)
    })();
    let iid = answer.map_err(|error| WebError { error, format })?;
    Ok(see_other(format!("/investigations/{iid}")))
}

/// An investigation as stored, its canvas read back.
fn load(engine: &Engine, text: &str) -> Result<(InvestigationRow, Canvas), AppError> {
    let iid = iid(text)?;
    let row = engine
        .read(|store| store.investigation(iid))?
        .ok_or_else(|| AppError::NotFound(format!("no investigation {iid}")))?;
    let canvas: Canvas = serde_json::from_str(&row.canvas)
        .map_err(|e| AppError::Internal(format!("investigation {iid}: stored canvas unreadable: {e}")))?;
    Ok((row, canvas))
}

/// The canvas's entities and relations as the snapshot holds them now (an entity no longer
/// held is left out; it is reported among the changes).
fn view(snapshot: &Snapshot, canvas: &Canvas) -> (Vec<InvestigationNode>, Vec<InvestigationEdge>) {
    let nodes: Vec<InvestigationNode> = canvas
        .nodes
        .iter()
        .filter_map(|n| {
            snapshot.find(&n.id).map(|node| InvestigationNode {
                entity: NodeView::of(snapshot, node, 0),
                x: n.x,
                y: n.y,
                note: n.note.clone(),
                expanded: n.expanded,
                start: false,
            })
        })
        .collect();
    let edges = canvas
        .edges
        .iter()
        .filter_map(|e| {
            let edge = investigation::find_relation(snapshot, e)?;
            let facts = super::graph::EdgeView::of(snapshot, edge);
            Some(InvestigationEdge {
                source: facts.source,
                source_name: facts.source_name,
                target: facts.target,
                target_name: facts.target_name,
                kind: facts.kind,
                share_text: facts.share_text,
                start_date: facts.start_date,
                end_date: facts.end_date,
                note: e.note.clone(),
            })
        })
        .collect();
    (nodes, edges)
}

/// The picture of the canvas at its saved positions: the page without script, and the SVG export.
fn picture(
    snapshot: &Snapshot,
    nodes: &[InvestigationNode],
    edges: &[InvestigationEdge],
    caption: String,
) -> drawing::Drawing {
    let lists: Vec<String> = nodes.iter().map(|n| n.entity.lists.join(", ")).collect();
    let node_in: Vec<NodeIn> = nodes
        .iter()
        .zip(&lists)
        .map(|(n, lists)| NodeIn {
            id: &n.entity.id,
            name: &n.entity.name,
            schema: n.entity.schema,
            listed: n.entity.listed,
            lists: lists.clone(),
            start: false,
            on_path: false,
        })
        .collect();
    let at: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.entity.id.as_str(), i))
        .collect();
    let edge_in: Vec<EdgeIn> = edges
        .iter()
        .filter_map(|e| {
            let canvas_edge = CanvasEdge {
                source: e.source.clone(),
                target: e.target.clone(),
                kind: e.kind,
                start_date: e.start_date,
                note: None,
            };
            let share =
                investigation::find_relation(snapshot, &canvas_edge).and_then(|r| snapshot.edge(r).share);
            Some(EdgeIn {
                source: *at.get(e.source.as_str())?,
                target: *at.get(e.target.as_str())?,
                kind: e.kind,
                share,
                on_path: false,
            })
        })
        .collect();
    let centres: Vec<(f64, f64)> = nodes.iter().map(|n| (n.x, n.y)).collect();
    drawing::draw_at(&node_in, &centres, &edge_in, "investigation", caption)
}

#[derive(Deserialize)]
pub struct ShowQuery {
    left_out: Option<usize>,
    ambiguous: Option<usize>,
    matched: Option<usize>,
    not_held: Option<usize>,
}

pub async fn show(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let (row, canvas) = load(&engine, &id)?;
        let snapshot = engine.snapshot();
        let saved: BTreeMap<String, BTreeSet<String>> = serde_json::from_str(&row.facts).map_err(|e| {
            AppError::Internal(format!("investigation {}: stored facts unreadable: {e}", row.iid))
        })?;
        let now = investigation::facts(&snapshot, &canvas);
        let changed = investigation::changes(&saved, &now)
            .into_iter()
            .map(|change| ChangeView {
                name: snapshot
                    .find(&change.id)
                    .map(|n| snapshot.node(n).name.to_string())
                    .unwrap_or_else(|| change.id.clone()),
                change,
            })
            .collect();
        let (nodes, edges) = view(&snapshot, &canvas);
        let caption = format!("Investigation {}: {} entities", row.name, nodes.len());
        let svg = picture(&snapshot, &nodes, &edges, caption).svg();
        let viewer = account::viewer(&req, &engine)?;
        Ok(InvestigationPage {
            title: format!("Investigation: {}", row.name),
            editable: viewer.as_ref().is_some_and(|v| v.user.name == row.owner),
            investigation: row,
            nodes,
            edges,
            changed,
            data_version: snapshot.data_version,
            left_out: query.left_out.unwrap_or(0),
            ambiguous: query.ambiguous.unwrap_or(0),
            matched: query.matched.unwrap_or(0),
            not_held: query.not_held.unwrap_or(0),
            svg,
            viewer,
        })
    })
}

pub async fn list(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        Ok(InvestigationsPage {
            title: "Investigations".into(),
            investigations: engine.read(|store| store.investigations(LISTED))?,
            data_version: engine.snapshot().data_version,
            viewer: account::viewer(&req, &engine)?,
        })
    })
}

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
}

pub async fn export(
    page_format: Format,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError {
        error,
        format: page_format,
    };
    let (row, canvas) = load(&engine, &id).map_err(fail)?;
    let snapshot = engine.snapshot();
    let stem = format!("investigation-{}", row.iid);
    let file = match query.format.as_deref().unwrap_or("svg") {
        "svg" => {
            let (nodes, edges) = view(&snapshot, &canvas);
            let svg = picture(&snapshot, &nodes, &edges, format!("Investigation {}", row.name)).svg();
            Download {
                file_name: format!("{stem}.svg"),
                content_type: "image/svg+xml; charset=utf-8",
                body: svg.into_bytes(),
            }
        }
        wanted @ ("ftm" | "graphml") => {
            let ids: Vec<&str> = canvas.nodes.iter().map(|n| n.id.as_str()).collect();
            let rids: Vec<i64> = canvas
                .edges
                .iter()
                .filter_map(|e| investigation::find_relation(&snapshot, e))
                .map(|e| snapshot.edge(e).rid)
                .collect();
            let extract = engine.read(|store| store.extract(&ids, &rids)).map_err(|e| fail(e.into()))?;
            let format = FileFormat::parse(wanted, None).map_err(|e| fail(AppError::BadRequest(e)))?;
            export::file(&extract, &stem, format).map_err(|e| fail(AppError::Internal(e.to_string())))?
        }
        other => {
            return Err(fail(AppError::BadRequest(format!(
                "format: {other:?} is not one of svg, ftm, graphml (PNG is made in the browser, from the live graph)"
            ))))
        }
    };
    Ok(super::export::attachment(file))
}

/// `POST /investigations/import`: an FtM file (multipart, fields `csrf`, `name`, `file`) as a
/// new investigation holding the file's entities that the database holds, laid out in layers,
/// with the relations among them.
pub async fn import(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    payload: web::Payload,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    // Signed in before the body is read, as `/import` does.
    account::viewer(&req, &engine).map_err(fail)?.ok_or_else(|| {
        fail(AppError::Unauthorized(
            "sign in to import an investigation (at /login)".into(),
        ))
    })?;
    let (fields, file_name, bytes) = read_ftm_upload(&req, payload).await.map_err(fail)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let session = account::require(&req, &engine, field("csrf")).map_err(fail)?;
    let name = match field("name").trim() {
        "" => file_name.clone(),
        given => given.to_string(),
    };
    let name = investigation::check_name(&name).map_err(|e| fail(bad(e)))?;
    let dir = tempfile::tempdir().map_err(|e| fail(AppError::Internal(e.to_string())))?;
    let path = dir.path().join(&file_name);
    std::fs::write(&path, &bytes).map_err(|e| fail(AppError::Internal(e.to_string())))?;
    let (batch, _) = crate::import::ftm::read(&path, &|_| {}).map_err(|e| {
        fail(AppError::BadRequest(
            e.to_string().replace(&*dir.path().to_string_lossy(), ""),
        ))
    })?;
    // Matching reads the name index (built on first use) and scores candidates: off the workers.
    let matching = engine.clone();
    let (snapshot, matched) = web::block(move || {
        investigation::match_file(&matching, &batch).map(|(snapshot, matched)| (snapshot, matched, batch))
    })
    .await
    .map_err(|e| fail(AppError::Internal(e.to_string())))?
    .map_err(|e| fail(AppError::from(e)))
    .map(|(snapshot, matched, batch)| (snapshot, (matched, batch)))?;
    let (matched, batch) = matched;
    let imported = imported_canvas(&snapshot, &batch, &matched, &file_name).map_err(fail)?;
    let iid = create(&engine, &session, &name, &imported.canvas).map_err(fail)?;
    // What the page should say about the file: the counts that are not zero.
    let counts: Vec<String> = [
        ("left_out", matched.unmatched),
        ("ambiguous", matched.ambiguous),
        ("matched", imported.matched),
        ("not_held", imported.not_held),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| format!("{name}={n}"))
    .collect();
    let query = if counts.is_empty() {
        String::new()
    } else {
        format!("?{}", counts.join("&"))
    };
    Ok(see_other(format!("/investigations/{iid}{query}")))
}

/// The canvas of an imported file and what became of it.
struct Imported {
    canvas: Canvas,
    /// Entities found by identifier or name rather than by id.
    matched: usize,
    /// Relations of the file between two entities found that the database does not hold.
    not_held: usize,
}

/// The canvas of an imported file: the entities found (each once; those found by identifier
/// or name carry a note saying from what), the file's own relations between them that the
/// database holds and the database's other relations among them, positions from the layered
/// layout of the graph pages.
fn imported_canvas(
    snapshot: &Snapshot,
    batch: &crate::model::Batch,
    matched: &investigation::FileMatch,
    file_name: &str,
) -> Result<Imported, AppError> {
    let mut ids: Vec<&str> = Vec::new();
    let mut notes: HashMap<&str, String> = HashMap::new();
    let mut by_match = 0;
    for (_, entity) in &batch.entities {
        let Some((node, how)) = matched.found.get(&entity.id) else {
            continue;
        };
        let ours = &*snapshot.node(*node).id;
        if ids.contains(&ours) {
            continue;
        }
        ids.push(ours);
        let detail = match how {
            investigation::MatchedBy::Id => continue,
            investigation::MatchedBy::Identifier(detail) => format!("identifier: {detail}"),
            investigation::MatchedBy::Name(detail) => format!("name: {detail}"),
        };
        by_match += 1;
        let note: String = format!(
            "From {file_name}: {} {:?}, matched by {detail}",
            entity.id, entity.name
        )
        .chars()
        .take(investigation::MAX_NOTE_CHARS)
        .collect();
        notes.insert(ours, note);
    }
    if ids.is_empty() {
        return Err(AppError::BadRequest(format!(
            "file: none of its {} entities is in the database: none has an id it holds, a decisive \
             identifier (passport, registration, IMO…) one of its entities shares, or a name only one of \
             them has once normalised{}",
            batch.entities.len(),
            if matched.ambiguous > 0 {
                format!(" ({} names fit several entities equally)", matched.ambiguous)
            } else {
                String::new()
            }
        )));
    }
    if ids.len() > investigation::MAX_NODES {
        return Err(AppError::PayloadTooLarge(format!(
            "file: {} entities; an investigation holds at most {}",
            ids.len(),
            investigation::MAX_NODES
        )));
    }
    let at: HashMap<u32, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (snapshot.find(id).expect("kept ids are held"), i))
        .collect();
    let mut edges = Vec::new();
    let mut edge_in = Vec::new();
    let mut taken: HashSet<u32> = HashSet::new();
    let mut take = |edge: u32, edges: &mut Vec<CanvasEdge>, edge_in: &mut Vec<EdgeIn>| {
        if !taken.insert(edge) {
            return;
        }
        let (s, t) = snapshot.endpoints(edge);
        let e = snapshot.edge(edge);
        let (i, j) = (at[&s], at[&t]);
        edges.push(CanvasEdge {
            source: ids[i].to_string(),
            target: ids[j].to_string(),
            kind: e.kind,
            start_date: e.start_date,
            note: None,
        });
        edge_in.push(EdgeIn {
            source: i,
            target: j,
            kind: e.kind,
            share: e.share,
            on_path: false,
        });
    };
    // The file's own relations between entities found, as the database holds them.
    let mut not_held = 0;
    for (_, relation) in &batch.relations {
        let ends = (
            matched.found.get(&relation.source),
            matched.found.get(&relation.target),
        );
        let (Some((source, _)), Some((target, _))) = ends else {
            continue;
        };
        let held = snapshot
            .outgoing(*source)
            .iter()
            .filter(|a| a.node == *target && a.kind == relation.kind)
            .map(|a| a.edge)
            .find(|&e| relation.start_date.is_none() || snapshot.edge(e).start_date == relation.start_date);
        match held {
            Some(edge) => take(edge, &mut edges, &mut edge_in),
            None => not_held += 1,
        }
    }
    // And the database's other relations among them.
    for &node in at.keys() {
        for adjacent in snapshot.outgoing(node) {
            if at.contains_key(&adjacent.node) {
                take(adjacent.edge, &mut edges, &mut edge_in);
            }
        }
    }
    edges.truncate(investigation::MAX_EDGES);
    let views: Vec<NodeView> = ids
        .iter()
        .map(|id| NodeView::of(snapshot, at_node(snapshot, id), 0))
        .collect();
    let node_in: Vec<NodeIn> = views
        .iter()
        .map(|n| NodeIn {
            id: &n.id,
            name: &n.name,
            schema: n.schema,
            listed: n.listed,
            lists: String::new(),
            start: false,
            on_path: false,
        })
        .collect();
    let laid = drawing::draw(&node_in, &edge_in, "import", String::new());
    let centre: HashMap<&str, (f64, f64)> = laid
        .nodes
        .iter()
        .map(|n| (n.id.as_str(), (n.cx as f64, (n.y + n.height / 2) as f64)))
        .collect();
    let nodes = ids
        .iter()
        .map(|id| CanvasNode {
            id: id.to_string(),
            x: centre[id].0,
            y: centre[id].1,
            note: notes.get(id).cloned(),
            expanded: false,
        })
        .collect();
    let mut canvas = Canvas { nodes, edges };
    canvas.check(snapshot).map_err(bad)?;
    Ok(Imported {
        canvas,
        matched: by_match,
        not_held,
    })
}

fn at_node(snapshot: &Snapshot, id: &str) -> u32 {
    snapshot.find(id).expect("kept ids are held")
}

/// Reads the import form: its text fields, the file's name and bytes (at most
/// [`MAX_FTM_BYTES`]).
async fn read_ftm_upload(
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(Vec<(String, String)>, String, web::Bytes), AppError> {
    let malformed =
        |e: actix_multipart::MultipartError| AppError::BadRequest(format!("malformed upload: {e}"));
    let mut multipart = actix_multipart::Multipart::new(req.headers(), payload);
    let mut fields = Vec::new();
    let mut file = None;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        if fields.len() > 8 {
            return Err(AppError::BadRequest("more than 8 form fields".into()));
        }
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(display_file_name)
                .filter(|n| !n.is_empty() && !n.starts_with('.'))
                .unwrap_or_else(|| "upload.ftm.json".to_string());
            let bytes = field
                .bytes(MAX_FTM_BYTES)
                .await
                .map_err(|_| {
                    AppError::PayloadTooLarge(format!("file: larger than {} MiB", MAX_FTM_BYTES >> 20))
                })?
                .map_err(malformed)?;
            file = Some((file_name, bytes));
        } else {
            let value = text_field(&mut field, &name).await?;
            fields.push((name, value));
        }
    }
    let (file_name, bytes) =
        file.ok_or_else(|| AppError::BadRequest("file: choose an FtM file to import".into()))?;
    Ok((fields, file_name, bytes))
}
