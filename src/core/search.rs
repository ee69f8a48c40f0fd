//! Every image's searchable text, lower-cased, in contiguous buffers: the filter reads it
//! front to back instead of chasing each image's tag and label strings over the heap,
//! which at 100,000 images cost more than the matching itself.
//!
//! Per image: the id's hex (as it is) in `ids`; each tag, label key and label value
//! (lower-cased) in `bytes`, every piece ended by a NUL (which no needle contains), and per
//! piece a mask of the characters in it. Every image's tags come first in `bytes`, then
//! every image's labels: most matches are in tags, and typing then reads them as one
//! stream the processor can fetch ahead, where interleaved ids and labels made each image
//! a separate wait on memory. Images with any non-ASCII text get no entry: their matching
//! needs nucleo's Unicode folding, so the filter takes the slow path for them.

use std::ops::Range;

use super::image::Image;

#[derive(Clone, Debug, Default)]
pub struct SearchText {
    /// Every image's id hex, back to back.
    ids: Vec<u8>,
    /// Every image's tags, then every image's labels (keys and values).
    bytes: Vec<u8>,
    /// Per field (tag, label key or value), in image order and within an image in the
    /// order tags, labels: where it is in `bytes`, and which characters it has.
    fields: Vec<Field>,
    /// Per image; `None` for non-ASCII images.
    entries: Vec<Option<Span>>,
    /// Whether `entries` matches the images as they are now.
    fresh: bool,
    /// Bytes of text no entry points to any more (`update`, `swap_remove`).
    garbage: usize,
    /// Counts rebuilds, so that positions found in one build (`Hit`) are never used in
    /// another.
    generation: u64,
}

/// One field in `bytes`: where it starts, where its NUL is, and which characters it has
/// (`char_bit`). A needle skips every field that lacks one of its characters without
/// reading it: most of them, once a few letters are typed.
#[derive(Clone, Copy, Debug)]
struct Field {
    start: u32,
    end: u32,
    mask: u64,
}

/// Where one image's text is: its id at `id_start..id_end` in `ids`, its fields at
/// `first_field..last_field` in `fields`.
#[derive(Clone, Copy, Debug)]
struct Span {
    id_start: u32,
    id_end: u32,
    first_field: u32,
    last_field: u32,
}

impl SearchText {
    /// The images changed (or moved): the text is rebuilt before it is used again.
    pub fn invalidate(&mut self) {
        self.fresh = false;
    }

    /// Rebuilds the text if the images changed since it was built: a first pass finds the
    /// images that get an entry and how many bytes their tags take, so that the second can
    /// write each image's tags and labels straight to their two sections.
    pub fn ensure(&mut self, images: &[Image]) {
        if self.fresh {
            return;
        }
        self.ids.clear();
        self.bytes.clear();
        self.fields.clear();
        self.entries.clear();
        self.entries.reserve(images.len());
        self.garbage = 0;
        // Per image, where its id went in `ids`; `None` when it gets no entry.
        let mut ids_at = Vec::with_capacity(images.len());
        let (mut tag_bytes, mut all_bytes) = (0usize, 0usize);
        for image in images {
            let (tags, labels) = sizes(image);
            let id = self.enter_id(image, all_bytes + tags + labels);
            if id.is_some() {
                tag_bytes += tags;
                all_bytes += tags + labels;
            }
            ids_at.push(id);
        }
        // The NULs that end the fields are the zeroes already there.
        self.bytes.resize(all_bytes, 0);
        let (mut tag_at, mut label_at) = (0, tag_bytes);
        for (image, id) in images.iter().zip(ids_at) {
            let entry = id.map(|id| self.write(image, id, &mut tag_at, &mut label_at));
            self.entries.push(entry);
        }
        self.fresh = true;
        self.generation += 1;
    }

    /// Image `index` changed, or is new at `index == ` the number of images: its text is
    /// written again at the end of the buffers. Rebuilding every image's instead costs
    /// 60-120 ms at 100,000 images, which the next keystroke after any engine event paid.
    /// The old text stays unread until a rebuild, which the next use makes once such
    /// leftovers are half of the text. Positions found before (`Hit`) stay right for every
    /// other image.
    pub fn update(&mut self, index: usize, image: &Image) {
        if !self.fresh || index > self.entries.len() {
            self.fresh = false;
            return;
        }
        if let Some(old) = self.entries.get(index).copied().flatten() {
            self.forget(old);
        }
        let (tags, labels) = sizes(image);
        let start = self.bytes.len();
        let entry = self.enter_id(image, start + tags + labels).map(|id| {
            self.bytes.resize(start + tags + labels, 0);
            let (mut tag_at, mut label_at) = (start, start + tags);
            self.write(image, id, &mut tag_at, &mut label_at)
        });
        if index == self.entries.len() {
            self.entries.push(entry);
        } else {
            self.entries[index] = entry;
        }
        self.rebuild_if_mostly_leftovers();
    }

    /// Image `index` is gone and the last image took its place (`Vec::swap_remove`).
    pub fn swap_remove(&mut self, index: usize) {
        if !self.fresh || index >= self.entries.len() {
            self.fresh = false;
            return;
        }
        if let Some(old) = self.entries.swap_remove(index) {
            self.forget(old);
        }
        self.rebuild_if_mostly_leftovers();
    }

    /// Counts an entry's text as left over.
    fn forget(&mut self, old: Span) {
        let fields = old.first_field as usize..old.last_field as usize;
        self.garbage += (old.id_end - old.id_start) as usize
            + self.fields[fields]
                .iter()
                .map(|field| (field.end - field.start) as usize + 1)
                .sum::<usize>();
    }

    fn rebuild_if_mostly_leftovers(&mut self) {
        if self.garbage > (self.bytes.len() + self.ids.len()) / 2 {
            self.fresh = false;
        }
    }

    /// Appends the image's id hex to `ids` if the image gets an entry: plain text, and its
    /// fields ending before `fields_end` fit 32-bit offsets (else it takes the slow path).
    fn enter_id(&mut self, image: &Image, fields_end: usize) -> Option<Range<u32>> {
        let hex = hex(image);
        let fits = fields_end < u32::MAX as usize && self.ids.len() + hex.len() < u32::MAX as usize;
        if !(fits && plain(hex) && fields(image).all(plain)) {
            return None;
        }
        let start = self.ids.len() as u32;
        self.ids.extend_from_slice(hex.as_bytes());
        Some(start..self.ids.len() as u32)
    }

    /// Writes the image's tags from `tag_at` and its labels from `label_at` (room made
    /// already), moving both on; its entry.
    fn write(
        &mut self,
        image: &Image,
        id: Range<u32>,
        tag_at: &mut usize,
        label_at: &mut usize,
    ) -> Span {
        let first_field = self.fields.len() as u32;
        for tag in &image.repo_tags {
            *tag_at = self.put(tag, *tag_at);
        }
        for piece in label_pieces(image) {
            *label_at = self.put(piece, *label_at);
        }
        Span {
            id_start: id.start,
            id_end: id.end,
            first_field,
            last_field: self.fields.len() as u32,
        }
    }

    /// Writes one field lower-cased at `at` (its NUL is there already); where the next goes.
    fn put(&mut self, field: &str, at: usize) -> usize {
        let end = at + field.len();
        let mut mask = 0;
        for (slot, byte) in self.bytes[at..end].iter_mut().zip(field.bytes()) {
            *slot = byte.to_ascii_lowercase();
            mask |= char_bit(*slot);
        }
        self.fields.push(Field {
            start: at as u32,
            end: end as u32,
            mask,
        });
        end + 1
    }

    /// `find` for `needle` in image `index` when its first `matched` bytes matched at `hit`:
    /// the earliest match ends as early as possible, so the rest of the needle matches in
    /// that field iff it follows that end; else only a later field can hold it (an earlier
    /// one lacks even the start). Typing on then reads a few bytes per image, and looks the
    /// image's entry up only when the match moves to a later field.
    pub fn find_after(
        &self,
        index: usize,
        needle: &Needle,
        hit: Hit,
        matched: usize,
    ) -> Option<Hit> {
        let rest = needle.bytes.get(matched..)?;
        let tail = hit.end as usize..hit.field_end as usize;
        match subsequence_end(rest, &self.bytes, tail) {
            Some(after) => Some(Hit {
                end: after as u32,
                ..hit
            }),
            None => self.of(index)?.find(needle, hit.field as usize + 1),
        }
    }

    /// Which build of the text this is (see `Hit`).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The text of image `index`: `None` when it is not ASCII or the text is out of date.
    pub fn of(&self, index: usize) -> Option<Entry<'_>> {
        if !self.fresh {
            return None;
        }
        let span = (*self.entries.get(index)?)?;
        let fields = span.first_field as usize..span.last_field as usize;
        Some(Entry {
            id_hex: &self.ids[span.id_start as usize..span.id_end as usize],
            bytes: &self.bytes,
            fields: &self.fields[fields],
        })
    }
}

/// The id's hex: what follows the algorithm (ids match by prefix, as `ImageId::matches`
/// does).
fn hex(image: &Image) -> &str {
    let id = image.id.as_str();
    id.split_once(':').map_or(id, |(_, hex)| hex)
}

/// The searchable fields: tags, then each label's key and value.
fn fields(image: &Image) -> impl Iterator<Item = &str> {
    image
        .repo_tags
        .iter()
        .map(String::as_str)
        .chain(label_pieces(image))
}

/// Each label's key, then its value.
fn label_pieces(image: &Image) -> impl Iterator<Item = &str> {
    image
        .labels
        .iter()
        .flat_map(|(k, v)| [k.as_str(), v.as_str()])
}

/// Bytes the image's tags and its labels take in the text, each field with its NUL.
fn sizes(image: &Image) -> (usize, usize) {
    let tags = image.repo_tags.iter().map(|tag| tag.len() + 1).sum();
    let labels = image
        .labels
        .iter()
        .map(|(k, v)| k.len() + v.len() + 2)
        .sum();
    (tags, labels)
}

/// Text the shared buffers can hold: ASCII (else nucleo folds it) without NUL (the field
/// end).
fn plain(piece: &str) -> bool {
    piece.is_ascii() && !piece.as_bytes().contains(&0)
}

/// One image's text: its id's hex, and its lower-cased tags and labels.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub id_hex: &'a [u8],
    bytes: &'a [u8],
    fields: &'a [Field],
}

impl Entry<'_> {
    /// Whether `needle` is a subsequence of one of the fields.
    pub fn fuzzy(&self, needle: &Needle) -> bool {
        needle.bytes.is_empty() || self.find(needle, 0).is_some()
    }

    /// Where `needle` (not empty) first matches, looking from field `first` on: the field
    /// and the byte after the needle's last byte in it, matched as early as it can be.
    pub fn find(&self, needle: &Needle, first: usize) -> Option<Hit> {
        // An index loop: the same as iterator adapters, but a third faster at 100,000.
        for at in first..self.fields.len() {
            let field = self.fields[at];
            if field.mask & needle.mask != needle.mask {
                continue;
            }
            let range = field.start as usize..field.end as usize;
            if let Some(after) = subsequence_end(&needle.bytes, self.bytes, range) {
                return Some(Hit {
                    field: at as u32,
                    end: after as u32,
                    field_end: field.end,
                });
            }
        }
        None
    }

    /// The fields, each as it is in the text (lower-cased).
    #[cfg(test)]
    fn field_texts(&self) -> Vec<&[u8]> {
        self.fields
            .iter()
            .map(|field| &self.bytes[field.start as usize..field.end as usize])
            .collect()
    }
}

/// What a fuzzy term looks for in the text: lower-case ASCII without NUL, and the characters
/// it needs (`char_bit`), so fields without them are skipped unread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Needle {
    bytes: Box<[u8]>,
    mask: u64,
}

impl Needle {
    /// `None` when `text` is not plain ASCII: the text holds only ASCII images, and such a
    /// needle could not match them anyway, so nucleo's Unicode path takes it.
    pub fn new(text: &str) -> Option<Needle> {
        if !text.is_ascii() || text.contains('\0') {
            return None;
        }
        let bytes: Box<[u8]> = text.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let mask = bytes.iter().fold(0, |mask, &b| mask | char_bit(b));
        Some(Needle { bytes, mask })
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// One bit per character class: each lower-case letter and digit, the punctuation common in
/// image names and labels, and one bit shared by everything else.
fn char_bit(byte: u8) -> u64 {
    let bit = match byte {
        b'a'..=b'z' => byte - b'a',
        b'0'..=b'9' => 26 + byte - b'0',
        b'.' => 36,
        b'-' => 37,
        b'_' => 38,
        b'/' => 39,
        b':' => 40,
        b'@' => 41,
        b'=' => 42,
        b' ' => 43,
        _ => 63,
    };
    1 << bit
}

/// Where a needle matched in one image's text (`Entry::find`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    /// The field's index within the image.
    field: u32,
    /// The byte after the needle's last byte, in the whole text.
    end: u32,
    /// Where the field ends (its NUL), in the whole text.
    field_end: u32,
}

/// If `needle`'s bytes appear in `text[field]` in order, matched as early as they can be:
/// where the last one is, plus one.
fn subsequence_end(needle: &[u8], text: &[u8], field: Range<usize>) -> Option<usize> {
    let mut at = field.start;
    for &wanted in needle {
        at = next_byte(wanted, text, at..field.end)? + 1;
    }
    Some(at)
}

/// Every byte of a word set to one, and to its top bit.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const TOPS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Where `wanted` (not NUL) first is in `text[range]`. Tags and labels are short, and a
/// word of eight bytes at a time finds a byte there with a few operations, where each call
/// to memchr first spends as much on choosing its method; long fields still go to memchr.
/// Words may read past the field (never past the text): what lies there is masked off.
fn next_byte(wanted: u8, text: &[u8], range: Range<usize>) -> Option<usize> {
    let Range { start: mut at, end } = range;
    if end.saturating_sub(at) > 64 {
        return memchr::memchr(wanted, &text[at..end]).map(|found| at + found);
    }
    let pattern = ONES * u64::from(wanted);
    while at < end {
        // Zero where the byte is `wanted`; the lowest top bit set below marks the first
        // zero byte exactly (borrows only make false marks above a true one).
        let diff = word_at(text, at) ^ pattern;
        let zeros = diff.wrapping_sub(ONES) & !diff & TOPS;
        if zeros != 0 {
            let found = at + (zeros.trailing_zeros() / 8) as usize;
            return (found < end).then_some(found);
        }
        at += 8;
    }
    None
}

/// The eight bytes from `at`, the first in the lowest bits; zero past the text's end.
fn word_at(text: &[u8], at: usize) -> u64 {
    match text.get(at..at + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
        None => {
            let mut word = [0; 8];
            let rest = &text[at..];
            word[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(word)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::ImageId;

    fn image(id: &str, tags: &[&str], labels: &[(&str, &str)]) -> Image {
        Image {
            id: ImageId::new(id),
            repo_tags: tags.iter().map(|t| t.to_string()).collect(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Image::default()
        }
    }

    /// An image's id hex and fields, as owned bytes.
    type Owned = (Vec<u8>, Vec<Vec<u8>>);

    /// What `of` gives for every image.
    fn texts(text: &SearchText, images: usize) -> Vec<Option<Owned>> {
        (0..images)
            .map(|i| {
                let entry = text.of(i)?;
                let fields = entry.field_texts().iter().map(|f| f.to_vec()).collect();
                Some((entry.id_hex.to_vec(), fields))
            })
            .collect()
    }

    #[test]
    fn patched_text_reads_as_a_rebuilt_one() {
        let mut images = vec![
            image("sha256:a1", &["Nginx:1.27", "web:x"], &[("team", "Core")]),
            image("sha256:b2", &["redis:7"], &[]),
            image("sha256:c3", &[], &[("k", "v")]),
        ];
        // Enough untouched text that the changes below stay under half of it.
        let others = (0..20).map(|i| format!("sha256:{i:02}"));
        images.extend(others.map(|id| image(&id, &["registry.example/some/image:1"], &[])));
        let mut text = SearchText::default();
        text.ensure(&images);
        let generation = text.generation();
        // A re-tag, a new image, one turning non-ASCII, a removal, another new one.
        let n = images.len();
        let changes = [
            (1, Some(image("sha256:b2", &["redis:7", "cache:1"], &[]))),
            (n, Some(image("sha256:e5", &["Alpine:3"], &[("a", "B")]))),
            (2, Some(image("sha256:c3", &["café:1"], &[]))),
            (0, None),
            (n, Some(image("sha256:f6", &["busybox"], &[]))),
        ];
        for (index, change) in changes {
            match change {
                Some(image) => {
                    if index == images.len() {
                        images.push(image);
                    } else {
                        images[index] = image;
                    }
                    text.update(index, &images[index]);
                }
                None => {
                    images.swap_remove(index);
                    text.swap_remove(index);
                }
            }
            let mut rebuilt = SearchText::default();
            rebuilt.ensure(&images);
            assert_eq!(texts(&text, images.len()), texts(&rebuilt, images.len()));
        }
        assert_eq!(text.generation(), generation, "patched, not rebuilt");
        // Writing every image again leaves more unread text than read: the next use rebuilds.
        for (index, image) in images.iter().enumerate() {
            text.update(index, image);
        }
        assert!(
            text.of(0).is_none(),
            "mostly leftovers: stale until rebuilt"
        );
        text.ensure(&images);
        assert_eq!(text.generation(), generation + 1);
        assert_eq!(text.bytes.len(), rebuilt_len(&images));
    }

    fn rebuilt_len(images: &[Image]) -> usize {
        let mut rebuilt = SearchText::default();
        rebuilt.ensure(images);
        rebuilt.bytes.len()
    }

    #[test]
    fn word_at_a_time_search_finds_what_a_byte_at_a_time_one_does() {
        // The plain definition: each needle byte at the first place after the last one.
        fn naive(needle: &[u8], text: &[u8], field: Range<usize>) -> Option<usize> {
            let mut at = field.start;
            for &wanted in needle {
                at += text[at..field.end].iter().position(|&b| b == wanted)? + 1;
            }
            Some(at)
        }
        let mut seed: u64 = 42;
        let mut next = move |below: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize % below
        };
        // A small alphabet makes many near misses; NUL and bytes above 0x7f are there too.
        let alphabet = b"ab:/\x00\x7f\x80\xff";
        for _ in 0..5_000 {
            // Up to 150 bytes, so fields both under and over memchr's threshold, ending at
            // the text's end as often as not (where a word would read past it).
            let text: Vec<u8> = (0..next(150) + 1)
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            let start = next(text.len());
            let end = if next(2) == 0 {
                text.len()
            } else {
                start + next(text.len() - start + 1)
            };
            let needle: Vec<u8> = (0..next(5) + 1).map(|_| b"ab:/"[next(4)]).collect();
            assert_eq!(
                subsequence_end(&needle, &text, start..end),
                naive(&needle, &text, start..end),
                "{needle:?} in {:?}",
                &text[start..end]
            );
        }
    }

    #[test]
    fn fields_match_one_at_a_time_and_non_ascii_images_are_left_out() {
        let images = [
            image("sha256:ABCdef", &["Nginx:1.27", "x:y"], &[("team", "Core")]),
            image("sha256:0123", &["café:1"], &[]),
            image("feed", &[], &[]),
        ];
        let mut text = SearchText::default();
        assert!(text.of(0).is_none(), "nothing before it is built");
        text.ensure(&images);
        let nginx = text.of(0).unwrap();
        let needle = |text: &str| Needle::new(text).unwrap();
        assert_eq!(nginx.id_hex, b"ABCdef");
        let fields: [&[u8]; 4] = [b"nginx:1.27", b"x:y", b"team", b"core"];
        assert_eq!(nginx.field_texts(), fields);
        assert!(nginx.fuzzy(&needle("NGX127")));
        assert!(nginx.fuzzy(&needle("core")));
        // Across two fields is no match: "x:y" then "team".
        assert!(!nginx.fuzzy(&needle("xyteam")));
        assert!(
            !nginx.fuzzy(&needle("abc")),
            "the id is matched by prefix, not here"
        );
        assert!(text.of(1).is_none());
        assert_eq!(text.of(2).unwrap().id_hex, b"feed");
        assert!(text.of(2).unwrap().field_texts().is_empty());
        assert!(!text.of(2).unwrap().fuzzy(&needle("f")));
        assert!(text.of(2).unwrap().fuzzy(&needle("")));
        assert!(text.of(3).is_none());
        text.invalidate();
        assert!(text.of(0).is_none(), "stale text is never used");
    }
}
