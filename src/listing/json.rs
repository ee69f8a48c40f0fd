//! `imgtui list --format json`: each image as the engine's `ImageSummary` object, with the
//! engine's field names, so scripts written against `GET /images/json` read it unchanged.
//! Two differences, both on purpose: `RepoTags` and `RepoDigests` are always lists, without
//! the `<none>:<none>` / `<none>@<none>` placeholders old engines send (a dangling image has
//! `[]`, as Docker 28 reports it); and `Containers` is imgtui's own count from the container
//! list (old engines report -1).

use serde_json::{Map, Value, json};

use crate::core::image::{Descriptor, Image, Manifest, ManifestKind, Platform};

/// -1 is how the engine says "not computed".
fn count(n: Option<u64>) -> Value {
    n.map_or(json!(-1), |n| json!(n))
}

fn pairs(pairs: &[(String, String)]) -> Value {
    Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn platform(p: &Platform) -> Value {
    let mut out = Map::new();
    out.insert("architecture".into(), json!(p.architecture));
    out.insert("os".into(), json!(p.os));
    if let Some(variant) = &p.variant {
        out.insert("variant".into(), json!(variant));
    }
    Value::Object(out)
}

fn descriptor(d: &Descriptor) -> Value {
    let mut out = Map::new();
    out.insert("mediaType".into(), json!(d.media_type));
    out.insert("digest".into(), json!(d.digest));
    out.insert("size".into(), json!(d.size));
    if let Some(p) = &d.platform {
        out.insert("platform".into(), platform(p));
    }
    if !d.annotations.is_empty() {
        out.insert("annotations".into(), pairs(&d.annotations));
    }
    Value::Object(out)
}

fn manifest(m: &Manifest) -> Value {
    let kind = match &m.kind {
        ManifestKind::Image => "image",
        ManifestKind::Attestation => "attestation",
        ManifestKind::Other(other) => other.as_str(),
    };
    let mut out = Map::new();
    out.insert("ID".into(), json!(m.id));
    out.insert("Descriptor".into(), descriptor(&m.descriptor));
    out.insert("Available".into(), json!(m.available));
    out.insert(
        "Size".into(),
        json!({"Total": m.total_size, "Content": m.content_size}),
    );
    out.insert("Kind".into(), json!(kind));
    if m.kind == ManifestKind::Image {
        let mut data = Map::new();
        if let Some(p) = &m.platform {
            data.insert("Platform".into(), platform(p));
        }
        if let Some(unpacked) = m.unpacked_size {
            data.insert("Size".into(), json!({ "Unpacked": unpacked }));
        }
        out.insert("ImageData".into(), Value::Object(data));
    }
    if let Some(attests) = &m.attests {
        out.insert("AttestationData".into(), json!({ "For": attests }));
    }
    Value::Object(out)
}

/// One image; `containers` is the count imgtui shows (`None`: unknown).
pub fn image(image: &Image, containers: Option<u64>) -> Value {
    let mut out = Map::new();
    out.insert("Id".into(), json!(image.id.as_str()));
    out.insert(
        "ParentId".into(),
        json!(image.parent_id.as_ref().map_or("", |p| p.as_str())),
    );
    out.insert("RepoTags".into(), json!(image.repo_tags));
    out.insert("RepoDigests".into(), json!(image.repo_digests));
    // Go's zero time, as the engine itself sends it for an image without a date.
    out.insert(
        "Created".into(),
        json!(image.created.unwrap_or(-62_135_596_800)),
    );
    out.insert("Size".into(), json!(image.size));
    out.insert("SharedSize".into(), count(image.shared_size));
    if let Some(virtual_size) = image.virtual_size {
        out.insert("VirtualSize".into(), json!(virtual_size));
    }
    out.insert("Labels".into(), pairs(&image.labels));
    out.insert("Containers".into(), count(containers));
    if !image.manifests.is_empty() {
        out.insert(
            "Manifests".into(),
            Value::Array(image.manifests.iter().map(manifest).collect()),
        );
    }
    if let Some(d) = &image.descriptor {
        out.insert("Descriptor".into(), descriptor(d));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::wire::parse_image_list;

    /// What the engine sent, parsed and written back, is what the engine sent (apart from
    /// the documented differences).
    #[test]
    fn a_docker_28_summary_round_trips() {
        let sent = include_str!("../../tests/fixtures/new-images.json");
        let images = parse_image_list(sent.as_bytes()).unwrap();
        let raw: Vec<Value> = serde_json::from_str(sent).unwrap();
        assert_eq!(images.len(), raw.len());
        let mut with_manifests = 0;
        for (image, raw) in images.iter().zip(&raw) {
            let written = super::image(image, raw["Containers"].as_u64());
            for field in [
                "Id",
                "ParentId",
                "RepoDigests",
                "Created",
                "Size",
                "SharedSize",
                "Labels",
                "Descriptor",
            ] {
                let expected = match &raw[field] {
                    Value::Null if field == "Labels" => json!({}),
                    other => other.clone(),
                };
                assert_eq!(written[field], expected, "{field} of {}", image.id);
            }
            if raw["Manifests"].as_array().is_some_and(|m| !m.is_empty()) {
                with_manifests += 1;
                // The per-manifest container ids are only filled in on request; imgtui
                // never asks for them.
                let mut expected = raw["Manifests"].clone();
                for m in expected.as_array_mut().unwrap() {
                    if let Some(data) = m.get_mut("ImageData").and_then(Value::as_object_mut) {
                        data.remove("Containers");
                    }
                }
                assert_eq!(written["Manifests"], expected, "{}", image.id);
            }
        }
        assert!(with_manifests > 0, "the fixture has manifests to compare");
    }
}
