//! Disk usage as `docker system df` reports it for images: how many, how many in use, the
//! bytes their layers take (shared layers once), and what removing the unused ones would
//! free. The engine computes per-image shared sizes for it, which is expensive (it walks
//! every layer), so it is asked for in the background after a full list and after a clean-up,
//! never per event.

use std::collections::HashMap;

use super::image::ImageId;

/// One image of the engine's `GET /system/df` answer; -1 (`None`) is "not computed".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DfImage {
    pub id: ImageId,
    pub size: Option<u64>,
    pub shared_size: Option<u64>,
    pub containers: Option<u64>,
}

/// The engine's answer, as parsed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DfReport {
    /// All image layers on disk, each counted once.
    pub layers_size: u64,
    pub images: Vec<DfImage>,
}

/// The summary line and the per-image shared sizes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiskUsage {
    pub images: usize,
    /// Images at least one container (running or not) uses.
    pub active: usize,
    pub size: u64,
    pub reclaimable: u64,
    /// Bytes of each image that other images share (the rest is its own).
    pub shared: HashMap<ImageId, u64>,
    /// When the engine answered (Unix seconds).
    pub at: i64,
}

impl DiskUsage {
    /// The docker CLI's arithmetic: what the images in use need on their own is not
    /// reclaimable; everything else is.
    pub fn from_report(report: DfReport, at: i64) -> DiskUsage {
        let mut used: u64 = 0;
        let mut active = 0;
        let mut shared = HashMap::with_capacity(report.images.len());
        for image in &report.images {
            if image.containers.is_some_and(|n| n > 0) {
                active += 1;
                // Unknown sharing (Podman): all of it counts as needed, so reclaimable
                // never promises more than a clean-up would free.
                let own = match (image.size, image.shared_size) {
                    (Some(size), Some(common)) => size.saturating_sub(common),
                    (Some(size), None) => size,
                    (None, _) => 0,
                };
                used = used.saturating_add(own);
            }
            if let Some(common) = image.shared_size {
                shared.insert(image.id.clone(), common);
            }
        }
        DiskUsage {
            images: report.images.len(),
            active,
            size: report.layers_size,
            reclaimable: report.layers_size.saturating_sub(used),
            shared,
            at,
        }
    }

    /// Reclaimable as a whole percentage of the size (0 when there is nothing).
    pub fn reclaimable_percent(&self) -> u64 {
        if self.size == 0 {
            return 0;
        }
        (u128::from(self.reclaimable) * 100 / u128::from(self.size)) as u64
    }
}

/// Where the disk usage stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    /// The latest answer, kept while a new one is computed.
    pub usage: Option<DiskUsage>,
    pub loading: bool,
    /// Why the latest request failed (cleared by the next answer).
    pub error: Option<String>,
    /// A clean-up finished since the latest answer: ask again when nothing is running.
    pub stale: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(id: &str, size: i64, shared: i64, containers: i64) -> DfImage {
        let known = |n: i64| u64::try_from(n).ok();
        DfImage {
            id: ImageId::new(format!("sha256:{id}")),
            size: known(size),
            shared_size: known(shared),
            containers: known(containers),
        }
    }

    #[test]
    fn reclaimable_is_what_no_image_in_use_needs_on_its_own() {
        // Three images over 1,000 bytes of layers; `b` is in use and has 300 bytes of its
        // own (500 - 200 shared), so 700 could go.
        let report = DfReport {
            layers_size: 1_000,
            images: vec![
                image("a", 400, 200, 0),
                image("b", 500, 200, 2),
                image("c", 100, 0, 0),
            ],
        };
        let usage = DiskUsage::from_report(report, 42);
        assert_eq!((usage.images, usage.active), (3, 1));
        assert_eq!((usage.size, usage.reclaimable), (1_000, 700));
        assert_eq!(usage.reclaimable_percent(), 70);
        assert_eq!(usage.shared[&ImageId::new("sha256:a")], 200);
        assert_eq!(usage.at, 42);
    }

    #[test]
    fn unknown_figures_count_as_the_cli_counts_them() {
        // An image in use without a shared size needs all of it (the CLI would skip it and
        // call it reclaimable), and nothing underflows when the engine's figures disagree.
        let report = DfReport {
            layers_size: 100,
            images: vec![image("a", 500, -1, 1), image("b", 900, 0, 1)],
        };
        let usage = DiskUsage::from_report(report, 0);
        assert_eq!(usage.active, 2);
        assert_eq!(usage.reclaimable, 0);
        assert!(!usage.shared.contains_key(&ImageId::new("sha256:a")));
        assert_eq!(DiskUsage::default().reclaimable_percent(), 0);
    }

    #[test]
    fn unknown_sharing_is_podmans_arithmetic() {
        // Podman reports no sharing: reclaimable is what the unused images take, as
        // `podman system df` says.
        let report = DfReport {
            layers_size: 1_000,
            images: vec![image("a", 600, -1, 1), image("b", 400, -1, 0)],
        };
        let usage = DiskUsage::from_report(report, 0);
        assert_eq!((usage.size, usage.reclaimable), (1_000, 400));
        assert!(usage.shared.is_empty());
    }
}
