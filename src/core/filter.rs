//! The image list filter (`/`): parsing the query once, then deciding for one image at a
//! time whether it passes. Pure: the container count and the clock are passed in.
//!
//! A query is whitespace-separated terms that must all hold:
//!
//! | term | holds when |
//! | --- | --- |
//! | `dangling` | the image has no tag |
//! | `in-use` / `unused` | at least one / no container uses it |
//! | `label=key`, `label=key=value` | it has that label key (with exactly that value); case-sensitive like Docker |
//! | `size>1.5GB`, `size<=200MiB`, … | its size compares so (decimal units like the list shows, or binary ones) |
//! | `age>30d`, `age<2h`, … | `now - created` compares so (s, m, h, d, w, y = 365 d) |
//! | `!term` | the term does not hold (see "unknown facts" below) |
//! | anything else | a fuzzy, case-insensitive match on a tag, a label key or value, or a prefix of the id |
//!
//! Keywords are case-insensitive. Quotes group words and force a fuzzy term:
//! `"two words"`, `"dangling"` (a repository called so), `label=desc="a b"`; an unclosed quote
//! runs to the end, so a query being typed is never an error because of it.
//!
//! Decisions where the issue left room:
//! - Unknown facts: a term about a fact that is not known (the container count before the
//!   container list arrived, the age of an image without a date) holds neither plain nor
//!   negated. An image of unknown use must not appear under `unused` nor under `!in-use`,
//!   both of which people use to pick images to delete.
//! - Ids match by prefix, not fuzzily: almost every 64-digit hex id contains `d…b` somewhere,
//!   so a fuzzy `db` would match nearly every image. A prefix is how ids are typed anyway
//!   (`docker rmi 1d53`), and `sha256:` may lead.
//! - `!fuzzy` is the plain complement of `fuzzy` (nucleo's own pattern syntax would turn it
//!   into a substring test): `x` and `!x` split the list in two.
//! - A bare `!` and incomplete structured terms (`size>`, `label=`) are errors, so the caller
//!   can keep showing the last valid filter and say what is wrong; empty quotes are ignored.
//! - Fuzzy terms longer than 1,000 characters are refused (nucleo's score would overflow).
//!
//! Cost: structured terms are checked first; a fuzzy term scans every tag and label of an
//! image that none of them rejected, so the caller should use [`Filter::narrows`] to re-check
//! only the previous survivors while the user types on. [`toggle_term`] edits the query text
//! for the single-key toggles.

use std::fmt;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::search::{Entry, Needle};
use unicode_segmentation::UnicodeSegmentation;

use crate::core::image::Image;
use crate::core::sanitize::sanitize;

/// A parsed filter query. The default matches everything.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Cheap comparisons, evaluated before any fuzzy matching.
    facts: Vec<FactTerm>,
    fuzzy: Vec<FuzzyTerm>,
}

/// Scratch space for matching, kept by the caller: nucleo's matcher holds about 135 KB of
/// matrices, and non-ASCII haystacks need a char buffer. With one of these reused, matching
/// allocates nothing per image.
#[derive(Clone, Debug)]
pub struct FilterMatcher {
    matcher: Matcher,
    chars: Vec<char>,
    indices: Vec<u32>,
}

impl Default for FilterMatcher {
    fn default() -> Self {
        Self {
            matcher: Matcher::new(Config::DEFAULT),
            chars: Vec::new(),
            indices: Vec::new(),
        }
    }
}

impl FilterMatcher {
    /// Whether `atom` matches `haystack`. ASCII text goes to nucleo as it is; other text is
    /// split into graphemes in the reused buffer (built here rather than with
    /// `Utf32Str::new`, which in 0.3.1 hands non-ASCII bytes to the ASCII path when every
    /// grapheme starts with an ASCII char, e.g. `e` + combining accent).
    fn fuzzy_hit(&mut self, atom: &Atom, haystack: &str) -> bool {
        let text = utf32(haystack, &mut self.chars);
        atom.score(text, &mut self.matcher).is_some()
    }
}

fn utf32<'a>(text: &'a str, chars: &'a mut Vec<char>) -> Utf32Str<'a> {
    if text.is_ascii() {
        Utf32Str::Ascii(text.as_bytes())
    } else {
        chars.clear();
        chars.extend(nucleo_matcher::chars::graphemes(text));
        Utf32Str::Unicode(chars)
    }
}

#[derive(Clone, Debug, PartialEq)]
struct FactTerm {
    negated: bool,
    fact: Fact,
}

#[derive(Clone, Debug, PartialEq)]
enum Fact {
    Dangling,
    InUse,
    Unused,
    Label { key: String, value: Option<String> },
    Size(Comparison),
    Age(Comparison),
}

#[derive(Clone, Debug, PartialEq)]
struct FuzzyTerm {
    negated: bool,
    atom: Atom,
    /// The needle lower-cased, when it is ASCII: then, against ASCII text, a match is just a
    /// case-insensitive subsequence, found without nucleo's scoring (10x cheaper at 100k).
    ascii_needle: Option<Needle>,
    /// The term lower-cased without `sha256:`, when it could be the start of an id.
    id_prefix: Option<String>,
}

/// `value op amount`, exact: the amount is the fraction `numerator / denominator` of base
/// units (bytes, seconds) so that `size>1.5B` and `size>=1GB` hold exactly where they should.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Comparison {
    op: Op,
    numerator: i128,
    denominator: i128,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Comparison {
    /// `value` is at most 2^64 in magnitude and the denominator at most 10^18, so the
    /// product fits an i128.
    fn holds(self, value: i128) -> bool {
        let scaled = value * self.denominator;
        match self.op {
            Op::Greater => scaled > self.numerator,
            Op::GreaterOrEqual => scaled >= self.numerator,
            Op::Less => scaled < self.numerator,
            Op::LessOrEqual => scaled <= self.numerator,
        }
    }
}

/// Why a query does not parse. Displays as `term: problem`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilterError {
    /// The offending term as typed (quotes removed).
    pub term: String,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `!` with nothing after it.
    NothingToNegate,
    /// `size=…`, `age=…`: only ordering comparisons exist.
    NoOperator,
    MissingNumber,
    /// The text where a number should be.
    NotANumber(String),
    /// More digits than an exact comparison can hold.
    NumberTooLarge,
    UnknownSizeUnit(String),
    UnknownAgeUnit(String),
    /// `age>30`: seconds or days? Better to ask.
    MissingAgeUnit,
    MissingLabelKey,
    /// A fuzzy term longer than `MAX_FUZZY_CHARS`.
    TooLong,
}

/// Longest piece of a term an error message repeats; a pasted 10,000-character term would
/// otherwise fill the status line.
const MAX_TERM_IN_MESSAGE: usize = 40;

/// Longest fuzzy term. nucleo scores in a u16 (up to 36 per matched char), which overflows
/// past about 1,800 chars: a panic in a debug build, nonsense in a release one. No tag or
/// label worth finding is that long.
const MAX_FUZZY_CHARS: usize = 1_000;

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_clipped(f, &self.term)?;
        f.write_str(": ")?;
        match &self.problem {
            Problem::NothingToNegate => f.write_str("'!' needs a term after it"),
            Problem::NoOperator => f.write_str("compare with >, <, >= or <="),
            Problem::MissingNumber => f.write_str("a number is missing"),
            Problem::NotANumber(text) => {
                f.write_str("'")?;
                write_clipped(f, text)?;
                f.write_str("' is not a number")
            }
            Problem::NumberTooLarge => f.write_str("number too large"),
            Problem::UnknownSizeUnit(unit) => {
                f.write_str("unknown unit '")?;
                write_clipped(f, unit)?;
                f.write_str("' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)")
            }
            Problem::UnknownAgeUnit(unit) => {
                f.write_str("unknown unit '")?;
                write_clipped(f, unit)?;
                f.write_str("' (use s, m, h, d, w or y)")
            }
            Problem::MissingAgeUnit => f.write_str("add a unit: s, m, h, d, w or y"),
            Problem::MissingLabelKey => f.write_str("a label key is missing (label=key=value)"),
            Problem::TooLong => write!(f, "too long (at most {MAX_FUZZY_CHARS} characters)"),
        }
    }
}

/// User text inside a message: control characters escaped (the message ends up on the
/// terminal), long text cut with an ellipsis.
fn write_clipped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    match text.char_indices().nth(MAX_TERM_IN_MESSAGE) {
        Some((end, _)) => write!(f, "{}…", sanitize(&text[..end])),
        None => f.write_str(&sanitize(text)),
    }
}

impl std::error::Error for FilterError {}

impl Filter {
    /// Parses a query; see the module documentation for the grammar.
    pub fn parse(text: &str) -> Result<Filter, FilterError> {
        let mut filter = Filter::default();
        for token in tokens(text) {
            filter.add(token)?;
        }
        Ok(filter)
    }

    /// Whether the filter lets every image through.
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.fuzzy.is_empty()
    }

    /// Whether a term depends on container counts (`in-use`, `unused`), so a new container
    /// list can change what passes.
    pub fn uses_containers(&self) -> bool {
        self.facts
            .iter()
            .any(|term| matches!(term.fact, Fact::InUse | Fact::Unused))
    }

    /// Whether `image` passes every term. `containers` is how many containers use it (`None`:
    /// not known yet, so `in-use`, `unused` and their negations all fail); `now` is in unix
    /// seconds, like `Image::created`.
    pub fn matches(
        &self,
        matcher: &mut FilterMatcher,
        image: &Image,
        containers: Option<u64>,
        now: i64,
    ) -> bool {
        self.matches_with_text(matcher, image, None, containers, now)
    }

    /// `matches`, reading the image's text from `text` (the state's lower-cased copy of
    /// every image's strings, `None` for an image it does not hold) where a term can.
    pub fn matches_with_text(
        &self,
        matcher: &mut FilterMatcher,
        image: &Image,
        text: Option<Entry<'_>>,
        containers: Option<u64>,
        now: i64,
    ) -> bool {
        self.facts
            .iter()
            .all(|term| term.holds(image, containers, now))
            && self.fuzzy.iter().all(|term| {
                let hit = match (&term.ascii_needle, text) {
                    (Some(needle), Some(text)) => term.holds_in(needle, text),
                    _ => term.holds(matcher, image),
                };
                hit != term.negated
            })
    }

    /// The needle, when the filter is one plain fuzzy term and nothing else (no facts, no
    /// negation, not possibly an id prefix, ASCII): then passing is exactly finding it in
    /// the image's text, and typing on can resume where it was found (`SearchText::find_after`).
    pub fn single_needle(&self) -> Option<&Needle> {
        match (&self.facts[..], &self.fuzzy[..]) {
            ([], [term]) if !term.negated && term.id_prefix.is_none() => term
                .ascii_needle
                .as_ref()
                .filter(|needle| !needle.bytes().is_empty()),
            _ => None,
        }
    }

    /// Whether any term looks at text (tags, labels, the id).
    pub fn has_text_terms(&self) -> bool {
        !self.fuzzy.is_empty()
    }

    /// The char positions in `text` (a displayed `repository:tag`, a label key or value) that
    /// the fuzzy terms matched, ascending, for highlighting. Every char of a matched grapheme
    /// is included (nucleo matches graphemes), so a renderer walking chars or graphemes both
    /// work. Positions are in the raw text: a renderer that escapes characters (`sanitize`)
    /// must map them. Empty when no fuzzy term matches `text`.
    pub fn highlights(&self, matcher: &mut FilterMatcher, text: &str) -> Vec<u32> {
        let mut graphemes: Vec<u32> = Vec::new();
        for term in self.fuzzy.iter().filter(|term| !term.negated) {
            let FilterMatcher {
                matcher: nucleo,
                chars,
                indices,
            } = matcher;
            indices.clear();
            if term
                .atom
                .indices(utf32(text, chars), nucleo, indices)
                .is_some()
            {
                graphemes.extend_from_slice(indices);
            }
        }
        graphemes.sort_unstable();
        graphemes.dedup();
        if text.is_ascii() || graphemes.is_empty() {
            return graphemes;
        }
        grapheme_to_char_positions(text, &graphemes)
    }

    /// The char positions of `short_id` (or a full id's hex) that a fuzzy term matched as an
    /// id prefix: `0..n` for the longest such prefix, empty when none.
    pub fn id_highlights(&self, short_id: &str) -> Vec<u32> {
        let longest = self
            .fuzzy
            .iter()
            .filter(|term| !term.negated)
            .filter_map(|term| term.id_prefix.as_deref())
            .filter_map(|prefix| {
                let shown = prefix.len().min(short_id.len());
                let head = short_id.get(..shown)?;
                head.eq_ignore_ascii_case(&prefix[..shown]).then_some(shown)
            })
            .max()
            .unwrap_or(0);
        (0..longest as u32).collect()
    }

    /// Whether every image this filter lets through also passed `previous` (same container
    /// counts, same `now`). Then, after a keystroke that only narrows the query (typing on at
    /// the end of a term, adding a term), the caller can re-check just the images `previous`
    /// let through instead of all of them. Conservative: `false` when it cannot tell.
    pub fn narrows(&self, previous: &Filter) -> bool {
        previous.facts.iter().all(|old| self.facts.contains(old))
            && previous
                .fuzzy
                .iter()
                .all(|old| self.fuzzy.iter().any(|new| new.implies(old)))
    }

    fn add(&mut self, token: Token<'_>) -> Result<(), FilterError> {
        let error = |problem| FilterError {
            term: token.text.clone(),
            problem,
        };
        let quoted_from = token.quoted_from.unwrap_or(usize::MAX);
        let bangs = token
            .text
            .bytes()
            .take(quoted_from)
            .take_while(|&b| b == b'!')
            .count();
        let negated = bangs % 2 == 1;
        let body = &token.text[bangs..];
        if body.is_empty() {
            return match token.quoted_from {
                Some(_) => Ok(()), // `""`, `!""`: nothing to look for
                None => Err(error(Problem::NothingToNegate)),
            };
        }
        // A term that opens with a quote is literal text, whatever it spells.
        if quoted_from > bangs
            && let Some(fact) = parse_fact(body).map_err(error)?
        {
            self.facts.push(FactTerm { negated, fact });
            return Ok(());
        }
        if body.chars().nth(MAX_FUZZY_CHARS).is_some() {
            return Err(error(Problem::TooLong));
        }
        self.fuzzy.push(FuzzyTerm::new(body, negated));
        Ok(())
    }
}

/// Turns nucleo's grapheme indices into the char positions of those graphemes.
fn grapheme_to_char_positions(text: &str, graphemes: &[u32]) -> Vec<u32> {
    let mut positions = Vec::with_capacity(graphemes.len());
    let mut wanted = graphemes.iter().copied().peekable();
    let mut char_at = 0u32;
    for (index, grapheme) in text.graphemes(true).enumerate() {
        let width = grapheme.chars().count() as u32;
        if wanted.peek() == Some(&(index as u32)) {
            wanted.next();
            positions.extend(char_at..char_at + width);
        }
        char_at += width;
    }
    positions
}

impl FactTerm {
    /// A term about an unknown fact fails whether negated or not.
    fn holds(&self, image: &Image, containers: Option<u64>, now: i64) -> bool {
        let value = match &self.fact {
            Fact::Dangling => Some(image.is_dangling()),
            Fact::InUse => containers.map(|n| n >= 1),
            Fact::Unused => containers.map(|n| n == 0),
            Fact::Label { key, value } => Some(
                image
                    .labels
                    .iter()
                    .any(|(k, v)| k == key && value.as_ref().is_none_or(|wanted| wanted == v)),
            ),
            Fact::Size(comparison) => Some(comparison.holds(i128::from(image.size))),
            Fact::Age(comparison) => image
                .created
                .map(|created| comparison.holds(i128::from(now) - i128::from(created))),
        };
        value.is_some_and(|value| value != self.negated)
    }
}

impl FuzzyTerm {
    fn new(text: &str, negated: bool) -> Self {
        let lower = text.to_ascii_lowercase();
        let hex = lower.strip_prefix("sha256:").unwrap_or(&lower);
        let id_prefix = (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| hex.to_string());
        let atom = Atom::new(
            text,
            CaseMatching::Ignore,
            Normalization::Smart,
            AtomKind::Fuzzy,
            false,
        );
        let needle = atom.needle_text();
        let ascii_needle = Needle::new(&needle.chars().collect::<String>());
        Self {
            negated,
            atom,
            ascii_needle,
            id_prefix,
        }
    }

    /// Whether the term matches `haystack` (nucleo's answer, faster where it can be).
    fn hit(&self, matcher: &mut FilterMatcher, haystack: &str) -> bool {
        match &self.ascii_needle {
            Some(needle) if haystack.is_ascii() => {
                let mut rest = haystack.bytes();
                needle
                    .bytes()
                    .iter()
                    .all(|&wanted| rest.any(|b| b.to_ascii_lowercase() == wanted))
            }
            _ => matcher.fuzzy_hit(&self.atom, haystack),
        }
    }

    /// Whether every image this term lets through also passes `other`: a longer needle that
    /// contains the other as a subsequence matches only where the other one does.
    fn implies(&self, other: &FuzzyTerm) -> bool {
        if self == other {
            return true;
        }
        if self.negated || other.negated {
            return false;
        }
        let mut needle = self.atom.needle_text().chars();
        let contains_other = other
            .atom
            .needle_text()
            .chars()
            .all(|wanted| needle.any(|c| c == wanted));
        contains_other
            && match (&self.id_prefix, &other.id_prefix) {
                (None, _) => true,
                (Some(new), Some(old)) => new.starts_with(old.as_str()),
                (Some(_), None) => false,
            }
    }

    /// `holds`, on the image's lower-cased text.
    fn holds_in(&self, needle: &Needle, text: Entry<'_>) -> bool {
        self.id_prefix
            .as_deref()
            .is_some_and(|prefix| text.id_hex.starts_with(prefix.as_bytes()))
            || text.fuzzy(needle)
    }

    /// Tags first: that is where most matches are, and the first hit ends the search.
    fn holds(&self, matcher: &mut FilterMatcher, image: &Image) -> bool {
        image.repo_tags.iter().any(|tag| self.hit(matcher, tag))
            || self
                .id_prefix
                .as_deref()
                .is_some_and(|prefix| image.id.matches(prefix))
            || image
                .labels
                .iter()
                .any(|(key, value)| self.hit(matcher, key) || self.hit(matcher, value))
    }
}

/// One whitespace-separated term, quotes removed.
struct Token<'a> {
    /// As typed, quotes included (for rebuilding a query).
    raw: &'a str,
    text: String,
    /// Byte offset in `text` where the first quoted part starts.
    quoted_from: Option<usize>,
}

fn tokens(query: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut current: Option<(usize, Token<'_>)> = None;
    let mut in_quotes = false;
    for (at, c) in query.char_indices() {
        if c.is_whitespace() && !in_quotes {
            if let Some((start, mut token)) = current.take() {
                token.raw = &query[start..at];
                tokens.push(token);
            }
            continue;
        }
        let (_, token) = current.get_or_insert_with(|| {
            (
                at,
                Token {
                    raw: "",
                    text: String::new(),
                    quoted_from: None,
                },
            )
        });
        if c == '"' {
            in_quotes = !in_quotes;
            token.quoted_from.get_or_insert(token.text.len());
        } else {
            token.text.push(c);
        }
    }
    if let Some((start, mut token)) = current {
        token.raw = &query[start..];
        tokens.push(token);
    }
    tokens
}

/// The structured term `text` spells, `None` when it is a fuzzy one.
fn parse_fact(text: &str) -> Result<Option<Fact>, Problem> {
    let keyword = |word: &str| {
        text.get(..word.len())
            .filter(|head| head.eq_ignore_ascii_case(word))
            .map(|_| &text[word.len()..])
    };
    if text.eq_ignore_ascii_case("dangling") {
        return Ok(Some(Fact::Dangling));
    }
    if text.eq_ignore_ascii_case("in-use") {
        return Ok(Some(Fact::InUse));
    }
    if text.eq_ignore_ascii_case("unused") {
        return Ok(Some(Fact::Unused));
    }
    if let Some(rest) = keyword("label=") {
        let (key, value) = match rest.split_once('=') {
            Some((key, value)) => (key, Some(value.to_string())),
            None => (rest, None),
        };
        if key.is_empty() {
            return Err(Problem::MissingLabelKey);
        }
        let key = key.to_string();
        return Ok(Some(Fact::Label { key, value }));
    }
    let starts_comparison = |rest: &str| rest.starts_with(['<', '>', '=']);
    if let Some(rest) = keyword("size").filter(|rest| starts_comparison(rest)) {
        return parse_comparison(rest, size_unit).map(|c| Some(Fact::Size(c)));
    }
    if let Some(rest) = keyword("age").filter(|rest| starts_comparison(rest)) {
        return parse_comparison(rest, age_unit).map(|c| Some(Fact::Age(c)));
    }
    Ok(None)
}

/// `>=1.5GB` after the keyword; `unit` gives the base units per unit.
fn parse_comparison(
    text: &str,
    unit: fn(&str) -> Result<i128, Problem>,
) -> Result<Comparison, Problem> {
    let (op, rest) = if let Some(rest) = text.strip_prefix(">=") {
        (Op::GreaterOrEqual, rest)
    } else if let Some(rest) = text.strip_prefix("<=") {
        (Op::LessOrEqual, rest)
    } else if let Some(rest) = text.strip_prefix('>') {
        (Op::Greater, rest)
    } else if let Some(rest) = text.strip_prefix('<') {
        (Op::Less, rest)
    } else {
        return Err(Problem::NoOperator);
    };
    let number_end = rest
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(rest.len());
    let (number, unit_text) = rest.split_at(number_end);
    if number.is_empty() {
        return Err(if unit_text.is_empty() {
            Problem::MissingNumber
        } else {
            Problem::NotANumber(unit_text.to_string())
        });
    }
    let (mantissa, denominator) = parse_decimal(number)?;
    let numerator = mantissa
        .checked_mul(unit(unit_text)?)
        .ok_or(Problem::NumberTooLarge)?;
    Ok(Comparison {
        op,
        numerator,
        denominator,
    })
}

/// Most decimals a number may have: keeps `value * 10^decimals` within an i128.
const MAX_DECIMALS: u32 = 18;

/// `"1.25"` → `(125, 100)`, exactly.
fn parse_decimal(number: &str) -> Result<(i128, i128), Problem> {
    let not_a_number = || Problem::NotANumber(number.to_string());
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return Err(not_a_number());
    }
    if fraction.len() > MAX_DECIMALS as usize {
        return Err(Problem::NumberTooLarge);
    }
    let mut mantissa: i128 = 0;
    for digit in whole.bytes().chain(fraction.bytes()) {
        mantissa = mantissa
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(digit - b'0')))
            .ok_or(Problem::NumberTooLarge)?;
    }
    Ok((mantissa, 10i128.pow(fraction.len() as u32)))
}

/// Bytes per unit. Decimal units match the sizes the list shows (humansize DECIMAL, like
/// Docker); binary ones are for people who think in MiB. No unit means bytes.
fn size_unit(unit: &str) -> Result<i128, Problem> {
    const UNITS: [(&str, i128); 10] = [
        ("", 1),
        ("b", 1),
        ("kb", 1_000),
        ("mb", 1_000_000),
        ("gb", 1_000_000_000),
        ("tb", 1_000_000_000_000),
        ("kib", 1 << 10),
        ("mib", 1 << 20),
        ("gib", 1 << 30),
        ("tib", 1 << 40),
    ];
    UNITS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .map(|&(_, bytes)| bytes)
        .ok_or_else(|| Problem::UnknownSizeUnit(unit.to_string()))
}

/// Seconds per unit. A bare number is refused: `age>30` could mean seconds or days.
fn age_unit(unit: &str) -> Result<i128, Problem> {
    const MINUTE: i128 = 60;
    const HOUR: i128 = 60 * MINUTE;
    const DAY: i128 = 24 * HOUR;
    const UNITS: [(&str, i128); 7] = [
        ("s", 1),
        ("m", MINUTE),
        ("min", MINUTE),
        ("h", HOUR),
        ("d", DAY),
        ("w", 7 * DAY),
        ("y", 365 * DAY),
    ];
    if unit.is_empty() {
        return Err(Problem::MissingAgeUnit);
    }
    UNITS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .map(|&(_, seconds)| seconds)
        .ok_or_else(|| Problem::UnknownAgeUnit(unit.to_string()))
}

/// The query with `term` (a single key's quick toggle, e.g. `dangling` or `unused`) switched:
/// removed when present, otherwise added (replacing its negation). Other terms keep their
/// text and order.
pub fn toggle_term(query: &str, term: &str) -> String {
    let is = |token: &Token<'_>, wanted: &str| {
        token.quoted_from.is_none() && token.text.eq_ignore_ascii_case(wanted)
    };
    let negation = format!("!{term}");
    let all = tokens(query);
    let was_on = all.iter().any(|token| is(token, term));
    let mut kept: Vec<&str> = all
        .iter()
        .filter(|token| !is(token, term) && !is(token, &negation))
        .map(|token| token.raw)
        .collect();
    if !was_on {
        kept.push(term);
    }
    kept.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::ImageId;
    use crate::core::search::SearchText;

    const NOW: i64 = 1_700_000_000;
    const DAY: i64 = 86_400;
    const GB: u64 = 1_000_000_000;

    fn image(tags: &[&str], id: &str) -> Image {
        Image {
            id: ImageId::new(format!("sha256:{id}")),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            created: Some(NOW - 10 * DAY),
            size: 100_000_000,
            ..Image::default()
        }
    }

    fn nginx() -> Image {
        let mut image = image(
            &["nginx:1.25", "registry.local:5000/web/nginx:latest"],
            "1d53ef105045c334553a7c252fbd4edf0a17b2f20fbf8f513eacff74d228dfdc",
        );
        image.labels = vec![
            ("maintainer".into(), "NGINX Docker Maintainers".into()),
            ("org.opencontainers.image.vendor".into(), "Acme".into()),
        ];
        image
    }

    fn dangling() -> Image {
        image(
            &[],
            "9f2c6a7e0b3d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6",
        )
    }

    /// Whether `query` parses and lets `image` through (with 2 containers, at NOW).
    fn passes(query: &str, image: &Image) -> bool {
        passes_with(query, image, Some(2))
    }

    fn passes_with(query: &str, image: &Image, containers: Option<u64>) -> bool {
        let filter = Filter::parse(query).unwrap_or_else(|e| panic!("{query:?}: {e}"));
        filter.matches(&mut FilterMatcher::default(), image, containers, NOW)
    }

    fn error(query: &str) -> String {
        match Filter::parse(query) {
            Ok(filter) => panic!("{query:?} parsed as {filter:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn facts(query: &str) -> Vec<FactTerm> {
        Filter::parse(query).expect("parses").facts
    }

    #[test]
    fn empty_queries_match_everything() {
        for query in ["", "   ", "\t\n", "\"\"", "!\"\""] {
            let filter = Filter::parse(query).expect("parses");
            assert!(filter.is_empty(), "{query:?}");
            assert_eq!(filter, Filter::default());
            assert!(passes(query, &nginx()) && passes(query, &dangling()));
        }
        assert!(!Filter::parse("x").expect("parses").is_empty());
    }

    #[test]
    fn every_structured_term_kind_parses() {
        let fact = |fact| FactTerm {
            negated: false,
            fact,
        };
        assert_eq!(facts("dangling"), [fact(Fact::Dangling)]);
        assert_eq!(facts("IN-USE"), [fact(Fact::InUse)]);
        assert_eq!(facts("Unused"), [fact(Fact::Unused)]);
        assert_eq!(
            facts("label=com.example.Team"),
            [fact(Fact::Label {
                key: "com.example.Team".into(),
                value: None
            })]
        );
        assert_eq!(
            facts("LABEL=a=b=c"),
            [fact(Fact::Label {
                key: "a".into(),
                value: Some("b=c".into())
            })]
        );
        assert_eq!(
            facts("label=a="),
            [fact(Fact::Label {
                key: "a".into(),
                value: Some(String::new())
            })]
        );
        let size = |op, numerator, denominator| {
            fact(Fact::Size(Comparison {
                op,
                numerator,
                denominator,
            }))
        };
        assert_eq!(facts("size>1GB"), [size(Op::Greater, 1_000_000_000, 1)]);
        assert_eq!(
            facts("size>=1.5gb"),
            [size(Op::GreaterOrEqual, 15_000_000_000, 10)]
        );
        assert_eq!(facts("SIZE<2KiB"), [size(Op::Less, 2048, 1)]);
        assert_eq!(facts("size<=.5kB"), [size(Op::LessOrEqual, 5_000, 10)]);
        assert_eq!(facts("size>100"), [size(Op::Greater, 100, 1)]);
        let age = |op, numerator| {
            fact(Fact::Age(Comparison {
                op,
                numerator,
                denominator: 1,
            }))
        };
        assert_eq!(facts("age>30d"), [age(Op::Greater, 30 * 86_400)]);
        assert_eq!(facts("age<2H"), [age(Op::Less, 7_200)]);
        assert_eq!(facts("age>=5min"), [age(Op::GreaterOrEqual, 300)]);
        assert_eq!(facts("age<=5m"), [age(Op::LessOrEqual, 300)]);
        assert_eq!(facts("age>10s"), [age(Op::Greater, 10)]);
        assert_eq!(facts("age>2w"), [age(Op::Greater, 14 * 86_400)]);
        assert_eq!(facts("age>1y"), [age(Op::Greater, 365 * 86_400)]);
    }

    #[test]
    fn words_that_only_start_like_keywords_are_fuzzy() {
        for query in [
            "sizeable",
            "size",
            "aged",
            "labels",
            "dangling-app",
            "unused2",
            "\"dangling\"",
        ] {
            let filter = Filter::parse(query).expect("parses");
            assert!(filter.facts.is_empty(), "{query:?}");
            assert_eq!(filter.fuzzy.len(), 1, "{query:?}");
        }
    }

    #[test]
    fn error_messages_name_the_term_and_the_fix() {
        assert_eq!(
            error("size>1XB"),
            "size>1XB: unknown unit 'XB' (use B, kB, MB, GB, TB, KiB, MiB, GiB or TiB)"
        );
        assert_eq!(
            error("age>3mo"),
            "age>3mo: unknown unit 'mo' (use s, m, h, d, w or y)"
        );
        assert_eq!(error("age>30"), "age>30: add a unit: s, m, h, d, w or y");
        assert_eq!(error("size=1GB"), "size=1GB: compare with >, <, >= or <=");
        assert_eq!(error("age=>1d"), "age=>1d: compare with >, <, >= or <=");
        assert_eq!(error("size>"), "size>: a number is missing");
        assert_eq!(error("size>GB"), "size>GB: 'GB' is not a number");
        assert_eq!(
            error("size>1.2.3GB"),
            "size>1.2.3GB: '1.2.3' is not a number"
        );
        assert_eq!(error("size>."), "size>.: '.' is not a number");
        assert_eq!(
            error("size>9999999999999999999999999999TB"),
            "size>9999999999999999999999999999TB: number too large"
        );
        assert_eq!(
            error("label="),
            "label=: a label key is missing (label=key=value)"
        );
        assert_eq!(
            error("label==x"),
            "label==x: a label key is missing (label=key=value)"
        );
        assert_eq!(error("!"), "!: '!' needs a term after it");
        assert_eq!(error("nginx !! x"), "!!: '!' needs a term after it");
        // The first bad term is the one reported.
        assert_eq!(
            error("ok size>1 age>1"),
            "age>1: add a unit: s, m, h, d, w or y"
        );
    }

    #[test]
    fn error_messages_escape_and_clip_user_text() {
        let message = error("size>1\u{1b}[31m");
        assert!(!message.contains('\u{1b}'), "{message}");
        assert!(message.contains("\\x1b"), "{message}");
        let long = format!("size>1{}", "X".repeat(10_000));
        let message = error(&long);
        assert!(message.chars().count() < 200, "{}", message.len());
        assert!(message.starts_with(&format!("size>1{}…: unknown unit", "X".repeat(34))));
    }

    #[test]
    fn fuzzy_terms_are_case_insensitive_and_fuzzy() {
        let image = nginx();
        assert!(passes("nginx", &image));
        assert!(passes("NGINX", &image));
        assert!(passes("ngx", &image));
        assert!(passes("NgX:LaTeSt", &image));
        assert!(passes("web/nginx", &image));
        assert!(passes("5000", &image));
        assert!(!passes("redis", &image));
        assert!(!passes("xgn", &image), "order matters");
    }

    #[test]
    fn fuzzy_terms_search_every_tag_and_label_key_and_value() {
        let image = nginx();
        assert!(passes("latest", &image), "second tag");
        assert!(passes("maintainer", &image), "label key");
        assert!(passes("acme", &image), "label value");
        assert!(passes("opencontainers", &image));
        assert!(!passes("zebra", &image));
        assert!(!passes("zebra", &dangling()));
    }

    #[test]
    fn ids_match_by_prefix_not_fuzzily() {
        let image = nginx();
        assert!(passes("1d53", &image));
        assert!(passes("1D53EF", &image));
        assert!(
            passes("sha256:1d53ef105045c334", &image),
            "longer than the short id"
        );
        assert!(passes("SHA256:1d53", &image));
        assert!(!passes("53ef", &image), "not a prefix");
        assert!(!passes("1d5ef", &image), "not fuzzy");
        assert!(
            passes("9f2c", &dangling()),
            "dangling images are found by id"
        );
        // A fuzzy `db` would hit almost any 64-digit hex id.
        let ids = [
            "0d1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210",
        ];
        for id in ids {
            assert!(!passes("db", &image_with_id(id)), "{id}");
        }
        assert!(
            !passes("nginx:1d53", &image),
            "only a bare hex term is an id prefix"
        );
    }

    fn image_with_id(id: &str) -> Image {
        image(&["postgres:16"], id)
    }

    #[test]
    fn negation_inverts_any_term() {
        let (tagged, untagged) = (nginx(), dangling());
        assert!(!passes("!nginx", &tagged));
        assert!(passes("!nginx", &untagged));
        assert!(passes("!dangling", &tagged));
        assert!(!passes("!dangling", &untagged));
        assert!(passes("!!nginx", &tagged), "double negation");
        assert!(!passes("!1d53", &tagged));
        assert!(passes("!label=absent", &tagged));
        assert!(!passes("!size>1kB", &tagged));
        assert!(passes("!\"web nginx\"", &tagged), "quoted after the bang");
        assert!(!passes("\"!nginx\"", &tagged), "a quoted bang is literal");
    }

    #[test]
    fn terms_combine_with_and() {
        let image = nginx();
        assert!(passes(
            "nginx latest label=maintainer size<1GB age>1d",
            &image
        ));
        assert!(!passes("nginx redis", &image));
        assert!(!passes("nginx dangling", &image));
        assert!(!passes("dangling nginx", &dangling()));
    }

    #[test]
    fn labels_match_key_and_exact_value_case_sensitively() {
        let image = nginx();
        assert!(passes("label=maintainer", &image));
        assert!(
            !passes("label=Maintainer", &image),
            "keys are case-sensitive"
        );
        assert!(!passes("label=maint", &image), "keys are exact");
        assert!(!passes("label=Acme", &image), "a value is not a key");
        assert!(passes("label=org.opencontainers.image.vendor=Acme", &image));
        assert!(!passes(
            "label=org.opencontainers.image.vendor=acme",
            &image
        ));
        assert!(!passes("label=org.opencontainers.image.vendor=Acm", &image));
        assert!(passes(
            "label=maintainer=\"NGINX Docker Maintainers\"",
            &image
        ));
        assert!(
            !passes("label=maintainer=", &image),
            "empty value is a value"
        );
    }

    #[test]
    fn size_boundaries_are_exact() {
        let mut image = nginx();
        image.size = GB;
        assert!(!passes("size>1GB", &image));
        assert!(passes("size>=1GB", &image));
        assert!(!passes("size<1GB", &image));
        assert!(passes("size<=1GB", &image));
        assert!(passes("size>999.999999MB", &image));
        assert!(!passes("size>1000000000B", &image));
        let just_over = Image {
            size: GB + 1,
            ..image.clone()
        };
        assert!(passes("size>1GB size<=1000000001b", &just_over));
        assert!(!passes("size<1000000001", &just_over));
        assert!(
            passes("size>0.9999999999GB", &image),
            "decimals beyond a byte"
        );
        assert!(passes("size<1GiB", &image), "binary units are bigger");
        assert!(passes("size>976562.4kib", &image));
        assert!(!passes("size>976562.5KiB", &image), "exactly 1 GB");
        image.size = 2;
        assert!(passes("size>1.5B", &image));
        image.size = 1;
        assert!(!passes("size>1.5B", &image));
        image.size = u64::MAX;
        assert!(passes("size>18446744073709551614", &image));
        assert!(!passes("size>18446744073709551615", &image));
        assert!(passes("size>1TiB", &image));
    }

    #[test]
    fn age_compares_now_minus_created() {
        let mut image = nginx();
        image.created = Some(NOW - 30 * DAY);
        assert!(!passes("age>30d", &image));
        assert!(passes("age>=30d", &image));
        assert!(passes("age>4w", &image));
        assert!(passes("age<1y", &image));
        assert!(passes("age>719h", &image));
        assert!(passes("age<43201m", &image));
        assert!(passes("age>1.5d", &image));
        image.created = Some(NOW + 3600);
        assert!(passes("age<1s", &image), "from the future: negative age");
        assert!(!passes("age>0s", &image));
        image.created = Some(i64::MIN);
        assert!(passes("age>100y", &image), "extremes do not overflow");
    }

    #[test]
    fn unknown_facts_fail_plain_and_negated() {
        let image = nginx();
        for query in ["in-use", "unused", "!in-use", "!unused"] {
            assert!(!passes_with(query, &image, None), "{query}");
        }
        assert!(passes_with("in-use", &image, Some(1)));
        assert!(!passes_with("unused", &image, Some(1)));
        assert!(passes_with("unused", &image, Some(0)));
        assert!(passes_with("!in-use", &image, Some(0)));
        assert!(!passes_with("in-use", &image, Some(0)));
        let undated = Image {
            created: None,
            ..nginx()
        };
        for query in ["age>1s", "!age>1s", "age<1000y", "!age<1000y"] {
            assert!(!passes(query, &undated), "{query}");
        }
        assert!(
            passes_with("nginx", &image, None),
            "other terms do not care"
        );
    }

    #[test]
    fn highlights_are_char_positions_in_the_reference() {
        let mut matcher = FilterMatcher::default();
        let filter = Filter::parse("ngx lat").expect("parses");
        let text = "registry.local:5000/web/nginx:latest";
        let start = text.find("nginx").expect("present") as u32;
        let latest = text.find("latest").expect("present") as u32;
        assert_eq!(
            filter.highlights(&mut matcher, text),
            [start, start + 1, start + 4, latest, latest + 1, latest + 2]
        );
        assert_eq!(
            filter.highlights(&mut matcher, "nginx:1.25"),
            [0, 1, 4],
            "a term that does not match this text adds nothing"
        );
        assert!(filter.highlights(&mut matcher, "redis").is_empty());
        let none = Filter::parse("dangling !nginx size>1GB").expect("parses");
        assert!(none.highlights(&mut matcher, "nginx:latest").is_empty());
        assert!(
            Filter::default()
                .highlights(&mut matcher, "nginx")
                .is_empty()
        );
        let case = Filter::parse("NGINX").expect("parses");
        assert_eq!(case.highlights(&mut matcher, "Nginx"), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn id_highlights_cover_the_matched_prefix() {
        let filter = Filter::parse("nginx 1D53 1d53ef1").expect("parses");
        assert_eq!(filter.id_highlights("1d53ef105045"), [0, 1, 2, 3, 4, 5, 6]);
        assert!(filter.id_highlights("abcdef123456").is_empty());
        let long = Filter::parse("sha256:1d53ef105045c334").expect("parses");
        assert_eq!(long.id_highlights("1d53ef105045").len(), 12);
        assert!(
            Filter::parse("!1d53")
                .expect("parses")
                .id_highlights("1d53ef105045")
                .is_empty()
        );
    }

    #[test]
    fn non_ascii_haystacks_and_queries() {
        let mut image = image(&["ghcr.io/团队/应用:最新", "emoji/🦀-app:v1"], "abc");
        image.labels = vec![("description".into(), "Café au lait 👩‍👩‍👧".into())];
        assert!(passes("应用", &image));
        assert!(passes("团应", &image), "fuzzy over CJK");
        assert!(passes("🦀", &image));
        assert!(passes("🦀app", &image));
        assert!(passes("cafe", &image), "smart normalisation: e matches é");
        assert!(passes("CAFÉ", &image));
        assert!(passes("👩‍👩‍👧", &image), "a ZWJ sequence");
        assert!(!passes("日本", &image));
        assert!(!passes("é", &nginx()), "non-ASCII needle, ASCII haystacks");

        let mut matcher = FilterMatcher::default();
        let filter = Filter::parse("应用 最").expect("parses");
        // Chars: g h c r . i o / 团 队 / 应 用 : 最 新
        assert_eq!(
            filter.highlights(&mut matcher, "ghcr.io/团队/应用:最新"),
            [11, 12, 14]
        );
        // A family emoji is one grapheme of five chars: all of them are highlighted.
        let family = Filter::parse("👩‍👩‍👧x").expect("parses");
        assert_eq!(family.highlights(&mut matcher, "a👩‍👩‍👧x"), [1, 2, 3, 4, 5, 6]);
        // `e` + combining acute: one grapheme, two chars.
        let accent = Filter::parse("cafe").expect("parses");
        assert_eq!(
            accent.highlights(&mut matcher, "cafe\u{301}!"),
            [0, 1, 2, 3, 4]
        );
        assert!(passes(
            "cafe",
            &Image {
                labels: vec![("k".into(), "cafe\u{301}".into())],
                ..dangling()
            }
        ));
    }

    #[test]
    fn quotes_group_words_and_force_fuzzy() {
        let image = nginx();
        assert!(passes("\"docker maintainers\"", &image));
        assert!(!passes("\"maintainers docker\"", &image));
        assert!(
            !passes("\"dangling\"", &dangling()),
            "a literal word, not the keyword"
        );
        assert!(
            passes("\"docker main", &image),
            "an unclosed quote runs to the end"
        );
        let filter = Filter::parse("a\"b c\"d").expect("parses");
        assert_eq!(filter.fuzzy.len(), 1, "quotes inside a term join");
    }

    #[test]
    fn hostile_queries_parse_or_fail_cleanly() {
        let control: String = (0u8..32)
            .map(char::from)
            .chain(['\u{7f}', '\u{9b}'])
            .collect();
        let long = "a".repeat(10_000);
        let long_words = "ab ".repeat(5_000);
        let long_number = format!("size>{}", "9".repeat(10_000));
        let long_decimals = format!("size>0.{}1GB", "0".repeat(10_000));
        let quotes = "\"".repeat(10_001);
        let bangs = "!".repeat(10_000) + "x";
        let mixed = "🦀\u{202e}\u{0}é\"!label=\u{1b}=size>".repeat(500);
        let mut matcher = FilterMatcher::default();
        for query in [
            control.as_str(),
            &long,
            &long_words,
            &long_number,
            &long_decimals,
            &quotes,
            &bangs,
            &mixed,
            "size>>1",
            "age<-1d",
            "size>1e9",
            "label=\u{0}",
            "!!!",
        ] {
            if let Ok(filter) = Filter::parse(query) {
                for image in [nginx(), dangling()] {
                    let _ = filter.matches(&mut matcher, &image, None, NOW);
                    let _ = filter.matches(&mut matcher, &image, Some(u64::MAX), i64::MIN);
                }
                let _ = filter.highlights(&mut matcher, query);
                let _ = filter.highlights(&mut matcher, "nginx:latest");
                let _ = filter.id_highlights("1d53ef105045");
            }
        }
        assert_eq!(
            error(&long),
            format!("{}…: too long (at most 1000 characters)", "a".repeat(40))
        );
        let longest = "a".repeat(MAX_FUZZY_CHARS);
        let mut label = nginx();
        label.labels.push(("k".into(), longest.clone()));
        assert!(passes(&longest, &label), "the longest term still scores");
        assert!(!passes(&format!("\"{}\"", "a ".repeat(500)), &nginx()));
        assert!(Filter::parse(&long_number).is_err());
        assert!(Filter::parse(&long_decimals).is_err());
        assert!(passes(&bangs, &nginx()), "an even count of bangs");
    }

    #[test]
    fn toggle_adds_removes_and_replaces_the_negation() {
        assert_eq!(toggle_term("", "dangling"), "dangling");
        assert_eq!(toggle_term("nginx", "dangling"), "nginx dangling");
        assert_eq!(
            toggle_term("nginx DANGLING  size>1GB", "dangling"),
            "nginx size>1GB"
        );
        assert_eq!(toggle_term("!unused nginx", "unused"), "nginx unused");
        assert_eq!(
            toggle_term("\"a  b\" \"unused\"", "unused"),
            "\"a  b\" \"unused\" unused",
            "quoted words are not the keyword and keep their spaces"
        );
    }

    #[test]
    fn narrowing_is_recognised_only_when_safe() {
        let narrows = |new: &str, old: &str| {
            let parse = |q: &str| Filter::parse(q).expect("parses");
            parse(new).narrows(&parse(old))
        };
        assert!(narrows("n", ""));
        assert!(narrows("ngi", "ng"));
        assert!(narrows("nginx", "ngx"), "a subsequence, not only a prefix");
        assert!(narrows("NGINX", "ng"));
        assert!(narrows("ng dangling", "ng"));
        assert!(narrows("dangling ngi", "ng dangling"));
        assert!(narrows("1d53e", "1d5"));
        assert!(narrows("café", "caf"));
        assert!(narrows("!x ng", "!x"));
        assert!(!narrows("ng", "ngi"), "widening");
        assert!(!narrows("ng", "ng dangling"));
        assert!(!narrows("gn", "ng"));
        assert!(!narrows("1d5", "1d53"));
        assert!(
            !narrows("abc", "ab-"),
            "the id prefix of abc matches where ab- does not"
        );
        assert!(
            !narrows("!ng", "!n"),
            "a longer negated needle lets more through"
        );
        assert!(!narrows("size>2GB", "size>1GB"), "facts must be equal");
        // Checked against the images themselves.
        let images = [nginx(), dangling(), image(&["ngx/app:1"], "1d5f")];
        let mut matcher = FilterMatcher::default();
        for (new, old) in [("nginx", "ngx"), ("1d53e", "1d5"), ("ng 1", "ng")] {
            let (new_filter, old_filter) = (Filter::parse(new), Filter::parse(old));
            let (new_filter, old_filter) =
                (new_filter.expect("parses"), old_filter.expect("parses"));
            assert!(new_filter.narrows(&old_filter));
            for image in &images {
                if new_filter.matches(&mut matcher, image, None, NOW) {
                    assert!(
                        old_filter.matches(&mut matcher, image, None, NOW),
                        "{new} {old}"
                    );
                }
            }
        }
    }

    #[test]
    fn one_matcher_serves_many_images_and_filters() {
        let mut matcher = FilterMatcher::default();
        let images = [nginx(), dangling(), image(&["redis:7"], "77aa")];
        let filter = Filter::parse("!dangling size<1GB r").expect("parses");
        let passed: Vec<_> = images
            .iter()
            .map(|image| filter.matches(&mut matcher, image, Some(0), NOW))
            .collect();
        assert_eq!(passed, [true, false, true]);
        let cjk = Filter::parse("团").expect("parses");
        assert!(!cjk.matches(&mut matcher, &images[0], None, NOW));
        assert!(
            filter.matches(&mut matcher, &images[2], None, NOW),
            "the char buffer from a previous match does not leak"
        );
    }

    proptest::proptest! {
        /// The ASCII shortcut answers exactly what nucleo answers.
        #[test]
        fn the_ascii_shortcut_agrees_with_nucleo(
            needle in "[ -~]{1,8}",
            haystack in "[\t -~]{0,40}",
        ) {
            let term = FuzzyTerm::new(&needle, false);
            proptest::prop_assume!(term.ascii_needle.is_some());
            let mut matcher = FilterMatcher::default();
            let fast = term.hit(&mut matcher, &haystack);
            let slow = matcher.fuzzy_hit(&term.atom, &haystack);
            proptest::prop_assert_eq!(fast, slow, "{:?} in {:?}", needle, haystack);
        }
    }

    proptest::proptest! {
        /// Matching on the state's lower-cased text answers what matching on the image does.
        #[test]
        fn the_shared_text_agrees_with_the_images(
            tags in proptest::collection::vec("[a-zA-Z0-9:/._é-]{0,12}", 0..3),
            labels in proptest::collection::vec(("[a-zA-Z.]{1,6}", "[a-zA-Z0-9 ]{0,8}"), 0..3),
            hex in "[0-9a-fA-F]{1,12}",
            query in "!?[a-zA-Z0-9:/.é]{1,5}( !?[a-fA-F0-9]{1,3})?",
        ) {
            let image = Image {
                id: ImageId::new(format!("sha256:{hex}")),
                repo_tags: tags,
                labels,
                ..Image::default()
            };
            let Ok(filter) = Filter::parse(&query) else { return Ok(()); };
            let mut text = SearchText::default();
            text.ensure(std::slice::from_ref(&image));
            let mut matcher = FilterMatcher::default();
            let slow = filter.matches(&mut matcher, &image, None, NOW);
            let fast = filter.matches_with_text(&mut matcher, &image, text.of(0), None, NOW);
            proptest::prop_assert_eq!(fast, slow, "{:?} on {:?}", query, image);
        }
    }
}
