//! Ordering of the image list. Numeric, total and deterministic: ties are broken by id.

use std::cmp::Ordering;

use super::image::Image;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Size,
    Created,
    Name,
    Containers,
}

impl SortKey {
    pub const ALL: [SortKey; 4] = [
        SortKey::Size,
        SortKey::Created,
        SortKey::Name,
        SortKey::Containers,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SortKey::Size => "size",
            SortKey::Created => "created",
            SortKey::Name => "name",
            SortKey::Containers => "containers",
        }
    }

    pub fn parse(text: &str) -> Option<SortKey> {
        SortKey::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(text))
    }

    /// The direction people expect first: biggest, newest, most used; names A to Z.
    fn natural_descending(self) -> bool {
        !matches!(self, SortKey::Name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    /// Flips the natural direction of `key`.
    pub reversed: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort {
            key: SortKey::Size,
            reversed: false,
        }
    }
}

impl Sort {
    /// Pressing the active key again reverses it; another key starts in its natural direction.
    pub fn toggled(self, key: SortKey) -> Sort {
        if key == self.key {
            Sort {
                key,
                reversed: !self.reversed,
            }
        } else {
            Sort {
                key,
                reversed: false,
            }
        }
    }

    pub fn descending(self) -> bool {
        self.key.natural_descending() != self.reversed
    }

    /// Compares two images; `uses_*` are their container counts. The id decides ties, always
    /// ascending, so the order is total and a refresh never shuffles equal rows.
    pub fn compare(self, a: &Image, uses_a: u64, b: &Image, uses_b: u64) -> Ordering {
        let primary = match self.key {
            SortKey::Size => a.size.cmp(&b.size),
            SortKey::Created => a.created.cmp(&b.created),
            SortKey::Containers => uses_a.cmp(&uses_b),
            // Ascending by name puts dangling images after every named one.
            SortKey::Name => match (a.primary_reference(), b.primary_reference()) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
        };
        let primary = if self.descending() {
            primary.reverse()
        } else {
            primary
        };
        primary.then_with(|| a.id.cmp(&b.id))
    }
}

/// Sorts `order` (indices into `images`) in place.
pub fn sort_indices(images: &[Image], uses: impl Fn(&Image) -> u64, sort: Sort, order: &mut [u32]) {
    order.sort_unstable_by(|&x, &y| {
        let (a, b) = (&images[x as usize], &images[y as usize]);
        sort.compare(a, uses(a), b, uses(b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::ImageId;

    fn image(id: &str, size: u64, created: i64, tag: Option<&str>) -> Image {
        Image {
            id: ImageId::new(id),
            size,
            created: Some(created),
            repo_tags: tag.map(|t| vec![t.to_string()]).unwrap_or_default(),
            ..Image::default()
        }
    }

    fn sorted(images: &[Image], sort: Sort) -> Vec<&str> {
        let mut order: Vec<u32> = (0..images.len() as u32).collect();
        sort_indices(images, |i| i.containers.unwrap_or(0), sort, &mut order);
        order
            .iter()
            .map(|&i| images[i as usize].id.as_str())
            .collect()
    }

    #[test]
    fn size_is_numeric_largest_first_with_ties_by_id() {
        let images = [
            image("c", 10, 0, Some("a:1")),
            image("b", 9, 0, Some("b:1")),
            image("a", 10, 0, Some("c:1")),
            image("d", 1000, 0, Some("d:1")),
        ];
        assert_eq!(sorted(&images, Sort::default()), ["d", "a", "c", "b"]);
        let rev = Sort::default().toggled(SortKey::Size);
        assert!(rev.reversed);
        assert_eq!(sorted(&images, rev), ["b", "a", "c", "d"]);
    }

    #[test]
    fn created_newest_first_and_unknown_last() {
        let mut images = vec![image("a", 1, 100, None), image("b", 1, 300, None)];
        images.push(Image {
            created: None,
            ..image("c", 1, 0, None)
        });
        let sort = Sort::default().toggled(SortKey::Created);
        assert_eq!(sorted(&images, sort), ["b", "a", "c"]);
    }

    #[test]
    fn name_ascending_puts_dangling_last() {
        let images = [
            image("1", 1, 0, None),
            image("2", 1, 0, Some("zeta:1")),
            image("3", 1, 0, Some("alpha:1")),
        ];
        let sort = Sort::default().toggled(SortKey::Name);
        assert_eq!(sorted(&images, sort), ["3", "2", "1"]);
        assert_eq!(
            sorted(&images, sort.toggled(SortKey::Name)),
            ["1", "2", "3"]
        );
    }

    #[test]
    fn containers_most_used_first() {
        let mut images = [image("a", 1, 0, None), image("b", 1, 0, None)];
        images[1].containers = Some(3);
        let sort = Sort::default().toggled(SortKey::Containers);
        assert_eq!(sorted(&images, sort), ["b", "a"]);
    }

    #[test]
    fn parse_names() {
        assert_eq!(SortKey::parse("SIZE"), Some(SortKey::Size));
        assert_eq!(SortKey::parse("containers"), Some(SortKey::Containers));
        assert_eq!(SortKey::parse("bogus"), None);
    }
}
