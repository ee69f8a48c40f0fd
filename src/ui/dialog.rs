//! The clean-up dialogs. Each lists exactly what will be removed (id, created, size, tags)
//! and what stays and why; the keys that act are always on the bottom line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::text::{fit, safe, wrap_words};
use super::{centered, theme};
use crate::core::cleanup::{Blocked, Intent, Outcome, Plan, PruneScope, Target, format_duration};
use crate::core::dialog::{Choose, Confirm, Conflict, Dialog, PruneField, PruneForm, Report};
use crate::core::format::{self, plural};
use crate::core::state::AppState;

const MAX_WIDTH: u16 = 96;

pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, dialog: &Dialog, now: i64) {
    let width = area.width.saturating_sub(4).clamp(1, MAX_WIDTH);
    let inner_width = usize::from(width.saturating_sub(2));
    let (title, body, keys, scroll) = match dialog {
        Dialog::Confirm(c) => confirm(c, state.force_removes_containers(), now, inner_width),
        Dialog::Choose(c) => choose(state, c, inner_width),
        Dialog::Prune(f) => prune(f, now, inner_width),
        Dialog::Conflict(c) => conflict(c, inner_width),
        Dialog::Report(r) => report(r, inner_width),
    };
    // Body, a blank line, the keys; within the screen. The prune form keeps its size while
    // its preview changes under the user's typing.
    let wanted = match dialog {
        Dialog::Prune(_) => u16::MAX,
        _ => body.len() as u16 + 4,
    };
    let height = wanted.min(area.height.saturating_sub(2)).max(3);
    let popup = centered(area, width, height);
    frame.render_widget(Clear, popup);
    let block = Block::bordered()
        .title(Line::styled(
            format!(" {} ", fit(&title, inner_width.saturating_sub(2))),
            theme::header(),
        ))
        .border_style(theme::warning());
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let [body_area, keys_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    let rows = usize::from(body_area.height.saturating_sub(1));
    let scroll = scroll.min(body.len().saturating_sub(rows));
    let visible: Vec<Line> = body.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Paragraph::new(visible), body_area);
    frame.render_widget(Paragraph::new(keys), keys_area);
}

type Parts = (String, Vec<Line<'static>>, Line<'static>, usize);

fn keys(pairs: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, what)) in pairs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme::dim()));
        }
        spans.push(Span::styled(key.to_string(), theme::key()));
        spans.push(Span::raw(format!(" {what}")));
    }
    Line::from(spans)
}

/// A paragraph of already safe text, word-wrapped to the dialog.
fn prose(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    wrap_words(text, width)
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

/// One image as a row: short id, age, size, tags (or "<none>").
fn target_row(target: &Target, now: i64, width: usize) -> Line<'static> {
    let tags = if target.references.is_empty() {
        "<none>".to_string()
    } else {
        target.references.join(", ")
    };
    let fixed = format!(
        "  {:<12}  {:>14}  {:>9}  ",
        target.id.short(),
        super::created(target.created, now),
        format::size(target.size)
    );
    let room = width.saturating_sub(fixed.chars().count());
    Line::from(vec![
        Span::raw(safe(&fixed).into_owned()),
        Span::raw(fit(&safe(&tags), room).into_owned()),
    ])
}

fn blocked_row(blocked: &Blocked, width: usize) -> Line<'static> {
    let fixed = format!(
        "  {:<12}  {:>9}  used by ",
        blocked.target.id.short(),
        format::size(blocked.target.size)
    );
    let who = if blocked.containers.is_empty() {
        "containers (not known yet)".to_string()
    } else {
        blocked.containers.join(", ")
    };
    let room = width.saturating_sub(fixed.chars().count());
    Line::from(vec![
        Span::raw(fixed),
        Span::styled(fit(&safe(&who), room).into_owned(), theme::dim()),
    ])
}

/// The list part shared by `D`, `P` and bulk `d`.
fn plan_lines(plan: &Plan, verb: &str, now: i64, width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if plan.remove.is_empty() {
        lines.push(Line::raw(format!("Nothing to {verb}.")));
    } else {
        let head = format!("{} will be {verb}d", plural(plan.remove.len(), "image"));
        let bytes = match plan.intent {
            Intent::Untag { .. } => ":".to_string(),
            _ => format!(", {} in all:", format::size(plan.bytes())),
        };
        lines.push(Line::from(vec![
            Span::styled(head, theme::warning()),
            Span::raw(bytes),
        ]));
        lines.push(Line::styled(
            format!(
                "  {:<12}  {:>14}  {:>9}  TAGS",
                "IMAGE ID", "CREATED", "SIZE"
            ),
            theme::header(),
        ));
        lines.extend(plan.remove.iter().map(|t| target_row(t, now, width)));
    }
    if !plan.blocked.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::raw(format!(
            "{} will stay — containers use {}:",
            plural(plan.blocked.len(), "image"),
            if plan.blocked.len() == 1 {
                "it"
            } else {
                "them"
            }
        )));
        lines.extend(plan.blocked.iter().map(|b| blocked_row(b, width)));
    }
    if !plan.usage_known {
        lines.push(Line::raw(""));
        lines.extend(prose(
            "Waiting for the container list: which images are in use is not known yet.",
            width,
            theme::warning(),
        ));
    }
    if !plan.remove.is_empty() && !matches!(plan.intent, Intent::Untag { .. }) {
        lines.push(Line::raw(""));
        lines.extend(prose(
            "Sizes count layers shared with other images; the engine frees a shared layer \
             with the last image using it and reports what it reclaimed.",
            width,
            theme::dim(),
        ));
    }
    lines
}

fn confirm(c: &Confirm, podman: bool, now: i64, width: usize) -> Parts {
    let plan = &c.plan;
    let (title, verb) = match &plan.intent {
        Intent::Prune { options, cutoff } => {
            let mut title = match options.scope {
                PruneScope::Dangling => "Delete all dangling images".to_string(),
                PruneScope::Unused => "Delete all unused images".to_string(),
            };
            if let (Some(secs), Some(_)) = (options.older_than, cutoff) {
                title.push_str(&format!(" older than {}", format_duration(secs)));
            }
            (title, "delete")
        }
        Intent::Delete if plan.remove.len() + plan.blocked.len() == 1 => {
            let target = plan
                .remove
                .first()
                .or(plan.blocked.first().map(|b| &b.target));
            let name = target.map(describe).unwrap_or_default();
            (format!("Delete image {name}"), "delete")
        }
        Intent::Delete => ("Delete marked images".to_string(), "delete"),
        Intent::Untag { reference } => (format!("Untag {}", safe(reference)), "untag"),
    };
    let mut body = if c.can_force {
        let mut lines = prose(
            "Containers use this image, so the engine will refuse to delete it:",
            width,
            theme::warning(),
        );
        lines.extend(plan.blocked.iter().map(|b| blocked_row(b, width)));
        lines
    } else {
        plan_lines(plan, verb, now, width)
    };
    if let Intent::Prune { options, cutoff } = &plan.intent {
        body.push(Line::raw(""));
        let mut filter = format!(
            "dangling={}",
            if options.scope == PruneScope::Dangling {
                "true"
            } else {
                "false"
            }
        );
        if let Some(cutoff) = cutoff {
            filter.push_str(&format!(", until={cutoff}"));
        }
        body.extend(prose(
            &format!("One engine prune ({filter}), after checking that it matches nothing else."),
            width,
            theme::dim(),
        ));
    }
    let running_user = !c.can_force
        && plan.remove.is_empty()
        && matches!(plan.intent, Intent::Delete)
        && !plan.blocked.is_empty();
    if running_user && podman {
        body.push(Line::raw(""));
        body.extend(prose(
            "Podman's forced delete would remove the containers using it as well, so \
             imgtui does not offer it: remove the containers first (podman rm).",
            width,
            Style::new(),
        ));
    } else if running_user {
        body.push(Line::raw(""));
        body.extend(prose(
            "A running container uses it, and the engine will not remove a running \
             container's image even when forced: stop and remove the container first.",
            width,
            Style::new(),
        ));
    }
    let keys = if c.can_force {
        body.push(Line::raw(""));
        body.extend(prose(
            "Forcing removes it anyway (docker rmi -f): stopped containers keep its layers but \
             show the image as missing; an image a running container uses cannot be forced.",
            width,
            Style::new(),
        ));
        keys(&[("f", "force delete"), ("n/Esc", "leave it")])
    } else if plan.can_confirm() {
        keys(&[("y/Enter", verb), ("n/Esc", "cancel"), ("j/k", "scroll")])
    } else {
        keys(&[("n/Esc", "close")])
    };
    (title, body, keys, c.scroll)
}

/// "repo:tag (abc123def456)" or the short id alone.
fn describe(target: &Target) -> String {
    match target.references.first() {
        Some(tag) => format!("{} ({})", safe(tag), target.id.short()),
        None => target.id.short().to_string(),
    }
}

fn choose(state: &AppState, c: &Choose, width: usize) -> Parts {
    let image = state.image(&c.image);
    let size = image.map_or(0, |i| i.size);
    let mut body = prose(
        &format!(
            "This image ({}) has {} tags. Remove one tag (the image stays), or the image:",
            c.image.short(),
            c.references.len()
        ),
        width,
        Style::new(),
    );
    body.push(Line::raw(""));
    for i in 0..c.choices() {
        let text = match c.references.get(i) {
            Some(reference) => format!("untag {}", safe(reference)),
            None => format!(
                "delete image {} with all {} tags ({})",
                c.image.short(),
                c.references.len(),
                format::size(size)
            ),
        };
        let marker = if i == c.selected { "› " } else { "  " };
        let line = fit(&text, width.saturating_sub(2)).into_owned();
        let style = if i == c.selected {
            theme::selected()
        } else {
            Style::new()
        };
        body.push(Line::from(vec![
            Span::raw(marker),
            Span::styled(line, style),
        ]));
    }
    let keys = keys(&[("j/k", "choose"), ("y/Enter", "do it"), ("n/Esc", "cancel")]);
    ("Delete or untag".to_string(), body, keys, 0)
}

fn prune(f: &PruneForm, now: i64, width: usize) -> Parts {
    let focus = |field| {
        if f.field == field {
            theme::selected()
        } else {
            Style::new()
        }
    };
    let radio = |on: bool| if on { "(•)" } else { "( )" };
    let dangling = f.options.scope == PruneScope::Dangling;
    let mut body = vec![
        Line::from(vec![
            Span::raw("Which:       "),
            Span::styled(
                format!(
                    "{} dangling   {} unused (no container uses it, tagged or not)",
                    radio(dangling),
                    radio(!dangling)
                ),
                focus(PruneField::Scope),
            ),
        ]),
        Line::from(vec![
            Span::raw("Older than:  "),
            Span::styled(
                format!("[{:<8}]", f.older_than),
                focus(PruneField::OlderThan),
            ),
            Span::styled("  empty: any age · e.g. 36h, 7d, 2w", theme::dim()),
        ]),
    ];
    if let Some(error) = &f.error {
        body.push(Line::styled(format!("  {error}"), theme::error()));
    }
    body.push(Line::raw(""));
    body.extend(plan_lines(&f.plan, "delete", now, width));
    let keys = keys(&[
        ("Tab", "field"),
        ("Space", "dangling/unused"),
        ("y/Enter", "prune"),
        ("n/Esc", "cancel"),
    ]);
    ("Prune images".to_string(), body, keys, f.scroll)
}

fn conflict(c: &Conflict, width: usize) -> Parts {
    let mut body = prose(&safe(&c.message), width, theme::error());
    body.push(Line::raw(""));
    if !c.containers.is_empty() {
        body.push(Line::raw("Used by:"));
        for name in &c.containers {
            body.push(Line::raw(format!(
                "  {}",
                fit(&safe(name), width.saturating_sub(2))
            )));
        }
        body.push(Line::raw(""));
    }
    body.extend(prose(
        "Forcing removes the image anyway (docker rmi -f); containers keep its layers. \
         Nothing is forced unless you press f.",
        width,
        Style::new(),
    ));
    let keys = keys(&[("f", "force delete"), ("n/Esc", "leave it")]);
    (
        format!("Cannot delete {}", describe(&c.job.target)),
        body,
        keys,
        0,
    )
}

fn report(r: &Report, width: usize) -> Parts {
    let body = r
        .results
        .iter()
        .map(|(target, outcome)| {
            let (mark, style, what) = match outcome {
                Outcome::Deleted => ("✓", theme::ok(), "deleted".to_string()),
                Outcome::Untagged => ("✓", theme::ok(), "untagged".to_string()),
                Outcome::AlreadyGone => ("✓", theme::dim(), "already gone".to_string()),
                Outcome::Changed(why) => ("–", theme::warning(), format!("kept: {why}")),
                Outcome::Conflict(why) => ("✗", theme::error(), format!("refused: {why}")),
                Outcome::Failed(why) => ("✗", theme::error(), format!("failed: {why}")),
            };
            let head = format!(" {mark} {:<12}  ", target.id.short());
            let name = target
                .references
                .first()
                .map_or("<none>".to_string(), |t| safe(t).into_owned());
            let text = format!("{name} — {}", safe(&what));
            let room = width.saturating_sub(head.chars().count());
            Line::from(vec![
                Span::styled(head, style),
                Span::raw(fit(&text, room).into_owned()),
            ])
        })
        .collect();
    let keys = keys(&[("Enter/Esc", "close"), ("j/k", "scroll")]);
    (safe(&r.title).into_owned(), body, keys, r.scroll)
}
