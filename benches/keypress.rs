//! Key press to frame at 100,000 images: `state.update` plus a full render to a 200x50
//! `TestBackend`, in-process. Prints median and p99 per action, and the ratio to the floor
//! measured in the same run (rendering the same frame with no state change).
//!
//! Run: `cargo bench --bench keypress` (IMGTUI_BENCH_IMAGES overrides the count).

use std::time::{Duration, Instant};

use imgtui::core::action::{Action, EngineEvent, EngineInfo, EngineStatus, Message, Viewport};
use imgtui::core::filter::{Filter, FilterMatcher};
use imgtui::core::image::{ContainerRef, Image, ImageId};
use imgtui::core::keymap::KeyMap;
use imgtui::core::sort::{Sort, SortKey};
use imgtui::core::state::AppState;
use imgtui::ui::{self, View};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOW: i64 = 1_750_000_000;

fn images(n: usize) -> Vec<Image> {
    // A small LCG: deterministic, no extra dependency.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        seed >> 33
    };
    (0..n)
        .map(|i| {
            let dangling = next() % 10 == 0;
            Image {
                // Digest-like: random hex, unique through the index at the end.
                id: ImageId::new(format!(
                    "sha256:{:016x}{:016x}{:016x}{:016x}",
                    next(),
                    next(),
                    next(),
                    i
                )),
                repo_tags: if dangling {
                    vec![]
                } else {
                    vec![format!(
                        "registry.example:5000/team{}/app{}:{}",
                        i % 50,
                        i,
                        next() % 100
                    )]
                },
                created: Some(NOW - (next() % 100_000_000) as i64),
                size: next() % 2_000_000_000,
                containers: Some(next() % 3),
                labels: (0..(next() % 8))
                    .map(|k| (format!("org.example.label{k}"), format!("value {}", next())))
                    .collect(),
                ..Image::default()
            }
        })
        .collect()
}

/// Draws one frame of `state` on the bench's terminal; the viewport the render found.
fn draw(state: &AppState, terminal: &mut Terminal<TestBackend>, keymap: &KeyMap) -> Viewport {
    let view = View {
        now: NOW,
        tick: 0,
        keymap,
        theme: &Default::default(),
        date_format: &Default::default(),
    };
    ui::draw(terminal, state, &view).unwrap()
}

fn measure(
    name: &str,
    state: &mut AppState,
    terminal: &mut Terminal<TestBackend>,
    keymap: &KeyMap,
    actions: &[Action],
    rounds: usize,
) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let action = actions[round % actions.len()];
        let start = Instant::now();
        state.update(Message::Action(action));
        let viewport = draw(state, terminal, keymap);
        samples.push(start.elapsed());
        if viewport != state.viewport {
            state.update(Message::Viewport(viewport));
        }
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    let p99 = samples[samples.len() * 99 / 100];
    println!("{name:<28} median {median:>10.3?}   p99 {p99:>10.3?}");
    (median, p99)
}

/// One image as big as hostile metadata makes it: 10,000 labels, a 1 MB value, 500 tags.
fn huge_image() -> Image {
    let mut labels: Vec<(String, String)> = (0..10_000)
        .map(|i| (format!("label.{i:05}"), format!("value {i}")))
        .collect();
    labels.push(("zz.huge".into(), "v".repeat(1_000_000)));
    Image {
        id: ImageId::new(format!("sha256:{:064x}", 1)),
        repo_tags: (0..500).map(|i| format!("repo/many:{i:03}")).collect(),
        created: Some(NOW - 86_400),
        size: 1_000,
        labels,
        ..Image::default()
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this too, unoptimised,
    // where a small smoke run proves the bench still works without taking minutes.
    let full = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("IMGTUI_BENCH_IMAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if full { 100_000 } else { 2_000 });
    let rounds = |r: usize| if full { r } else { (r / 20).max(4) };
    let keymap = KeyMap::default();
    let mut state = AppState::new(Sort::default(), "unix:///bench.sock");
    state.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo::default()),
    )));
    let list = images(n);
    let start = Instant::now();
    state.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: list,
    }));
    println!(
        "{n} images: applying a full list (index + sort) took {:.3?}",
        start.elapsed()
    );
    // As with a real engine, the container list arrives too: every 100th image is in use.
    let by_image = state
        .images_in_order()
        .step_by(100)
        .map(|image| {
            let user = ContainerRef {
                name: format!("user-of-{}", image.id.short()),
                running: true,
            };
            (image.id.clone(), vec![user])
        })
        .collect();
    state.update(Message::Engine(EngineEvent::Containers {
        generation: 0,
        by_image,
    }));
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();

    // Floor: Back is a no-op in the list, so this is a frame with nothing to change.
    let (floor, _) = measure(
        "floor (redraw only)",
        &mut state,
        &mut terminal,
        &keymap,
        &[Action::Back],
        400,
    );
    let cases: [(&str, &[Action], usize); 6] = [
        ("move down/up", &[Action::Down, Action::Up], 2000),
        ("page down/up", &[Action::PageDown, Action::PageUp], 1000),
        (
            "half page",
            &[Action::HalfPageDown, Action::HalfPageUp],
            1000,
        ),
        ("first/last", &[Action::Bottom, Action::Top], 1000),
        ("toggle detail focus", &[Action::ToggleFocus], 1000),
        (
            "re-sort (cached orders)",
            &[
                Action::SortBy(SortKey::Size),
                Action::SortBy(SortKey::Name),
                Action::SortBy(SortKey::Created),
                Action::SortBy(SortKey::Containers),
            ],
            100,
        ),
    ];
    // A re-sort right after an image changed: an untimed event (the same image again)
    // precedes every timed press. The orders of sorts seen since the list are patched for
    // the change, not dropped; the full sort is timed below.
    let mut samples = Vec::new();
    let keys = [
        SortKey::Size,
        SortKey::Name,
        SortKey::Created,
        SortKey::Containers,
    ];
    for round in 0..rounds(100) {
        let again = state.selected().cloned().expect("a selected image");
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(again),
        }));
        let start = Instant::now();
        state.update(Message::Action(Action::SortBy(keys[round % keys.len()])));
        draw(&state, &mut terminal, &keymap);
        samples.push(start.elapsed());
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "{:<28} median {median:>10.3?}   p99 {:>10.3?}",
        "re-sort after a change",
        samples[samples.len() * 99 / 100]
    );
    println!(
        "{:<28} {:.2}x the floor",
        "",
        median.as_secs_f64() / floor.as_secs_f64()
    );
    for (name, actions, count) in cases {
        let (median, _) = measure(
            name,
            &mut state,
            &mut terminal,
            &keymap,
            actions,
            rounds(count),
        );
        println!(
            "{:<28} {:.2}x the floor",
            "",
            median.as_secs_f64() / floor.as_secs_f64()
        );
    }

    filter_passes(&state, rounds(20));
    filter_typing(&mut state, &mut terminal, &keymap, rounds(10));
    full_sorts(&mut state, &mut terminal, &keymap, n, rounds(40));
    burst_of_removals(&mut state, if full { 1_000 } else { 50 });

    // Scrolling the detail pane of one huge image (focus on the detail pane).
    let mut huge = AppState::new(Sort::default(), "unix:///bench.sock");
    huge.update(Message::Engine(EngineEvent::Status(
        EngineStatus::Connected(EngineInfo::default()),
    )));
    huge.update(Message::Engine(EngineEvent::Listed {
        generation: 0,
        images: vec![huge_image()],
    }));
    let (floor, _) = measure(
        "huge image: floor",
        &mut huge,
        &mut terminal,
        &keymap,
        &[Action::Back],
        rounds(200),
    );
    huge.update(Message::Action(Action::ToggleFocus));
    let (median, _) = measure(
        "huge image: scroll detail",
        &mut huge,
        &mut terminal,
        &keymap,
        &[Action::PageDown, Action::Down, Action::PageDown, Action::Up],
        rounds(400),
    );
    println!(
        "{:<28} {:.2}x the floor",
        "",
        median.as_secs_f64() / floor.as_secs_f64()
    );
}

/// The first press of a sort key after a new list: nothing cached, a full sort (target: a
/// re-sort of 100k in 20 ms). An untimed list of the same images precedes every timed
/// press. Last, as the lists it applies leave the heap unlike a single list's.
fn full_sorts(
    state: &mut AppState,
    terminal: &mut Terminal<TestBackend>,
    keymap: &KeyMap,
    n: usize,
    rounds: usize,
) {
    let keys = SortKey::ALL;
    let mut by_key: Vec<Vec<std::time::Duration>> = vec![Vec::new(); keys.len()];
    for round in 0..rounds {
        state.update(Message::Engine(EngineEvent::Listed {
            generation: 0,
            images: images(n),
        }));
        let start = Instant::now();
        state.update(Message::Action(Action::SortBy(keys[round % keys.len()])));
        draw(state, terminal, keymap);
        by_key[round % keys.len()].push(start.elapsed());
    }
    for (key, samples) in keys.iter().zip(&mut by_key) {
        samples.sort();
        println!(
            "{:<28} median {:>10.3?}   max {:>10.3?}",
            format!("full sort by {}", key.name()),
            samples[samples.len() / 2],
            samples[samples.len() - 1]
        );
    }
}

/// Typing a filter in the prompt, a key at a time, each followed by a frame: what a user
/// feels (target: 5 ms per keystroke at 100k). Typing narrows (only the rows still shown
/// are checked again); Backspace returns to the step typed before. A query that was not
/// typed (`--filter`, a quick toggle) has no steps: Backspace there checks every image. An
/// engine event while typing (an image re-tagged) patches the text and the steps.
fn filter_typing(
    state: &mut AppState,
    terminal: &mut Terminal<TestBackend>,
    keymap: &KeyMap,
    rounds: usize,
) {
    use imgtui::core::action::QueryInput;
    let query = "team4/app12";
    let mut key = |state: &mut AppState, input| {
        let start = Instant::now();
        state.update(Message::Query(input));
        draw(state, terminal, keymap);
        start.elapsed()
    };
    let (mut typing, mut back, mut widening) = (Vec::new(), Vec::new(), Vec::new());
    let (mut typing_after, mut back_after) = (Vec::new(), Vec::new());
    // An engine event while typing: one image re-tagged, back and forth.
    let mut retagged = state.images_in_order().nth(7).cloned().expect("images");
    let mut event = |state: &mut AppState| {
        retagged.repo_tags = match retagged.repo_tags.first() {
            Some(tag) if tag.starts_with("moved/") => vec![tag["moved/".len()..].to_string()],
            Some(tag) => vec![format!("moved/{tag}")],
            None => vec!["moved/team4/app1:1".to_string()],
        };
        state.update(Message::Engine(EngineEvent::ImageChanged {
            generation: 0,
            image: Box::new(retagged.clone()),
        }));
    };
    for _ in 0..rounds {
        state.update(Message::Action(Action::Filter));
        typing.extend(query.chars().map(|c| key(state, QueryInput::Insert(c))));
        back.extend((0..5).map(|_| key(state, QueryInput::Backspace)));
        state.update(Message::Query(QueryInput::Cancel));
        state.set_query(query.to_string());
        state.update(Message::Action(Action::Filter));
        widening.extend((0..5).map(|_| key(state, QueryInput::Backspace)));
        state.update(Message::Query(QueryInput::Cancel));
        // Typing on, and back, each just after an event.
        state.update(Message::Action(Action::Filter));
        for c in query.chars() {
            event(state);
            typing_after.push(key(state, QueryInput::Insert(c)));
        }
        for _ in 0..5 {
            event(state);
            back_after.push(key(state, QueryInput::Backspace));
        }
        state.update(Message::Query(QueryInput::Cancel));
    }
    for (name, samples) in [
        ("filter: type a key", &mut typing),
        ("filter: backspace", &mut back),
        ("filter: backspace, untyped", &mut widening),
        ("filter: key after an event", &mut typing_after),
        ("filter: bksp after an event", &mut back_after),
    ] {
        samples.sort();
        println!(
            "{name:<28} median {:>10.3?}   p99 {:>10.3?}",
            samples[samples.len() / 2],
            samples[samples.len() * 99 / 100]
        );
    }
}

/// A prune's events arriving together (the loop applies what is waiting as one batch):
/// `count` removals one message each, then as many again in one `EngineBatch`. Each half
/// runs once; the list is `count` images shorter for the second.
fn burst_of_removals(state: &mut AppState, count: usize) {
    let mut gone = state
        .images_in_order()
        .step_by(7)
        .map(|image| image.id.clone())
        .collect::<Vec<_>>()
        .into_iter()
        .map(|id| EngineEvent::ImageGone { generation: 0, id });
    let apart: Vec<EngineEvent> = gone.by_ref().take(count).collect();
    let together: Vec<EngineEvent> = gone.take(count).collect();
    let start = Instant::now();
    for event in apart {
        state.update(Message::Engine(event));
    }
    let one_at_a_time = start.elapsed();
    let start = Instant::now();
    state.update(Message::EngineBatch(together));
    let batched = start.elapsed();
    println!(
        "{count} removals, one at a time {one_at_a_time:>10.3?}   as one batch {batched:>10.3?}   {:.1}x",
        one_at_a_time.as_secs_f64() / batched.as_secs_f64()
    );
}

/// The filter core: one full pass over every image per query, as widening a filter costs.
fn filter_passes(state: &AppState, rounds: usize) {
    use imgtui::core::search::SearchText;
    let images: Vec<Image> = state.all_images().cloned().collect();
    let mut text = SearchText::default();
    let start = Instant::now();
    text.ensure(&images);
    println!(
        "{:<28} {:>10.3?}   (once per change of the list)",
        "filter: build search text",
        start.elapsed()
    );
    let mut matcher = FilterMatcher::default();
    for query in [
        "dangling",
        "size>1GB",
        "label=org.example.label3",
        "a",
        "app12",
        "team4/app12",
        "!zzzz",
    ] {
        let filter = Filter::parse(query).expect("a valid query");
        let mut samples = Vec::new();
        let mut matched = 0;
        for _ in 0..rounds {
            let start = Instant::now();
            matched = images
                .iter()
                .enumerate()
                .filter(|&(index, image)| {
                    // As the state does it: container counts only for terms that need them.
                    let used = if filter.uses_containers() {
                        state.containers_of(image)
                    } else {
                        None
                    };
                    filter.matches_with_text(&mut matcher, image, text.of(index), used, NOW)
                })
                .count();
            samples.push(start.elapsed());
        }
        samples.sort();
        println!(
            "{:<28} median {:>10.3?}   ({matched} match)",
            format!("filter {query:?}"),
            samples[samples.len() / 2]
        );
    }
}
