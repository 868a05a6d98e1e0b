//! What the XML list formats share (OFAC's `sdnList`, the UN consolidated list, Canada's SEMA
//! list): one pass with quick-xml over the file in memory that hands each record element over
//! as a small tree with the line it starts on, so a reader maps records without parsing XML and
//! names `file:line` for every problem. Memory holds the file and one record's tree at a time.

use super::ImportError;
use crate::model::{Batch, Entity, InputError, Listing, Origin};
use quick_xml::events::Event;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
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

/// Line numbers of byte offsets of the file in memory, for offsets asked in increasing order:
/// each query counts only the newlines since the previous one.
struct Lines<'a> {
    bytes: &'a [u8],
    /// The last offset asked and its line.
    offset: usize,
    line: u64,
}

impl Lines<'_> {
    fn line_of(&mut self, offset: u64) -> u64 {
        let offset = (offset as usize).min(self.bytes.len());
        if offset > self.offset {
            self.line += count_newlines(&self.bytes[self.offset..offset]);
            self.offset = offset;
        }
        self.line
    }
}

/// The newlines in `bytes`. Most ranges asked are a few dozen bytes (from one element's start to
/// the next): counted eight bytes at a time in a word, whole blocks of 32 by the vector unit.
fn count_newlines(bytes: &[u8]) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    let mut blocks = bytes.chunks_exact(32);
    let mut count = 0u64;
    for block in &mut blocks {
        // At most 32 per block: a byte-wide sum, which the compiler vectorises.
        count += u64::from(block.iter().map(|b| u8::from(*b == b'\n')).sum::<u8>());
    }
    let mut words = blocks.remainder().chunks_exact(8);
    for word in &mut words {
        // A byte of `x` is zero exactly where the word holds a newline; `zero` has its top bit
        // set in exactly those bytes (no borrow crosses bytes, unlike the `x - ONES` trick).
        let x = u64::from_ne_bytes(word.try_into().expect("eight bytes")) ^ (ONES * u64::from(b'\n'));
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        count += u64::from(zero.count_ones());
    }
    count + words.remainder().iter().filter(|b| **b == b'\n').count() as u64
}

/// Elements of records already handed over, kept with their strings' and vectors' capacity so
/// that the next records' trees are built without allocating.
#[derive(Default)]
struct Spare(Vec<Element>);

impl Spare {
    fn element(&mut self, name: &str, line: u64) -> Element {
        let mut element = self.0.pop().unwrap_or_default();
        element.name.push_str(name);
        element.line = line;
        element
    }

    fn keep(&mut self, mut element: Element) {
        while let Some(child) = element.children.pop() {
            self.keep(child);
        }
        element.name.clear();
        element.text.clear();
        element.attributes.clear();
        self.0.push(element);
    }
}

/// Reads `path`, whose root element must be `root` (else an error naming the root expected
/// for `format`), and calls `record` with each element named in `records` at any depth, whole.
/// Returns the root element with its attributes (its children are the records' ancestors'
/// other elements, not the records).
///
/// The file is read into memory whole (lists are a few megabytes) and parsed in place; the
/// records' trees reuse the elements of the records before them.
pub fn read_records(
    path: &Path,
    root: &str,
    format: &str,
    records: &[&str],
    progress: &dyn Fn(u64),
    mut record: impl FnMut(&Element) -> Result<(), InputError>,
) -> Result<Element, ImportError> {
    let file: Arc<str> = Arc::from(path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path, e))?;
    let lines = RefCell::new(Lines {
        bytes: &bytes,
        offset: 0,
        line: 1,
    });
    let mut reader = quick_xml::Reader::from_reader(bytes.as_slice());
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

    let mut spare = Spare::default();
    // The open elements: outside a record, only names (and the root element); inside one, the
    // record's open elements as trees, completed as they close.
    let mut depth = 0usize;
    let mut top: Option<Element> = None;
    let mut open: Vec<Element> = Vec::new();
    loop {
        let before = reader.buffer_position();
        let event = reader.read_event().map_err(|e| {
            error_at(
                reader.error_position(),
                "xml",
                format!("not well-formed XML: {e}"),
            )
        })?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let empty = matches!(event, Event::Empty(_));
                let local = start.local_name();
                let name: &str = local.as_ref();
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
                let attributes = |into: &mut Vec<(String, String)>| -> Result<(), InputError> {
                    // Most elements have none: not even an iterator is made for them.
                    if start.attributes_raw().trim_ascii().is_empty() {
                        return Ok(());
                    }
                    for attribute in start.attributes() {
                        let attribute = attribute.map_err(|e| {
                            error_at(before, "xml", format!("bad attribute in <{name}>: {e}"))
                        })?;
                        let key = attribute.key.local_name().as_ref().to_string();
                        let value = attribute
                            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .map_err(|e| {
                                error_at(before, &key, format!("bad attribute value in <{name}>: {e}"))
                            })?;
                        into.push((key, value.into_owned()));
                    }
                    Ok(())
                };
                if top.is_some() && open.is_empty() && !records.contains(&name) {
                    // Outside the records: checked, not kept.
                    let mut scratch = Vec::new();
                    attributes(&mut scratch)?;
                    if !empty {
                        depth += 1;
                    }
                    continue;
                }
                let line = lines.borrow_mut().line_of(before + 1);
                let mut element = spare.element(name, line);
                attributes(&mut element.attributes)?;
                if top.is_none() {
                    let is_record = records.contains(&name);
                    top = Some(element.clone());
                    if !is_record {
                        if !empty {
                            depth += 1;
                        }
                        spare.keep(element);
                        continue;
                    }
                }
                if empty {
                    match open.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => {
                            record(&element)?;
                            spare.keep(element);
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
                        record(&done)?;
                        spare.keep(done);
                        progress(reader.buffer_position());
                    }
                },
                None => depth = depth.saturating_sub(1),
            },
            Event::Text(text) => {
                // Indentation between elements is layout: only text with content is kept.
                if let Some(current) = open.last_mut() {
                    // Indentation is ASCII: told apart by its bytes, before its line ends are
                    // normalised or `trim` looks at chars (half the events of a list).
                    let indentation = text.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
                    if indentation && current.text.is_empty() {
                        continue;
                    }
                    let content = text.xml10_content();
                    if !(indentation || content.trim().is_empty()) || !current.text.is_empty() {
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
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) => current.text.push(c),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&reference) {
                            Some(text) => current.text.push_str(text),
                            None => {
                                return Err(error_at(
                                    before,
                                    &current.name,
                                    format!("unknown entity &{};", &*reference),
                                )
                                .into())
                            }
                        },
                        Err(_) => {
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
            Event::Eof => {
                // A file cut short (a download that stopped) ends inside its elements: refused,
                // not read as a release that dropped the records it lost.
                let unclosed = match (open.last(), &top) {
                    (Some(element), _) => Some((element.name.clone(), element.line)),
                    (None, Some(root)) if depth > 0 => Some((root.name.clone(), root.line)),
                    _ => None,
                };
                if let Some((name, line)) = unclosed {
                    return Err(error_at(
                        bytes.len() as u64,
                        &name,
                        format!("the file ends inside <{name}> of line {line}: is it cut short?"),
                    )
                    .into());
                }
                break;
            }
            _ => {}
        }
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
        let (entity, listing) = entry(&file, record)?;
        let origin = record.origin(&file);
        if let Some(first) = seen.insert(entity.id.clone(), origin.line) {
            return Err(duplicate(&file, record, &entity, &listing, first));
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
            out.push(e.clone());
            Ok(())
        })?;
        Ok((root, out))
    }

    #[test]
    fn newlines_are_counted_in_every_range() {
        // Bytes next to '\n' in value or bits (0x0b, 0x8a, 0x09, 0xff, 0x00) must not count.
        let mut bytes = Vec::new();
        for i in 0..300u32 {
            bytes.push(match (i * 7 + i / 13) % 9 {
                0 | 5 => b'\n',
                1 => 0x0b,
                2 => 0x8a,
                3 => 0x09,
                4 => 0xff,
                6 => 0x00,
                _ => b'a',
            });
        }
        for start in 0..80 {
            for end in start..bytes.len() {
                let range = &bytes[start..end];
                let plain = range.iter().filter(|b| **b == b'\n').count() as u64;
                assert_eq!(count_newlines(range), plain, "{start}..{end}");
            }
        }
        assert_eq!(count_newlines(&[b'\n'; 100]), 100);
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

    /// Indentation between elements is dropped; white space that is part of a value (around
    /// a reference, a line break inside the text) is kept, line ends normalised; an element
    /// with white space after its name but no attribute has none.
    #[test]
    fn indentation_is_layout_and_the_rest_of_the_text_is_kept() {
        let xml = "<list>\r\n  <entry >\r\n    <n>  A &amp; B </n>\r\n    <c>one\r\ntwo</c>\r\n    \
                   <r>&amp; <x/> tail</r>\r\n    <e a = \"1\" />\r\n  </entry>\r\n</list>\r\n";
        let (_, records) = records_of(xml, &["entry"]).unwrap();
        let entry = &records[0];
        assert_eq!(entry.text, "");
        assert!(entry.attributes.is_empty());
        assert_eq!(entry.child("n").unwrap().text, "  A & B ");
        assert_eq!(entry.child("c").unwrap().text, "one\ntwo");
        // Text after the first character data is kept whole, white space included.
        assert_eq!(entry.child("r").unwrap().text, "&  tail");
        assert_eq!(entry.child("e").unwrap().attribute("a"), Some("1"));
        assert_eq!(entry.child("e").unwrap().line, 7);
    }

    /// A file that ends before its elements close (a download cut short) is refused, naming
    /// the innermost element still open and the line the file ends on.
    #[test]
    fn a_file_cut_short_is_refused() {
        let inside = records_of("<list>\n  <entry>\n    <name>A", &["entry"]).unwrap_err();
        assert!(
            inside
                .to_string()
                .ends_with(":3: name: the file ends inside <name> of line 3: is it cut short?"),
            "{inside}"
        );
        let between = records_of("<list>\n  <entry/>\n  <entry/>\n", &["entry"]).unwrap_err();
        assert!(
            between
                .to_string()
                .ends_with(":4: list: the file ends inside <list> of line 1: is it cut short?"),
            "{between}"
        );
        let (_, whole) = records_of("<list>\n  <entry/>\n</list>", &["entry"]).unwrap();
        assert_eq!(whole.len(), 1);
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
