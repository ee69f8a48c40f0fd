//! `imgtui list --format table`: the rows the list pane shows, as aligned text. Engine
//! strings are sanitized like on screen: the output often goes to a terminal.

use unicode_width::UnicodeWidthStr;

use crate::core::format;
use crate::core::image::Image;
use crate::core::sanitize::sanitize;

const HEADER: [&str; 5] = ["REPOSITORY:TAG", "IMAGE ID", "CREATED", "SIZE", "USED BY"];

/// The table for `rows` (image, containers using it), with `now` for the ages.
pub fn table<'a>(rows: impl Iterator<Item = (&'a Image, Option<u64>)>, now: i64) -> String {
    let cells: Vec<[String; 5]> = rows
        .map(|(image, used)| {
            let name = match image.primary_reference() {
                Some(tag) if image.repo_tags.len() > 1 => {
                    format!("{} +{}", sanitize(tag), image.repo_tags.len() - 1)
                }
                Some(tag) => sanitize(tag).into_owned(),
                None => "<none>".to_string(),
            };
            [
                name,
                sanitize(image.id.short()).into_owned(),
                format::relative_time(image.created, now),
                format::size(image.size),
                used.map_or("?".to_string(), |n| n.to_string()),
            ]
        })
        .collect();
    let mut widths = HEADER.map(str::width);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width());
        }
    }
    let mut out = String::new();
    let header = HEADER.map(str::to_string);
    for (n, row) in std::iter::once(&header).chain(&cells).enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.width());
            // Numbers line up on the right, text on the left.
            let right = i >= 3 && n > 0;
            if right {
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            }
            line.push_str("   ");
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::image::ImageId;

    #[test]
    fn columns_align_and_hostile_tags_are_escaped() {
        let images = [
            Image {
                id: ImageId::new("sha256:1d53ef105045c334553a7c252fbd4edf"),
                repo_tags: vec!["nginx:1.27".into(), "nginx:latest".into()],
                created: Some(1_000 - 3 * 86_400),
                size: 192_500_000,
                ..Image::default()
            },
            Image {
                id: ImageId::new("sha256:feedfacecafe0000"),
                repo_tags: vec!["evil\x1b[2J:1".into()],
                created: None,
                size: 5,
                ..Image::default()
            },
            Image {
                id: ImageId::new("sha256:0123456789ab"),
                size: 12_345_678,
                created: Some(1_000),
                ..Image::default()
            },
        ];
        let used = [Some(2), None, Some(0)];
        let out = table(images.iter().zip(used), 1_000);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(lines[0].starts_with("REPOSITORY:TAG"), "{out}");
        assert!(lines[1].starts_with("nginx:1.27 +1 "), "{out}");
        assert!(lines[2].starts_with("evil\\x1b[2J:1 "), "{out}");
        assert!(!out.contains('\x1b'), "{out}");
        assert!(lines[3].starts_with("<none> "), "{out}");
        // Every IMAGE ID starts in the header's column; sizes end in the same column.
        let id_at = lines[0].find("IMAGE ID").unwrap();
        assert_eq!(lines[1].find("1d53ef105045"), Some(id_at), "{out}");
        assert_eq!(lines[3].find("0123456789ab"), Some(id_at), "{out}");
        let end_of = |line: &str, text: &str| line.find(text).unwrap() + text.len();
        assert_eq!(
            end_of(lines[1], "192.5 MB"),
            end_of(lines[3], "12.3 MB"),
            "{out}"
        );
        assert!(
            lines[1].ends_with(" 2") && lines[2].ends_with(" ?"),
            "{out}"
        );
    }
}
