//! A misbehaving engine on a unix socket, for faults a real engine will not produce: it
//! answers `/_ping`, `/version` and `/containers/json` like Docker 28 and every other path
//! as the test says (truncated, huge, endless, silent, an error status…). One thread per
//! connection, one request per connection (imgtui opens one per request).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What the fake answers to a request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// 200 with this JSON.
    Json(String),
    /// This status and body.
    Status(u16, String),
    /// 200 with these exact bytes as the body.
    Bytes(Vec<u8>),
    /// Announces `claimed` bytes, sends `body`, then closes the connection.
    Truncated { body: Vec<u8>, claimed: usize },
    /// 200, then `total` bytes of `[` followed by spaces, in 1 MiB chunks.
    Huge { total: usize },
    /// 200 with a chunked body that sends one space every 100 ms, forever.
    Trickle,
    /// Accepts the request and never answers.
    Silent,
}

pub struct FakeEngine {
    pub host: String,
    dir: PathBuf,
}

impl FakeEngine {
    /// Starts the fake; `route` decides the answer for each path other than `/_ping`,
    /// `/version` and `/containers/json` (e.g. `/v1.51/images/json?manifests=1`).
    pub fn start(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> FakeEngine {
        FakeEngine::start_as(VERSION, route)
    }

    /// `start`, answering `/version` with `version` (another engine's `GET /version`).
    pub fn start_as(
        version: &'static str,
        route: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> FakeEngine {
        FakeEngine::launch(version, true, route)
    }

    /// `start`, leaving `/_ping` to `route` too (an engine or proxy that does not answer it
    /// as Docker does).
    pub fn start_without_ping(route: impl Fn(&str) -> Reply + Send + Sync + 'static) -> FakeEngine {
        FakeEngine::launch(VERSION, false, route)
    }

    fn launch(
        version: &'static str,
        ping: bool,
        route: impl Fn(&str) -> Reply + Send + Sync + 'static,
    ) -> FakeEngine {
        let dir = std::env::temp_dir().join(super::unique("imgtui-fake"));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = dir.join("docker.sock");
        let listener = UnixListener::bind(&socket).unwrap();
        let route = Arc::new(route);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let route = route.clone();
                std::thread::spawn(move || serve(stream, version, ping, &*route));
            }
        });
        FakeEngine {
            host: format!("unix://{}", socket.display()),
            dir,
        }
    }
}

impl Drop for FakeEngine {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const VERSION: &str = r#"{"Version":"28.5.2-fake","ApiVersion":"1.51","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64","Components":[{"Name":"Engine","Version":"28.5.2-fake"}]}"#;

fn serve(stream: UnixStream, version: &str, ping: bool, route: &dyn Fn(&str) -> Reply) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers; requests have no body worth reading here.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
    let reply = if ping && path.ends_with("/_ping") {
        return pong(stream, version);
    } else if path.ends_with("/version") {
        Reply::Json(version.into())
    } else if path.contains("/containers/json") {
        Reply::Json("[]".into())
    } else if path.contains("/events") {
        Reply::Trickle
    } else {
        route(&path)
    };
    let _ = answer(stream, reply);
}

/// `/_ping` as Docker answers it: the API version of `version` in a header.
fn pong(mut out: UnixStream, version: &str) {
    let version: serde_json::Value = serde_json::from_str(version).unwrap();
    let api = version["ApiVersion"].as_str().unwrap_or_default();
    let _ = write!(
        out,
        "HTTP/1.1 200 OK\r\nApi-Version: {api}\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nOK"
    );
}

fn answer(mut out: UnixStream, reply: Reply) -> std::io::Result<()> {
    let head = |status: u16, length: Option<usize>| {
        let length = match length {
            Some(n) => format!("Content-Length: {n}\r\n"),
            None => "Transfer-Encoding: chunked\r\n".to_string(),
        };
        format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n{length}Connection: close\r\n\r\n"
        )
    };
    match reply {
        Reply::Json(body) => {
            out.write_all(head(200, Some(body.len())).as_bytes())?;
            out.write_all(body.as_bytes())
        }
        Reply::Status(status, body) => {
            out.write_all(head(status, Some(body.len())).as_bytes())?;
            out.write_all(body.as_bytes())
        }
        Reply::Bytes(body) => {
            out.write_all(head(200, Some(body.len())).as_bytes())?;
            out.write_all(&body)
        }
        Reply::Truncated { body, claimed } => {
            out.write_all(head(200, Some(claimed)).as_bytes())?;
            out.write_all(&body)
        }
        Reply::Huge { total } => {
            out.write_all(head(200, Some(total)).as_bytes())?;
            let chunk = vec![b' '; 1 << 20];
            out.write_all(b"[")?;
            let mut sent = 1;
            while sent < total {
                let n = chunk.len().min(total - sent);
                out.write_all(&chunk[..n])?;
                sent += n;
            }
            Ok(())
        }
        Reply::Trickle => {
            out.write_all(head(200, None).as_bytes())?;
            loop {
                out.write_all(b"1\r\n \r\n")?;
                out.flush()?;
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Reply::Silent => {
            std::thread::sleep(Duration::from_secs(3600));
            Ok(())
        }
    }
}
