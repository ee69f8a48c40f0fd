//! Finding a local engine when nothing names one: the sockets Docker, its rootless mode,
//! Docker Desktop, Colima, OrbStack, Rancher Desktop and Podman create, tried in a fixed
//! order. The first that exists and is a socket wins.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::engine::endpoint::DEFAULT_SOCKET;

/// Which product puts a socket there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketKind {
    /// `/var/run/docker.sock`: the system engine (and where Docker Desktop and Colima can
    /// link theirs).
    Standard,
    /// `$XDG_RUNTIME_DIR/docker.sock`: Docker's rootless mode.
    Rootless,
    /// `~/.docker/run/docker.sock`.
    DockerDesktop,
    /// `$COLIMA_HOME/default/docker.sock`, else `~/.colima/default/docker.sock` (or under
    /// `$XDG_CONFIG_HOME/colima`).
    Colima,
    /// `~/.orbstack/run/docker.sock`.
    OrbStack,
    /// `~/.rd/docker.sock`.
    RancherDesktop,
    /// `$XDG_RUNTIME_DIR/podman/podman.sock`: Podman's user service.
    PodmanRootless,
    /// `/run/podman/podman.sock`: Podman's system service.
    Podman,
}

impl SocketKind {
    pub fn name(self) -> &'static str {
        match self {
            SocketKind::Standard => "standard socket",
            SocketKind::Rootless => "rootless Docker",
            SocketKind::DockerDesktop => "Docker Desktop",
            SocketKind::Colima => "Colima",
            SocketKind::OrbStack => "OrbStack",
            SocketKind::RancherDesktop => "Rancher Desktop",
            SocketKind::PodmanRootless => "Podman (rootless)",
            SocketKind::Podman => "Podman",
        }
    }
}

/// A place a socket may be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    pub kind: SocketKind,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.path.display(), self.kind.name())
    }
}

/// What discovery looks at: the variables that move the sockets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Places {
    pub home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    /// Colima's own directory setting (default `~/.colima`).
    pub colima_home: Option<PathBuf>,
}

/// Every place tried, in order. The system socket comes first, as for the docker CLI;
/// then the per-user engines (rootless, the desktop VMs), then Podman's sockets, which
/// speak the Docker API with quirks.
pub fn candidates(places: &Places) -> Vec<Candidate> {
    let mut list = Vec::new();
    let mut add = |path: PathBuf, kind| {
        let candidate = Candidate { path, kind };
        if !list.contains(&candidate) {
            list.push(candidate);
        }
    };
    add(PathBuf::from(DEFAULT_SOCKET), SocketKind::Standard);
    if let Some(run) = &places.xdg_runtime_dir {
        add(run.join("docker.sock"), SocketKind::Rootless);
    }
    if let Some(home) = &places.home {
        add(
            home.join(".docker/run/docker.sock"),
            SocketKind::DockerDesktop,
        );
    }
    if let Some(colima) = &places.colima_home {
        add(colima.join("default/docker.sock"), SocketKind::Colima);
    }
    if let Some(config) = &places.xdg_config_home {
        add(
            config.join("colima/default/docker.sock"),
            SocketKind::Colima,
        );
    }
    if let Some(home) = &places.home {
        add(home.join(".colima/default/docker.sock"), SocketKind::Colima);
        add(home.join(".orbstack/run/docker.sock"), SocketKind::OrbStack);
        add(home.join(".rd/docker.sock"), SocketKind::RancherDesktop);
    }
    if let Some(run) = &places.xdg_runtime_dir {
        add(run.join("podman/podman.sock"), SocketKind::PodmanRootless);
    }
    add(PathBuf::from("/run/podman/podman.sock"), SocketKind::Podman);
    list
}

/// The first candidate `is_socket` accepts; else every place tried.
pub fn discover(
    places: &Places,
    is_socket: &dyn Fn(&Path) -> bool,
) -> Result<Candidate, Vec<Candidate>> {
    let tried = candidates(places);
    match tried.iter().find(|c| is_socket(&c.path)) {
        Some(found) => Ok(found.clone()),
        None => Err(tried),
    }
}

/// Every candidate that is a socket now (the context picker offers them all).
pub fn present(places: &Places, is_socket: &dyn Fn(&Path) -> bool) -> Vec<Candidate> {
    candidates(places)
        .into_iter()
        .filter(|c| is_socket(&c.path))
        .collect()
}

/// The real check: the path exists and (through symlinks, which Colima and Docker Desktop
/// use) is a unix socket.
pub fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn places() -> Places {
        Places {
            home: Some("/home/u".into()),
            xdg_runtime_dir: Some("/run/user/1000".into()),
            ..Places::default()
        }
    }

    #[test]
    fn the_order_is_documented_and_fixed() {
        let paths: Vec<String> = candidates(&places())
            .iter()
            .map(|c| c.path.display().to_string())
            .collect();
        assert_eq!(
            paths,
            [
                "/var/run/docker.sock",
                "/run/user/1000/docker.sock",
                "/home/u/.docker/run/docker.sock",
                "/home/u/.colima/default/docker.sock",
                "/home/u/.orbstack/run/docker.sock",
                "/home/u/.rd/docker.sock",
                "/run/user/1000/podman/podman.sock",
                "/run/podman/podman.sock",
            ]
        );
        let with_xdg = Places {
            xdg_config_home: Some("/home/u/.config".into()),
            colima_home: Some("/opt/colima".into()),
            ..places()
        };
        let colima: Vec<PathBuf> = candidates(&with_xdg)
            .into_iter()
            .filter(|c| c.kind == SocketKind::Colima)
            .map(|c| c.path)
            .collect();
        assert_eq!(
            colima,
            [
                PathBuf::from("/opt/colima/default/docker.sock"),
                PathBuf::from("/home/u/.config/colima/default/docker.sock"),
                PathBuf::from("/home/u/.colima/default/docker.sock"),
            ]
        );
        // Without HOME and XDG_RUNTIME_DIR only the system-wide places remain.
        assert_eq!(candidates(&Places::default()).len(), 2);
    }

    #[test]
    fn the_first_socket_present_wins() {
        let only = |wanted: &'static [&'static str]| {
            move |p: &Path| wanted.iter().any(|w| Path::new(w) == p)
        };
        let found = discover(
            &places(),
            &only(&["/run/podman/podman.sock", "/home/u/.docker/run/docker.sock"]),
        )
        .unwrap();
        assert_eq!(found.kind, SocketKind::DockerDesktop);
        let found = discover(&places(), &only(&["/run/user/1000/docker.sock"])).unwrap();
        assert_eq!(found.kind, SocketKind::Rootless);
        let found = discover(&places(), &only(&["/run/user/1000/podman/podman.sock"])).unwrap();
        assert_eq!(found.kind, SocketKind::PodmanRootless);
        let tried = discover(&places(), &|_| false).unwrap_err();
        assert_eq!(tried.len(), 8);
        let present = present(
            &places(),
            &only(&["/run/podman/podman.sock", "/var/run/docker.sock"]),
        );
        assert_eq!(
            present.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [SocketKind::Standard, SocketKind::Podman]
        );
    }

    #[test]
    fn only_a_socket_counts() {
        let dir = std::env::temp_dir().join(format!("imgtui-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("docker.sock");
        std::fs::write(&file, "").unwrap();
        assert!(!is_socket(&file), "a plain file is not an engine");
        assert!(!is_socket(&dir.join("missing.sock")));
        let socket = dir.join("real.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
        assert!(is_socket(&socket));
        let link = dir.join("link.sock");
        std::os::unix::fs::symlink(&socket, &link).unwrap();
        assert!(is_socket(&link), "a symlink to a socket counts");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
