//! Every image's searchable text, lower-cased, in one contiguous buffer: the filter reads
//! it front to back instead of chasing each image's tag and label strings over the heap,
//! which at 100,000 images cost more than the matching itself.
//!
//! One entry per image: the id's hex (as it is), then each tag, label key and label value
//! (lower-cased), every piece ended by a NUL (which no needle contains). Images with any non-ASCII text get no entry:
//! their matching needs nucleo's Unicode folding, so the filter takes the slow path for them.

use super::image::Image;

#[derive(Clone, Debug, Default)]
pub struct SearchText {
    bytes: Vec<u8>,
    /// Per image: where its text starts, where its fields start (after the id) and where
    /// it ends in `bytes`; `None` for non-ASCII images.
    entries: Vec<Option<[usize; 3]>>,
    /// Whether `entries` matches the images as they are now.
    fresh: bool,
}

impl SearchText {
    /// The images changed (or moved): the text is rebuilt before it is used again.
    pub fn invalidate(&mut self) {
        self.fresh = false;
    }

    /// Rebuilds the text if the images changed since it was built.
    pub fn ensure(&mut self, images: &[Image]) {
        if self.fresh {
            return;
        }
        self.bytes.clear();
        self.entries.clear();
        self.entries.reserve(images.len());
        for image in images {
            let start = self.bytes.len();
            let hex = image
                .id
                .as_str()
                .split_once(':')
                .map_or(image.id.as_str(), |(_, h)| h);
            let pieces = std::iter::once(hex)
                .chain(image.repo_tags.iter().map(String::as_str))
                .chain(
                    image
                        .labels
                        .iter()
                        .flat_map(|(k, v)| [k.as_str(), v.as_str()]),
                );
            let mut ascii = true;
            let mut fields = start;
            for (n, piece) in pieces.enumerate() {
                if !piece.is_ascii() || piece.as_bytes().contains(&0) {
                    ascii = false;
                    break;
                }
                // The id as it is (ids match by prefix, as `ImageId::matches` does).
                if n == 0 {
                    self.bytes.extend_from_slice(piece.as_bytes());
                } else {
                    self.bytes
                        .extend(piece.bytes().map(|b| b.to_ascii_lowercase()));
                }
                self.bytes.push(0);
                if n == 0 {
                    fields = self.bytes.len();
                }
            }
            if ascii {
                self.entries.push(Some([start, fields, self.bytes.len()]));
            } else {
                self.bytes.truncate(start);
                self.entries.push(None);
            }
        }
        self.fresh = true;
    }

    /// The text of image `index`: `None` when it is not ASCII or the text is out of date.
    pub fn of(&self, index: usize) -> Option<Entry<'_>> {
        if !self.fresh {
            return None;
        }
        let [start, fields, end] = (*self.entries.get(index)?)?;
        Some(Entry {
            // Without the NUL that ends it.
            id_hex: &self.bytes[start..fields - 1],
            fields: &self.bytes[fields..end],
        })
    }
}

/// One image's text: its id's hex, and its tags and labels, each ended by a NUL.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub id_hex: &'a [u8],
    pub fields: &'a [u8],
}

impl Entry<'_> {
    /// Whether `needle` (lower-case ASCII, no NUL) is a subsequence of one of the fields.
    /// One pass: find the needle's first byte, try to finish within that field (starting at
    /// the earliest place is never worse), else go on from the next field.
    pub fn fuzzy(&self, needle: &[u8]) -> bool {
        let Some((&first, others)) = needle.split_first() else {
            return true;
        };
        let mut rest = self.fields;
        while let Some(at) = memchr::memchr(first, rest) {
            let after = &rest[at + 1..];
            let field_end = memchr::memchr(0, after).unwrap_or(after.len());
            if subsequence(others, &after[..field_end]) {
                return true;
            }
            match after.get(field_end + 1..) {
                Some(next) => rest = next,
                None => return false,
            }
        }
        false
    }
}

/// `needle`'s bytes appear in `haystack` in order (memchr finds each next one).
fn subsequence(needle: &[u8], haystack: &[u8]) -> bool {
    let mut rest = haystack;
    for &wanted in needle {
        match memchr::memchr(wanted, rest) {
            Some(at) => rest = &rest[at + 1..],
            None => return false,
        }
    }
    true
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
        assert_eq!(nginx.id_hex, b"ABCdef");
        assert!(nginx.fuzzy(b"ngx127"));
        assert!(nginx.fuzzy(b"core"));
        // Across two fields is no match: "x:y" then "team".
        assert!(!nginx.fuzzy(b"xyteam"));
        assert!(
            !nginx.fuzzy(b"abc"),
            "the id is matched by prefix, not here"
        );
        assert!(text.of(1).is_none());
        assert_eq!(text.of(2).unwrap().id_hex, b"feed");
        assert!(!text.of(2).unwrap().fuzzy(b"f"));
        assert!(text.of(3).is_none());
        text.invalidate();
        assert!(text.of(0).is_none(), "stale text is never used");
    }
}
