//! Name normalisation: the one form names and queries are compared in.
//!
//! Case and accents are folded (Latin, Cyrillic, Greek… are transliterated to ASCII with
//! `deunicode`), punctuation becomes a word break, and legal forms are folded to one token each
//! ("Co., Ltd." and "Company Limited" both become `co ltd`, "Limited Liability Company" and
//! "OOO" become `llc`). Chinese, Japanese and Korean characters are kept as they are: the index
//! is a trigram index, so "海康威视" finds "杭州海康威视数字技术股份有限公司" as a substring.
//!
//! Architecture invariant: pure functions; no IO. The store calls [`normalise`] when it
//! indexes names, so a change to the rules must bump [`NORMALISER_VERSION`] (the store then
//! rebuilds its index on open).

/// Version of the rules below. The store keeps the version its index was built with and
/// rebuilds the index when it differs.
pub const NORMALISER_VERSION: i64 = 1;

/// Chinese legal forms, longest first, replaced before anything else.
const CJK_LEGAL_FORMS: &[(&str, &str)] = &[
    ("股份有限公司", " co ltd "),
    ("有限责任公司", " co ltd "),
    ("有限責任公司", " co ltd "),
    ("有限公司", " co ltd "),
    ("公司", " co "),
];

/// Legal forms as sequences of normalised words, and the words they fold to. Longer sequences
/// first where one is a prefix of another.
const LEGAL_FORMS: &[(&[&str], &[&str])] = &[
    (&["public", "limited", "company"], &["plc"]),
    (&["limited", "liability", "company"], &["llc"]),
    (&["limited", "liability", "partnership"], &["llp"]),
    (&["open", "joint", "stock", "company"], &["ojsc"]),
    (&["closed", "joint", "stock", "company"], &["cjsc"]),
    (&["public", "joint", "stock", "company"], &["pjsc"]),
    (&["joint", "stock", "company"], &["jsc"]),
    (&["otkrytoe", "aktsionernoe", "obshchestvo"], &["ojsc"]),
    (&["zakrytoe", "aktsionernoe", "obshchestvo"], &["cjsc"]),
    (&["publichnoe", "aktsionernoe", "obshchestvo"], &["pjsc"]),
    (&["aktsionernoe", "obshchestvo"], &["jsc"]),
    (
        &["obshchestvo", "s", "ogranichennoi", "otvetstvennostiu"],
        &["llc"],
    ),
    (
        &["obshchestvo", "s", "ogranichennoy", "otvetstvennostyu"],
        &["llc"],
    ),
    (&["gesellschaft", "mit", "beschrankter", "haftung"], &["gmbh"]),
    (&["societe", "anonyme"], &["sa"]),
    (&["sociedad", "anonima"], &["sa"]),
    (&["societa", "per", "azioni"], &["spa"]),
    (&["kabushiki", "kaisha"], &["kk"]),
    (&["sendirian", "berhad"], &["sdn", "bhd"]),
    (&["private", "limited"], &["pvt", "ltd"]),
    (&["g", "m", "b", "h"], &["gmbh"]),
    (&["s", "a", "r", "l"], &["sarl"]),
    (&["s", "a", "s"], &["sas"]),
    (&["s", "r", "l"], &["srl"]),
    (&["s", "p", "a"], &["spa"]),
    (&["l", "l", "c"], &["llc"]),
    (&["l", "l", "p"], &["llp"]),
    (&["p", "l", "c"], &["plc"]),
    (&["j", "s", "c"], &["jsc"]),
    (&["l", "t", "d"], &["ltd"]),
    (&["s", "a"], &["sa"]),
    (&["a", "g"], &["ag"]),
    (&["b", "v"], &["bv"]),
    (&["n", "v"], &["nv"]),
    (&["company"], &["co"]),
    (&["limited"], &["ltd"]),
    (&["corporation"], &["corp"]),
    (&["incorporated"], &["inc"]),
    (&["aktiengesellschaft"], &["ag"]),
    (&["pte"], &["pvt"]),
    (&["private"], &["pvt"]),
    (&["berhad"], &["bhd"]),
    (&["ooo"], &["llc"]),
    (&["oao"], &["ojsc"]),
    (&["zao"], &["cjsc"]),
    (&["pao"], &["pjsc"]),
];

/// The first words of [`LEGAL_FORMS`], sorted, each once.
static FORM_STARTS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    let mut starts: Vec<&str> = LEGAL_FORMS.iter().map(|(form, _)| form[0]).collect();
    starts.sort_unstable();
    starts.dedup();
    starts
});

/// The tokens legal forms fold to; [`core`] drops them.
const LEGAL_TOKENS: &[&str] = &[
    "co", "ltd", "llc", "llp", "plc", "inc", "corp", "jsc", "ojsc", "cjsc", "pjsc", "gmbh", "ag", "sa",
    "sarl", "sas", "srl", "spa", "bv", "nv", "kk", "pvt", "sdn", "bhd",
];

/// Whether `c` is a Chinese, Japanese or Korean character, kept as is by the normaliser.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3400..=0x4DBF   // CJK Extension A
        | 0x4E00..=0x9FFF   // CJK Unified Ideographs
        | 0xAC00..=0xD7AF   // Hangul syllables
        | 0xF900..=0xFAFF   // CJK compatibility ideographs
        | 0x20000..=0x2FA1F // CJK Extensions B–F, compatibility supplement
    )
}

/// The normalised form of a name or query: lower-case ASCII words and CJK runs, separated by
/// single spaces, legal forms folded.
///
/// ```
/// use ownergraph::search::normalise;
/// assert_eq!(normalise("Hangzhou Hikvision Digital Technology Co., Ltd."),
///            "hangzhou hikvision digital technology co ltd");
/// assert_eq!(normalise("HANGZHOU HIKVISION DIGITAL TECHNOLOGY COMPANY LIMITED"),
///            "hangzhou hikvision digital technology co ltd");
/// assert_eq!(normalise("Société Générale S.A."), "societe generale sa");
/// assert_eq!(normalise("杭州海康威视数字技术股份有限公司"), "杭州海康威视数字技术 co ltd");
/// ```
pub fn normalise(text: &str) -> String {
    let mut folded = String::with_capacity(text.len() + 8);
    let mut replaced;
    let mut source = text;
    if source.chars().any(is_cjk) {
        replaced = text.to_string();
        for (form, fold) in CJK_LEGAL_FORMS {
            if replaced.contains(form) {
                replaced = replaced.replace(form, fold);
            }
        }
        source = &replaced;
    }
    let mut last_cjk = false;
    for c in source.chars() {
        if is_cjk(c) {
            if !last_cjk {
                folded.push(' ');
            }
            folded.push(c);
            last_cjk = true;
            continue;
        }
        if last_cjk {
            folded.push(' ');
            last_cjk = false;
        }
        match c {
            c if c.is_ascii_alphanumeric() => folded.push(c.to_ascii_lowercase()),
            // Apostrophes join: "People's" is "peoples", not "people s".
            '\'' | '\u{2019}' | '\u{2018}' | '`' | '\u{02BC}' | '\u{00B4}' => {}
            '&' => folded.push_str(" and "),
            c if c.is_ascii() => folded.push(' '),
            c => match deunicode::deunicode_char(c) {
                Some(ascii) => {
                    for a in ascii.chars() {
                        if a.is_ascii_alphanumeric() {
                            folded.push(a.to_ascii_lowercase());
                        } else if a != '\'' {
                            folded.push(' ');
                        }
                    }
                }
                None => folded.push(' '),
            },
        }
    }
    let words: Vec<&str> = folded.split_whitespace().collect();
    let mut out = String::with_capacity(folded.len());
    let mut i = 0;
    'words: while i < words.len() {
        // Most words start no legal form: one lookup, not a comparison with every form.
        if FORM_STARTS.binary_search(&words[i]).is_err() {
            push_word(&mut out, words[i]);
            i += 1;
            continue;
        }
        for (form, fold) in LEGAL_FORMS {
            if words[i..].starts_with(form) {
                for w in *fold {
                    push_word(&mut out, w);
                }
                i += form.len();
                continue 'words;
            }
        }
        push_word(&mut out, words[i]);
        i += 1;
    }
    out
}

fn push_word(out: &mut String, word: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    out.push_str(word);
}

/// A normalised name without its trailing legal-form words ("hikvision co ltd" → "hikvision").
/// The first word always stays, so a name never becomes empty.
pub fn core(normalised: &str) -> &str {
    let mut end = normalised.len();
    let mut rest = normalised;
    // Legal forms sit at the end of names; strip them from the end only, so "Co-operative
    // Bank" keeps its words.
    while let Some((head, last)) = rest.rsplit_once(' ') {
        if LEGAL_TOKENS.contains(&last) {
            end = head.len();
            rest = head;
        } else {
            break;
        }
    }
    &normalised[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_punctuation_and_legal_forms() {
        for (input, expected) in [
            ("Hikvision", "hikvision"),
            ("HIKVISION DIGITAL", "hikvision digital"),
            (
                "Hangzhou Hikvision Digital Technology Co., Ltd.",
                "hangzhou hikvision digital technology co ltd",
            ),
            (
                "Hangzhou Hikvision Digital Technology Company Limited",
                "hangzhou hikvision digital technology co ltd",
            ),
            ("ACME Limited Liability Company", "acme llc"),
            ("ACME L.L.C.", "acme llc"),
            ("ACME LLC", "acme llc"),
            ("Siemens Aktiengesellschaft", "siemens ag"),
            ("Müller Gesellschaft mit beschränkter Haftung", "muller gmbh"),
            ("Müller G.m.b.H.", "muller gmbh"),
            ("Banco Nacional S.A.", "banco nacional sa"),
            ("Société Anonyme Générale", "sa generale"),
            ("ROSNEFT Joint Stock Company", "rosneft jsc"),
            ("ROSNEFT JSC", "rosneft jsc"),
            ("ООО Ромашка", "llc romashka"),
            ("Romashka OOO", "romashka llc"),
            (
                "Xinjiang Uighur Autonomous Region People's Government",
                "xinjiang uighur autonomous region peoples government",
            ),
            ("AL-QA'IDA", "al qaida"),
            ("Smith & Sons", "smith and sons"),
            ("杭州海康威视数字技术股份有限公司", "杭州海康威视数字技术 co ltd"),
            ("海康威视", "海康威视"),
            ("浙江大华技术有限公司", "浙江大华技术 co ltd"),
            ("海康威视Hikvision", "海康威视 hikvision"),
            ("ＡＢＣ　Ｌｔｄ．", "abc ltd"),
            ("  ", ""),
            ("...", ""),
        ] {
            assert_eq!(normalise(input), expected, "{input:?}");
        }
    }

    #[test]
    fn core_drops_trailing_legal_forms_only() {
        for (input, expected) in [
            ("hikvision co ltd", "hikvision"),
            ("hikvision", "hikvision"),
            ("co op bank", "co op bank"),
            ("co ltd", "co"),
            ("llc romashka", "llc romashka"),
            ("", ""),
        ] {
            assert_eq!(core(input), expected, "{input:?}");
        }
    }
}
