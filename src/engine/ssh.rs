//! `ssh://` engines, the docker CLI's way: each connection is one `ssh … docker system
//! dial-stdio`, whose stdin and stdout carry the HTTP. The remote needs only the docker CLI;
//! the user's own ssh set-up (keys, agent, `~/.ssh/config`) applies. What ssh says on
//! stderr becomes the error when it fails.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Stdio;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::task::JoinHandle;

use super::endpoint::{Endpoint, SshTarget, Stream};
use super::error::{Carried, EngineError};

/// How long ssh may take to reach the host (the docker CLI's value).
const CONNECT_TIMEOUT_SECS: u32 = 30;
/// The most of ssh's stderr kept for the message.
const STDERR_LIMIT: usize = 16 * 1024;

/// How long a multiplexing master outlives its last connection.
const CONTROL_PERSIST_SECS: u32 = 60;

/// The arguments after `ssh`, as the docker CLI's connection helper builds them, plus
/// `BatchMode=yes`: imgtui owns the terminal (raw mode, the alternate screen), so ssh must
/// fail with a reason instead of asking for a password, a passphrase or whether to trust
/// an unknown host key (it would ask on /dev/tty, over the TUI).
///
/// With `control_dir`, connections share one ssh session (`ControlMaster`): imgtui opens
/// a connection per request, and a full ssh login costs ~1 s each where the docker CLI
/// keeps one; a multiplexed one costs only the remote command's start. The master stays
/// for `CONTROL_PERSIST_SECS` after the last connection, then ends by itself.
pub fn command_args(target: &SshTarget, control_dir: Option<&Path>) -> Vec<String> {
    let mut args = vec![
        "-o".to_string(),
        format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"),
        "-o".into(),
        "BatchMode=yes".into(),
        // No pseudo-terminal: the channel carries bytes, not a session.
        "-T".into(),
    ];
    if let Some(dir) = control_dir {
        args.extend([
            "-o".into(),
            "ControlMaster=auto".into(),
            "-o".into(),
            format!("ControlPath={}/%C", dir.display()),
            "-o".into(),
            format!("ControlPersist={CONTROL_PERSIST_SECS}"),
        ]);
    }
    if let Some(user) = &target.user {
        args.extend(["-l".into(), user.clone()]);
    }
    if let Some(port) = target.port {
        args.extend(["-p".into(), port.to_string()]);
    }
    // `--`: nothing after it is read as an ssh option, whatever the host is called.
    args.extend(["--".into(), target.host.clone(), "docker".into()]);
    if let Some(path) = &target.path {
        args.extend(["--host".into(), format!("unix://{path}")]);
    }
    args.extend(["system".into(), "dial-stdio".into()]);
    args
}

/// Starts ssh for one connection. It lives as long as the stream (and is killed with it).
pub fn connect(
    endpoint: &Endpoint,
    target: &SshTarget,
) -> Result<Pin<Box<dyn Stream>>, EngineError> {
    // "ssh to me@host:2222 failed: …" reads better without the scheme.
    let host = endpoint
        .to_string()
        .trim_start_matches("ssh://")
        .to_string();
    let mut child = Command::new("ssh")
        .args(command_args(target, control_dir().as_deref()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| EngineError::Ssh {
            host: host.clone(),
            why: match err.kind() {
                io::ErrorKind::NotFound => {
                    "there is no ssh command (install the OpenSSH client)".into()
                }
                _ => format!("cannot start ssh: {err}"),
            },
        })?;
    let (Some(stdin), Some(stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        unreachable!("all three were asked to be piped")
    };
    let said = tokio::spawn(async move {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            if kept.len() < STDERR_LIMIT {
                kept.extend_from_slice(&chunk[..n.min(STDERR_LIMIT - kept.len())]);
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    });
    Ok(Box::pin(SshStream {
        _child: child,
        stdin,
        stdout,
        said: Some(said),
        failure: None,
        host,
        received: false,
    }))
}

/// A private directory (mode 0700) for the multiplexing sockets: `$XDG_RUNTIME_DIR/imgtui/ssh`,
/// else `~/.cache/imgtui/ssh`. `None` (no multiplexing) when it cannot be made, or when its
/// path would not fit a socket name (ssh then refuses) or would need quoting in `-o`.
fn control_dir() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let dir = crate::dirs::user_dir("XDG_RUNTIME_DIR", ".cache")?.join("ssh");
    let text = dir.to_str()?;
    // %C is 40 characters; a socket path has at most 107 bytes (and ssh adds a suffix
    // while it sets the socket up).
    if text.len() > 40 || text.contains(|c: char| c.is_whitespace() || c == '%' || c == '"') {
        return None;
    }
    std::fs::create_dir_all(&dir).ok()?;
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    Some(dir)
}

/// What ssh (or the remote shell) said, in one line: its last few lines, without the
/// notices it prints on success too, and a hint for the two failures BatchMode brings.
pub fn summary(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect();
    let mut text = lines[lines.len().saturating_sub(3)..].join(" ");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() > 300 {
        text = text.chars().take(300).collect::<String>() + "…";
    }
    if text.contains("Host key verification failed") {
        text.push_str(" (imgtui does not ask: connect once with ssh to accept the host's key)");
    } else if text.contains("Permission denied") {
        text.push_str(
            " (imgtui does not ask for passwords or passphrases: use a key in ssh-agent or \
             one without a passphrase)",
        );
    }
    Some(text)
}

/// ssh's stdin and stdout as one byte stream. When ssh ends before sending anything, the
/// read (or write) fails with what it said on stderr.
struct SshStream {
    /// Held for `kill_on_drop`: the process ends with the connection.
    _child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
    /// The stderr reader; it finishes when ssh exits.
    said: Option<JoinHandle<String>>,
    /// ssh's explanation, once known: returned for every later read and write.
    failure: Option<String>,
    host: String,
    /// Whether any byte came back (then an end is the connection's normal end).
    received: bool,
}

impl SshStream {
    /// Waits for ssh's stderr to close (it has exited) and returns its explanation, if it
    /// gave one and the connection never carried an answer.
    fn poll_failure(&mut self, cx: &mut Context<'_>) -> Poll<Option<io::Error>> {
        // After an answer, an end is the connection's own (and a multiplexing master that
        // ssh left running may hold stderr open for a while).
        if self.received {
            return Poll::Ready(None);
        }
        if let Some(said) = &mut self.said {
            let text = ready!(Pin::new(said).poll(cx)).unwrap_or_default();
            self.said = None;
            if !self.received {
                self.failure = summary(&text);
            }
        }
        Poll::Ready(self.failure.as_ref().map(|why| {
            Carried::into_io(EngineError::Ssh {
                host: self.host.clone(),
                why: why.clone(),
            })
        }))
    }
}

impl AsyncRead for SshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = ready!(Pin::new(&mut self.stdout).poll_read(cx, buf));
        match result {
            Ok(()) if buf.filled().len() > before => {
                self.received = true;
                Poll::Ready(Ok(()))
            }
            // The end (or a broken pipe): ssh has said why, if it failed.
            end => match ready!(self.poll_failure(cx)) {
                Some(failure) => Poll::Ready(Err(failure)),
                None => Poll::Ready(end),
            },
        }
    }
}

impl AsyncWrite for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match ready!(Pin::new(&mut self.stdin).poll_write(cx, data)) {
            Ok(n) => Poll::Ready(Ok(n)),
            Err(err) => match ready!(self.poll_failure(cx)) {
                Some(failure) => Poll::Ready(Err(failure)),
                None => Poll::Ready(Err(err)),
            },
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(user: Option<&str>, host: &str, port: Option<u16>, path: Option<&str>) -> SshTarget {
        SshTarget {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
            path: path.map(str::to_string),
        }
    }

    #[test]
    fn the_command_line_is_the_docker_clis_plus_batch_mode() {
        let root = target(Some("root"), "10.0.0.5", Some(2222), None);
        assert_eq!(
            command_args(&root, None).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -T -l root -p 2222 -- 10.0.0.5 docker \
             system dial-stdio"
        );
        let socket = target(None, "::1", None, Some("/run/user/1000/docker.sock"));
        let control = Path::new("/run/user/0/imgtui/ssh");
        assert_eq!(
            command_args(&socket, Some(control)).join(" "),
            "-o ConnectTimeout=30 -o BatchMode=yes -T -o ControlMaster=auto -o \
             ControlPath=/run/user/0/imgtui/ssh/%C -o ControlPersist=60 -- ::1 docker --host \
             unix:///run/user/1000/docker.sock system dial-stdio"
        );
    }

    #[test]
    fn ssh_failures_are_summed_up_in_one_line() {
        assert_eq!(summary(""), None);
        assert_eq!(
            summary(
                "Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.\r\n"
            ),
            None
        );
        let denied = summary(
            "Warning: Permanently added 'h' (ED25519) to the list of known hosts.\n\
             root@127.0.0.1: Permission denied (publickey).\n",
        )
        .unwrap();
        assert!(
            denied
                .starts_with("root@127.0.0.1: Permission denied (publickey). (imgtui does not ask"),
            "{denied}"
        );
        assert_eq!(
            summary("bash: line 1: docker: command not found\n").unwrap(),
            "bash: line 1: docker: command not found"
        );
        let long = summary(&"x".repeat(1000)).unwrap();
        assert_eq!(long.chars().count(), 301);
    }
}
