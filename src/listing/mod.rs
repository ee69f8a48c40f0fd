//! `imgtui list`: the view the TUI would show (same sort, same filter, same rows), printed
//! once for scripts. The rows come from the core's own state, so the two cannot disagree.

mod json;
mod table;

use std::collections::HashMap;

use anyhow::{Context, Result};

use crate::core::action::{EngineEvent, Message};
use crate::core::image::{ContainerRef, Image, ImageId};
use crate::core::sort::Sort;
use crate::core::state::AppState;
use crate::engine::client::Engine;
use crate::engine::endpoint::Endpoint;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns, like the list pane.
    Table,
    /// A JSON array: one `ImageSummary` object per image, with the engine's field names.
    Json,
}

/// The state the TUI would reach with this list and these containers, sorted and filtered.
/// `filter` must parse (the command line checks it).
pub fn view(
    images: Vec<Image>,
    containers: HashMap<ImageId, Vec<ContainerRef>>,
    sort: Sort,
    filter: &str,
    now: i64,
) -> AppState {
    let mut state = AppState::new(sort, "");
    state.update(Message::Clock(now));
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images,
    }));
    state.update(Message::Engine(EngineEvent::Containers {
        generation: 0,
        by_image: containers,
    }));
    state.set_query(filter.to_string());
    state
}

/// The rows of `state` in `format`.
pub fn print(state: &AppState, format: Format, now: i64) -> String {
    let rows = state.shown_images().map(|i| (i, state.containers_of(i)));
    match format {
        Format::Table => table::table(rows, now),
        Format::Json => {
            let objects: Vec<serde_json::Value> =
                rows.map(|(image, used)| json::image(image, used)).collect();
            let mut out = serde_json::to_string_pretty(&objects).expect("values serialize");
            out.push('\n');
            out
        }
    }
}

/// Lists the images and the containers (for `in-use`/`unused` and USED BY) at once.
pub async fn run(
    endpoint: Endpoint,
    sort: Sort,
    filter: &str,
    format: Format,
    now: i64,
) -> Result<String> {
    let host = endpoint.to_string();
    // Most connection errors name the address already; say it once.
    let engine = Engine::connect(endpoint).await.map_err(|err| {
        let text = err.to_string();
        if text.contains(&host) {
            anyhow::anyhow!(text)
        } else {
            anyhow::anyhow!("cannot reach the engine at {host}: {text}")
        }
    })?;
    let (images, containers) = tokio::join!(engine.list_images(), engine.containers_by_image());
    let images = images.context("listing the images failed")?;
    let containers = containers.context("listing the containers failed")?;
    let state = view(images, containers, sort, filter, now);
    Ok(print(&state, format, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sort::SortKey;
    use crate::engine::wire::parse_image_list;

    #[test]
    fn the_view_is_sorted_and_filtered_like_the_tui() {
        let images =
            parse_image_list(include_bytes!("../../tests/fixtures/new-images.json")).unwrap();
        let all = images.len();
        let sort = Sort {
            key: SortKey::Size,
            reversed: true,
        };
        let state = view(images.clone(), Default::default(), sort, "", 0);
        let sizes: Vec<u64> = state.shown_images().map(|i| i.size).collect();
        assert_eq!(sizes.len(), all);
        assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "smallest first");

        let state = view(images, Default::default(), sort, "dangling", 0);
        let json: serde_json::Value =
            serde_json::from_str(&print(&state, Format::Json, 0)).unwrap();
        let rows = json.as_array().unwrap();
        assert!(!rows.is_empty() && rows.len() < all);
        for row in rows {
            assert_eq!(row["RepoTags"], serde_json::json!([]), "{row}");
            assert_eq!(row["Containers"], 0, "{row}");
        }
        let table = print(&state, Format::Table, 0);
        assert_eq!(table.lines().count(), rows.len() + 1, "{table}");
    }
}
