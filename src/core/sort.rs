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

/// One image's place in a sort, packed into integers so that nearly every comparison is two
/// integer compares instead of chasing strings across the heap (100,000 rows re-sort in a few
/// milliseconds). Prefixes are ordered like the full strings; only equal prefixes fall back to
/// `Sort::compare`.
struct Key {
    /// The sort column (for names, a prefix), flipped for a descending sort.
    primary: u128,
    /// 16 bytes of the id, after the prefix every id shares.
    id: u128,
    index: u32,
}

/// 16 bytes of `text` from `skip` on, zero-padded, as a big-endian number. For strings that
/// all begin with the same `skip` bytes, comparing these agrees with comparing the strings
/// whenever the numbers differ.
fn prefix(text: &str, skip: usize) -> u128 {
    let rest = text.as_bytes().get(skip..).unwrap_or_default();
    let mut bytes = [0u8; 16];
    let n = rest.len().min(16);
    bytes[..n].copy_from_slice(&rest[..n]);
    u128::from_be_bytes(bytes)
}

impl Sort {
    /// Image `index`'s key, from the columns.
    fn key(self, columns: &SortColumns, uses: u64, index: u32) -> Key {
        let i = index as usize;
        let primary = match self.key {
            SortKey::Size => u128::from(columns.size[i]),
            SortKey::Created => columns.created[i],
            SortKey::Containers => u128::from(uses),
            SortKey::Name => columns.name[i],
        };
        Key {
            primary: if self.descending() { !primary } else { primary },
            id: columns.id[i],
            index,
        }
    }
}

/// Each image's sort numbers, in image order beside the images and kept up to date with
/// them by the state: a sort reads these dense columns instead of every image's record, id
/// and first tag on the heap (two or three cache misses an image, about half of a sort at
/// 100,000).
#[derive(Clone, Debug, Default)]
pub struct SortColumns {
    size: Vec<u64>,
    /// Creation times packed so that unknown ones sort below every known one (as `Option`).
    created: Vec<u128>,
    /// 16 bytes of the id after the `id_skip` bytes every id shares.
    id: Vec<u128>,
    id_skip: usize,
    /// The name's 16 bytes after the `name_skip` every name shares, shifted to leave room
    /// below `u128::MAX`, which stands for no name (dangling images sort after all names).
    name: Vec<u128>,
    name_skip: usize,
}

impl SortColumns {
    pub fn of(images: &[Image], id_skip: usize, name_skip: usize) -> SortColumns {
        let mut columns = SortColumns {
            id_skip,
            name_skip,
            ..SortColumns::default()
        };
        images.iter().for_each(|image| columns.push(image));
        columns
    }

    pub fn push(&mut self, image: &Image) {
        self.size.push(image.size);
        self.created.push(packed_date(image.created));
        self.id.push(prefix(image.id.as_str(), self.id_skip));
        self.name.push(name_key(image, self.name_skip));
    }

    /// Image `index` changed (its tags, say); its id did not (an id names the image).
    pub fn set(&mut self, index: usize, image: &Image) {
        self.size[index] = image.size;
        self.created[index] = packed_date(image.created);
        self.name[index] = name_key(image, self.name_skip);
    }

    pub fn swap_remove(&mut self, index: usize) {
        self.size.swap_remove(index);
        self.created.swap_remove(index);
        self.id.swap_remove(index);
        self.name.swap_remove(index);
    }

    /// The ids' and names' keys for other counts of shared leading bytes (a new image's id
    /// or name differs earlier than all before it did); a column already keyed so is kept.
    pub fn rekey(&mut self, images: &[Image], id_skip: usize, name_skip: usize) {
        if id_skip != self.id_skip {
            self.id_skip = id_skip;
            self.id = images
                .iter()
                .map(|i| prefix(i.id.as_str(), id_skip))
                .collect();
        }
        if name_skip != self.name_skip {
            self.name_skip = name_skip;
            self.name = images.iter().map(|i| name_key(i, name_skip)).collect();
        }
    }
}

fn name_key(image: &Image, name_skip: usize) -> u128 {
    match image.primary_reference() {
        Some(name) => prefix(name, name_skip) >> 1,
        None => u128::MAX,
    }
}

fn packed_date(created: Option<i64>) -> u128 {
    created.map_or(0, |c| (i128::from(c) - i128::from(i64::MIN) + 1) as u128)
}

/// The leading bytes every text of one kind shares (the images' ids, or their names), kept
/// by the state as texts come, so that a sort need not read every one of them first (for
/// names that took as long as the sort). Adding a text can only shorten it; after a text
/// is gone it may be shorter than the truth, which keys allow (they just start earlier).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SharedPrefix(Option<Vec<u8>>);

impl SharedPrefix {
    pub fn of<'a>(texts: impl Iterator<Item = &'a str>) -> SharedPrefix {
        let mut shared = SharedPrefix::default();
        texts.for_each(|text| shared.add(text));
        shared
    }

    pub fn add(&mut self, text: &str) {
        match &mut self.0 {
            None => self.0 = Some(text.as_bytes().to_vec()),
            Some(shared) => {
                let same = shared
                    .iter()
                    .zip(text.as_bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                shared.truncate(same);
            }
        }
    }

    /// How many bytes are shared.
    pub fn bytes(&self) -> usize {
        self.0.as_ref().map_or(0, Vec::len)
    }
}

/// Sorts `order` (indices into `images`) in place; `columns` are the images' (built for
/// the ids' and names' shared prefixes the state knows: fewer bytes than they really share
/// is still right, the keys just start earlier), `uses(i)` is image `i`'s container count.
pub fn sort_indices(
    images: &[Image],
    columns: &SortColumns,
    uses: impl Fn(u32) -> u64,
    sort: Sort,
    order: &mut [u32],
) {
    // Reading the images in storage order keeps memory access sequential; in display order
    // every row is a cache miss, which made a sort of 100,000 take ten times longer.
    let members: Vec<u32> = if order.len() == images.len() {
        (0..order.len() as u32).collect()
    } else {
        let mut members = order.to_vec();
        members.sort_unstable();
        members
    };
    let mut keys: Vec<Key> = members
        .iter()
        .map(|&i| sort.key(columns, uses(i), i))
        .collect();
    let full = |x: &Key, y: &Key| {
        let (a, b) = (&images[x.index as usize], &images[y.index as usize]);
        sort.compare(a, uses(x.index), b, uses(y.index))
    };
    // Dangling images have no name: all of them share this key, which no name has.
    let nameless = if sort.descending() { 0 } else { u128::MAX };
    keys.sort_unstable_by(|x, y| {
        x.primary.cmp(&y.primary).then_with(|| match sort.key {
            // Equal name prefixes may still be different names.
            SortKey::Name if x.primary != nameless => full(x, y),
            _ => x.id.cmp(&y.id).then_with(|| full(x, y)),
        })
    });
    for (slot, key) in order.iter_mut().zip(keys) {
        *slot = key.index;
    }
}

/// Display orders already computed for the current data, one per sort: switching back to a
/// sort seen since the last change costs a copy, not a sort. Cleared on every change.
#[derive(Debug, Default)]
pub struct OrderCache {
    entries: Vec<(Sort, Vec<u32>)>,
}

impl OrderCache {
    pub fn get(&self, sort: Sort) -> Option<&[u32]> {
        self.entries
            .iter()
            .find(|(s, _)| *s == sort)
            .map(|(_, order)| order.as_slice())
    }

    pub fn put(&mut self, sort: Sort, order: &[u32]) {
        self.entries.retain(|(s, _)| *s != sort);
        self.entries.push((sort, order.to_vec()));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Images `changed` (indices into the images) changed or were added: every cached order
    /// takes them out and puts them back where `compare` places them under its sort, a
    /// binary search and a move each instead of sorting 100,000 rows again.
    pub fn patch(&mut self, changed: &[u32], compare: impl Fn(Sort, u32, u32) -> Ordering) {
        for (sort, order) in &mut self.entries {
            order.retain(|i| !changed.contains(i));
            for &i in changed {
                let at = order.partition_point(|&j| compare(*sort, j, i) == Ordering::Less);
                order.insert(at, i);
            }
        }
    }

    /// Image `index` is gone and image `last` took its place (`Vec::swap_remove`).
    pub fn swap_removed(&mut self, index: u32, last: u32) {
        for (_, order) in &mut self.entries {
            swap_removed(order, index, last);
        }
    }
}

/// `order` without image `index`, and with `last` renamed `index` (`Vec::swap_remove` moved
/// it there); the order of the rest is unchanged.
pub fn swap_removed(order: &mut Vec<u32>, index: u32, last: u32) {
    order.retain(|&i| i != index);
    for i in order.iter_mut() {
        if *i == last {
            *i = index;
        }
    }
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

    /// How many bytes every id and every name in `images` share, as the state keeps them.
    fn skip_of(images: &[Image]) -> (usize, usize) {
        (
            SharedPrefix::of(images.iter().map(|i| i.id.as_str())).bytes(),
            SharedPrefix::of(images.iter().filter_map(Image::primary_reference)).bytes(),
        )
    }

    /// The longest prefix all `texts` share, the plain way.
    fn truly_shared(texts: &[&str]) -> usize {
        let Some(first) = texts.first() else { return 0 };
        (0..=first.len())
            .rev()
            .find(|&n| {
                texts
                    .iter()
                    .all(|t| t.as_bytes().starts_with(&first.as_bytes()[..n]))
            })
            .unwrap_or(0)
    }

    fn sorted(images: &[Image], sort: Sort) -> Vec<&str> {
        let mut order: Vec<u32> = (0..images.len() as u32).collect();
        let uses = |i: u32| images[i as usize].containers.unwrap_or(0);
        let (id_skip, name_skip) = skip_of(images);
        let columns = SortColumns::of(images, id_skip, name_skip);
        sort_indices(images, &columns, uses, sort, &mut order);
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

    /// The packed keys order exactly as `Sort::compare`: shared prefixes, equal sizes, unknown
    /// dates, dangling images and extreme values included.
    #[test]
    fn packed_keys_agree_with_compare() {
        use proptest::prelude::*;
        let image = (
            prop::sample::select(vec![
                "sha256:aaaaaaaaaaaaaaaa1",
                "sha256:aaaaaaaaaaaaaaaa2",
                "b",
                "",
            ]),
            0u8..4,
            prop_oneof![Just(0u64), Just(u64::MAX), 0u64..3],
            prop_oneof![
                Just(None),
                Just(Some(i64::MIN)),
                Just(Some(i64::MAX)),
                (-2i64..2).prop_map(Some)
            ],
            prop::option::of(prop::sample::select(vec![
                "registry.example:5000/team/app:1",
                "registry.example:5000/team/app:10",
                "registry.example:5000/team/app:1\0",
                "a",
                "",
            ])),
        )
            .prop_map(|(id, n, size, created, tag)| Image {
                id: ImageId::new(format!("{id}{n}")),
                size,
                created,
                containers: Some(size % 3),
                repo_tags: tag.map(|t| vec![t.to_string()]).unwrap_or_default(),
                ..Image::default()
            });
        let sort = (prop::sample::select(SortKey::ALL.to_vec()), any::<bool>())
            .prop_map(|(key, reversed)| Sort { key, reversed });
        // No regression files: the repo's top level stays as documented.
        let config = ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::default()
        };
        proptest!(config, |(images in prop::collection::vec(image, 0..40), sort in sort)| {
            let uses = |i: &Image| i.containers.unwrap_or(0);
            // The shared parts as the state keeps them, grown one image at a time, are what
            // the texts really share.
            let (id_skip, name_skip) = skip_of(&images);
            let ids: Vec<&str> = images.iter().map(|i| i.id.as_str()).collect();
            let names: Vec<&str> = images.iter().filter_map(Image::primary_reference).collect();
            prop_assert_eq!(id_skip, truly_shared(&ids));
            prop_assert_eq!(name_skip, truly_shared(&names));
            let mut plain: Vec<u32> = (0..images.len() as u32).collect();
            plain.sort_by(|&x, &y| {
                let (a, b) = (&images[x as usize], &images[y as usize]);
                sort.compare(a, uses(a), b, uses(b))
            });
            let ids = |order: &[u32]| order.iter().map(|&i| images[i as usize].id.clone()).collect::<Vec<_>>();
            // Fewer shared bytes than the truth (after a removal) sort the same.
            for (id_skip, name_skip) in [(id_skip, name_skip), (0, 0), (id_skip / 2, name_skip / 2)] {
                let mut packed: Vec<u32> = (0..images.len() as u32).collect();
                // Columns built at longer skips and brought down, as after a new image.
                let mut columns = SortColumns::of(&images, id_skip + 1, name_skip + 1);
                columns.rekey(&images, id_skip, name_skip);
                sort_indices(&images, &columns, |i| uses(&images[i as usize]), sort, &mut packed);
                prop_assert_eq!(ids(&packed), ids(&plain));
            }
        });
    }

    #[test]
    fn parse_names() {
        assert_eq!(SortKey::parse("SIZE"), Some(SortKey::Size));
        assert_eq!(SortKey::parse("containers"), Some(SortKey::Containers));
        assert_eq!(SortKey::parse("bogus"), None);
    }
}
