//! What the XML list formats share (OFAC's `sdnList`, the UN consolidated list, Canada's SEMA
//! list): one streaming pass with quick-xml that hands each record element over as a small
//! owned tree with the line it starts on, so a reader maps records without parsing XML and
//! names `file:line` for every problem. Memory holds one record at a time.

use super::ImportError;
use crate::model::{Batch, Entity, InputError, Listing, Origin};
use quick_xml::events::{BytesStart, Event};
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::io::{BufReader, Read};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

/// An element of a record: its local name (namespace prefix dropped), attributes, the text
/// directly inside it (entities resolved) and its child elements.
#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub line: u64,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element's own text, trimmed; `None` when empty.
    pub fn value(&self) -> Option<&str> {
        let text = self.text.trim();
        (!text.is_empty()).then_some(text)
    }

    /// The text of the first child named `name` that has any.
    pub fn text_of<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        self.children_named(name).find_map(Element::value)
    }

    /// The texts of every child named `name` that has any.
    pub fn texts_of<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.children_named(name).filter_map(Element::value)
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Where this element starts, for error messages.
    pub fn origin(&self, file: &Arc<str>) -> Origin {
        Origin {
            file: file.clone(),
            line: self.line,
        }
    }
}

/// Line numbers of byte offsets, for offsets asked in increasing order. The file's bytes are
/// counted as the parser pulls them; only the newlines not yet passed are kept.
#[derive(Default)]
struct Lines {
    /// Offsets of newlines read but not yet passed by a query.
    pending: VecDeque<u64>,
    /// Newlines before the first pending one.
    passed: u64,
    read: u64,
}

impl Lines {
    fn line_of(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|n| *n < offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

struct Counting<R> {
    inner: R,
    lines: Rc<RefCell<Lines>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut lines = self.lines.borrow_mut();
        let base = lines.read;
        lines
            .pending
            .extend(memchr::memchr_iter(b'\n', &buf[..n]).map(|i| base + i as u64));
        lines.read += n as u64;
        Ok(n)
    }
}

fn local_name(start: &BytesStart<'_>) -> String {
    start.local_name().as_ref().to_string()
}

/// Reads `path`, whose root element must be `root` (else an error naming the root expected
/// for `format`), and calls `record` with each element named in `records` at any depth, whole.
/// Returns the root element with its attributes (its children are the records' ancestors'
/// other elements, not the records).
pub fn read_records(
    path: &Path,
    root: &str,
    format: &str,
    records: &[&str],
    progress: &dyn Fn(u64),
    mut record: impl FnMut(Element) -> Result<(), InputError>,
) -> Result<Element, ImportError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let handle = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let lines = Rc::new(RefCell::new(Lines::default()));
    let counting = Counting {
        inner: handle,
        lines: lines.clone(),
    };
    let mut reader = quick_xml::Reader::from_reader(BufReader::with_capacity(1 << 16, counting));
    reader.config_mut().expand_empty_elements = false;
    let error_at = |offset: u64, field: &str, message: String| {
        let line = lines.borrow_mut().line_of(offset);
        InputError::new(
            &Origin {
                file: file.clone(),
                line,
            },
            field,
            message,
        )
    };

    let mut buf = Vec::new();
    // The open elements: outside a record, only names (and the root element); inside one, the
    // record's open elements as trees, completed as they close.
    let mut depth = 0usize;
    let mut top: Option<Element> = None;
    let mut open: Vec<Element> = Vec::new();
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| {
            error_at(
                reader.error_position(),
                "xml",
                format!("not well-formed XML: {e}"),
            )
        })?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let name = local_name(start);
                let line = lines.borrow_mut().line_of(before + 1);
                if name.is_empty() {
                    return Err(
                        error_at(before + 1, "xml", "an element without a name (`<>`)".into()).into(),
                    );
                }
                if depth == 0 && top.is_none() && name != root {
                    return Err(error_at(
                        before + 1,
                        "root",
                        format!("the root element is <{name}>; {format} has <{root}>: is this a file of another format?"),
                    )
                    .into());
                }
                let mut attributes = Vec::new();
                for attribute in start.attributes() {
                    let attribute = attribute
                        .map_err(|e| error_at(before, "xml", format!("bad attribute in <{name}>: {e}")))?;
                    let key = attribute.key.local_name().as_ref().to_string();
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| {
                            error_at(before, &key, format!("bad attribute value in <{name}>: {e}"))
                        })?;
                    attributes.push((key, value.into_owned()));
                }
                let element = Element {
                    name,
                    line,
                    attributes,
                    ..Element::default()
                };
                if top.is_none() {
                    top = Some(element.clone());
                }
                if open.is_empty() && !records.contains(&element.name.as_str()) {
                    if !empty {
                        depth += 1;
                    }
                    continue;
                }
                if empty {
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => {
                            record(element)?;
                            progress(reader.buffer_position());
                        }
                    }
                } else {
                    open.push(element);
                }
            }
            Event::End(_) => match open.pop() {
                Some(done) => match open.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => {
                        record(done)?;
                        progress(reader.buffer_position());
                    }
                },
                None => depth = depth.saturating_sub(1),
            },
            Event::Text(text) => {
                // Indentation between elements is layout: only text with content is kept.
                if let Some(current) = open.last_mut() {
                    let content = text.xml10_content();
                    if !content.trim().is_empty() || !current.text.is_empty() {
                        current.text.push_str(&content);
                    }
                }
            }
            Event::CData(data) => {
                if let Some(current) = open.last_mut() {
                    current.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(current) = open.last_mut() {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => {
                            quick_xml::escape::resolve_predefined_entity(&reference).map(str::to_string)
                        }
                        Err(_) => None,
                    };
                    match resolved {
                        Some(text) => current.text.push_str(&text),
                        None => {
                            return Err(error_at(
                                before,
                                &current.name,
                                format!("unknown entity &{};", &*reference),
                            )
                            .into())
                        }
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match top {
        Some(root) => Ok(root),
        None => Err(error_at(0, "root", format!("no XML elements; {format} has <{root}>")).into()),
    }
}

/// Reads a list whose every record is one listed party (the UN list, Canada's list): `entry`
/// maps a record to its entity and listing; an id given by two records is refused by
/// `duplicate(file, record, entity, listing, line of the first)`. Returns the batch of `dataset` and the root.
pub fn read_entries(
    path: &Path,
    (root, format, records): (&str, &str, &[&str]),
    dataset: &str,
    progress: &dyn Fn(u64),
    mut entry: impl FnMut(&Arc<str>, &Element) -> Result<(Entity, Listing), InputError>,
    duplicate: impl Fn(&Arc<str>, &Element, &Entity, &Listing, u64) -> InputError,
) -> Result<(Batch, Element), ImportError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut batch = Batch {
        dataset: dataset.to_string(),
        ..Batch::default()
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let root = read_records(path, root, format, records, progress, |record| {
        let (entity, listing) = entry(&file, &record)?;
        let origin = record.origin(&file);
        if let Some(first) = seen.insert(entity.id.clone(), origin.line) {
            return Err(duplicate(&file, &record, &entity, &listing, first));
        }
        batch.listings.push((origin.clone(), listing));
        batch.entities.push((origin, entity));
        Ok(())
    })?;
    Ok((batch, root))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records_of(xml: &str, records: &[&str]) -> Result<(Element, Vec<Element>), ImportError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.xml");
        std::fs::write(&path, xml).unwrap();
        let mut out = Vec::new();
        let root = read_records(&path, "list", "test XML", records, &|_| {}, |e| {
            out.push(e);
            Ok(())
        })?;
        Ok((root, out))
    }

    #[test]
    fn records_come_whole_with_their_lines_and_entities_resolved() {
        let xml = "<?xml version=\"1.0\"?>\n<list xmlns=\"urn:x\" date=\"2025-01-02\">\n  <info><d>1</d></info>\n  <entry id=\"7\">\n    <name>AT&amp;T &#x4E2D;</name>\n    <empty/>\n    <aka><n>B</n></aka><aka><n>C</n></aka>\n  </entry>\n</list>\n";
        let (root, records) = records_of(xml, &["entry", "info"]).unwrap();
        assert_eq!(root.attribute("date"), Some("2025-01-02"));
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].name.as_str(), records[0].line), ("info", 3));
        let entry = &records[1];
        assert_eq!(entry.line, 4);
        assert_eq!(entry.attribute("id"), Some("7"));
        assert_eq!(entry.text_of("name"), Some("AT&T 中"));
        assert_eq!(entry.child("name").unwrap().line, 5);
        assert!(entry.child("empty").is_some_and(|e| e.value().is_none()));
        let akas: Vec<_> = entry
            .children_named("aka")
            .filter_map(|a| a.text_of("n"))
            .collect();
        assert_eq!(akas, ["B", "C"]);
    }

    #[test]
    fn another_format_and_broken_xml_name_the_line() {
        let wrong = records_of("<?xml version=\"1.0\"?>\n<data-set/>\n", &["entry"]).unwrap_err();
        assert!(
            wrong.to_string().ends_with("list.xml:2: root: the root element is <data-set>; test XML has <list>: is this a file of another format?"),
            "{wrong}"
        );
        let broken = records_of("<list>\n<entry>\n<name>x</nam>\n</entry></list>", &["entry"]).unwrap_err();
        assert!(
            broken
                .to_string()
                .contains("list.xml:3: xml: not well-formed XML"),
            "{broken}"
        );
    }
}
