//! Image references: `[registry[:port]/]path[:tag][@digest]`.
//!
//! The tag separator is the last `:` after the last `/`, so `localhost:5000/team/app:1.2`
//! is repository `localhost:5000/team/app`, tag `1.2` (peers that split on the first `:`
//! get this wrong).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

pub fn parse(reference: &str) -> Reference<'_> {
    let (name, digest) = match reference.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (reference, None),
    };
    let after_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[after_slash..].rfind(':') {
        Some(i) => (&name[..after_slash + i], Some(&name[after_slash + i + 1..])),
        None => (name, None),
    };
    Reference {
        repository,
        tag,
        digest,
    }
}

/// The placeholders old engines put in `RepoTags`/`RepoDigests` of dangling images.
pub fn is_placeholder(reference: &str) -> bool {
    matches!(reference, "<none>:<none>" | "<none>@<none>" | "<none>" | "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_port_is_not_a_tag() {
        let r = parse("localhost:5000/team/app:1.2");
        assert_eq!(r.repository, "localhost:5000/team/app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, None);
        let r = parse("localhost:5000/team/app");
        assert_eq!(r.repository, "localhost:5000/team/app");
        assert_eq!(r.tag, None);
    }

    #[test]
    fn plain_and_digest_references() {
        assert_eq!(parse("busybox:latest").tag, Some("latest"));
        assert_eq!(parse("busybox").tag, None);
        let r = parse("seed/app@sha256:abc");
        assert_eq!(r.repository, "seed/app");
        assert_eq!(r.tag, None);
        assert_eq!(r.digest, Some("sha256:abc"));
        let r = parse("seed/app:1@sha256:abc");
        assert_eq!(r.tag, Some("1"));
        assert_eq!(r.digest, Some("sha256:abc"));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for s in [
            "",
            ":",
            "/",
            "a:",
            ":b",
            "a/:",
            "@",
            "a@",
            "🦀:é/ü:ß",
            "a//b:c",
        ] {
            let r = parse(s);
            assert!(r.repository.len() <= s.len());
        }
        assert_eq!(parse("a:").tag, Some(""));
    }

    #[test]
    fn placeholders() {
        assert!(is_placeholder("<none>:<none>"));
        assert!(is_placeholder("<none>@<none>"));
        assert!(!is_placeholder("none:none"));
    }
}
