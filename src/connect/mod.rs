//! Choosing the engine: the docker CLI's context store (`store`), local sockets
//! (`discover`), and the precedence between flags, variables and contexts (`resolve`).
//! Also what the engine picker offers and how its choice is resolved.

pub mod discover;
pub mod resolve;
pub mod store;

use std::path::Path;

use crate::core::picker::{ChoiceTarget, EngineChoice};
use discover::Candidate;
use resolve::{ContextFrom, Environment, LocateError, Located, Source};
use store::DEFAULT_CONTEXT;

/// The picker's rows: the `default` context, every context in the store (broken ones with
/// their problem), then every local socket found; the one `current` names is marked.
pub fn choices(
    env: &Environment,
    current: &Located,
    is_socket: &dyn Fn(&Path) -> bool,
) -> Vec<EngineChoice> {
    let mut list = Vec::new();
    // Picking it with nothing there would only say so: say it in the list instead.
    let (default_host, problem) = match resolve::default_context(env, is_socket) {
        Ok(located) => (located.endpoint.to_string(), None),
        Err(_) => (
            String::new(),
            Some("no DOCKER_HOST, and no local socket found".to_string()),
        ),
    };
    list.push(EngineChoice {
        name: DEFAULT_CONTEXT.into(),
        host: default_host,
        description: "DOCKER_HOST, else the first local socket found".into(),
        target: ChoiceTarget::Context(DEFAULT_CONTEXT.into()),
        current: false,
        problem,
    });
    if let Some(store) = env.store() {
        let (contexts, broken) = store.list();
        for context in contexts.into_iter().filter(|c| c.name != DEFAULT_CONTEXT) {
            let (host, problem) = match context.endpoint() {
                Ok(endpoint) => (endpoint.to_string(), None),
                Err(why) => (context.host.clone().unwrap_or_default(), Some(why)),
            };
            list.push(EngineChoice {
                host,
                description: context.description,
                target: ChoiceTarget::Context(context.name.clone()),
                name: context.name,
                current: false,
                problem,
            });
        }
        for error in broken {
            let dir = error.path.parent().unwrap_or(&error.path);
            list.push(EngineChoice {
                name: dir
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                host: String::new(),
                description: String::new(),
                target: ChoiceTarget::Context(String::new()),
                current: false,
                problem: Some(error.to_string()),
            });
        }
    }
    for candidate in discover::present(&env.places, is_socket) {
        list.push(EngineChoice {
            name: candidate.kind.name().into(),
            host: format!("unix://{}", candidate.path.display()),
            description: "a local socket".into(),
            target: ChoiceTarget::Socket(candidate.path.display().to_string()),
            current: false,
            problem: None,
        });
    }
    mark_current(&mut list, current);
    list
}

/// The entry that names the current engine the way it was found, else the first with its
/// address.
fn mark_current(list: &mut [EngineChoice], current: &Located) {
    let wanted = match &current.source {
        Source::Context { name, .. } => Some(ChoiceTarget::Context(name.clone())),
        Source::Found(candidate) => {
            Some(ChoiceTarget::Socket(candidate.path.display().to_string()))
        }
        Source::DockerHost => Some(ChoiceTarget::Context(DEFAULT_CONTEXT.into())),
        Source::HostFlag => None,
    };
    let host = current.endpoint.to_string();
    let index = list
        .iter()
        .position(|c| Some(&c.target) == wanted.as_ref() && c.problem.is_none())
        .or_else(|| list.iter().position(|c| c.host == host));
    if let Some(index) = index {
        list[index].current = true;
    }
}

/// Where a picked entry points.
pub fn resolve_choice(
    env: &Environment,
    target: &ChoiceTarget,
    is_socket: &dyn Fn(&Path) -> bool,
) -> Result<Located, LocateError> {
    match target {
        ChoiceTarget::Context(name) if name == DEFAULT_CONTEXT => {
            resolve::default_context(env, is_socket)
        }
        ChoiceTarget::Context(name) => resolve::context(env, name, ContextFrom::Picker),
        ChoiceTarget::Socket(path) => {
            let candidate = discover::candidates(&env.places)
                .into_iter()
                .find(|c| c.path.as_os_str() == path.as_str())
                .unwrap_or_else(|| Candidate {
                    path: path.into(),
                    kind: discover::SocketKind::Standard,
                });
            Ok(resolve::socket(candidate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::discover::Places;
    use crate::connect::store::tests::{temp_store, write_context, write_meta};
    use crate::engine::endpoint::Endpoint;

    #[test]
    fn the_picker_offers_contexts_then_sockets_and_marks_the_current_one() {
        let store = temp_store("choices");
        write_context(&store, "old", "unix:///old.sock", "Docker 20.10");
        write_context(&store, "new", "unix:///new.sock", "");
        write_meta(&store, "broken", "{");
        let env = Environment {
            docker_config: Some(store.dir().display().to_string()),
            places: Places {
                home: None,
                xdg_runtime_dir: Some("/run/user/9".into()),
                ..Places::default()
            },
            ..Environment::default()
        };
        let is_socket = |p: &Path| p == Path::new("/run/user/9/docker.sock");
        let current = resolve::context(&env, "old", ContextFrom::Env).unwrap();
        let list = choices(&env, &current, &is_socket);
        let rows: Vec<(&str, &str, bool, bool)> = list
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.host.as_str(),
                    c.current,
                    c.problem.is_some(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("default", "unix:///run/user/9/docker.sock", false, false),
                ("new", "unix:///new.sock", false, false),
                ("old", "unix:///old.sock", true, false),
                (digest_of("broken"), "", false, true),
                (
                    "rootless Docker",
                    "unix:///run/user/9/docker.sock",
                    false,
                    false
                ),
            ]
        );
        assert_eq!(list[2].description, "Docker 20.10");

        // Found by discovery: the socket's own entry is the current one, not `default`.
        let found = resolve::locate(&env_without_config(&env), &is_socket).unwrap();
        let list = choices(&env, &found, &is_socket);
        assert!(list[4].current && !list[0].current);

        let picked = resolve_choice(&env, &list[1].target, &is_socket).unwrap();
        assert_eq!(picked.endpoint, Endpoint::Unix("/new.sock".into()));
        assert_eq!(picked.source.to_string(), "context new (from the picker)");
        let picked = resolve_choice(&env, &list[4].target, &is_socket).unwrap();
        assert_eq!(picked.source.label(), "rootless Docker");
        let picked = resolve_choice(&env, &list[0].target, &is_socket).unwrap();
        assert_eq!(picked.source.label(), "rootless Docker");

        // With no socket anywhere, `default` says so instead of offering nothing.
        let list = choices(&env, &current, &|_| false);
        assert_eq!(list[0].host, "");
        assert_eq!(
            list[0].problem.as_deref(),
            Some("no DOCKER_HOST, and no local socket found")
        );
        assert_eq!(list.len(), 4, "default, two contexts, the broken one");
    }

    fn digest_of(name: &str) -> &'static str {
        Box::leak(store::digest_dir(name).into_boxed_str())
    }

    fn env_without_config(env: &Environment) -> Environment {
        Environment {
            docker_config: Some("/nonexistent-imgtui-config".into()),
            ..env.clone()
        }
    }
}
