//! Remote engines with the real binary: TLS (certificates made here, a private Docker 20.10
//! listening on 127.0.0.1 with `--tlsverify`) and ssh (a private sshd on 127.0.0.1 whose
//! only command is `docker system dial-stdio` to a private engine). Each test starts what it
//! needs through `scripts/test-engine.sh` and stops it at the end, also when it fails.
//! Under `scripts/with-engines.sh` (`IMGTUI_REQUIRE_ENGINES=1`) they always run; elsewhere
//! they run when the engines (and sshd) are installed and we are root, else they say why
//! they skip.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa, KeyPair,
};
use support::{TestEngine, Tui, import_image, private_dir};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/test-engine.sh");

/// `scripts/test-engine.sh ARGS` with `env`; its stdout, or panics with its stderr.
fn test_engine(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new("bash")
        .arg(SCRIPT)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "test-engine.sh {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// The engine kinds this test can start on its own ("old" = Docker 20.10, "new" = Docker
/// 28), with a private sshd too when `sshd`; none (and why) when it cannot run here.
fn kinds(what: &str, sshd: bool) -> Vec<&'static str> {
    if std::env::var("IMGTUI_REQUIRE_ENGINES").is_ok_and(|v| v == "1") {
        return vec!["old", "new"];
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    let home = std::env::var("IMGTUI_ENGINE_HOME").map_or_else(
        |_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/imgtui-engines"),
        PathBuf::from,
    );
    let sshd_there = home.join("sshd-root/usr/sbin/sshd").exists();
    let mut kinds = Vec::new();
    if root && (!sshd || sshd_there) {
        if Path::new("/usr/sbin/dockerd").exists() {
            kinds.push("old");
        }
        if home.join("new-root/usr/sbin/dockerd").exists() {
            kinds.push("new");
        }
    }
    if kinds.is_empty() {
        eprintln!(
            "skipping the {what} test: it needs root and the test engines{} \
             (scripts/test-engine.sh install all), or IMGTUI_REQUIRE_ENGINES=1",
            if sshd { " and the private sshd" } else { "" },
        );
    }
    kinds
}

/// A private engine, stopped when dropped (also when the test fails).
struct PrivateEngine {
    name: &'static str,
    engine: TestEngine,
}

impl PrivateEngine {
    fn start(name: &'static str, kind: &str, extra_args: &str) -> PrivateEngine {
        let host = test_engine(
            &["start", name, kind],
            &[("IMGTUI_ENGINE_EXTRA_ARGS", extra_args)],
        );
        PrivateEngine {
            name,
            engine: TestEngine { name, host },
        }
    }
}

impl Drop for PrivateEngine {
    fn drop(&mut self) {
        // A failed test shows what the engine logged (the log goes with the engine).
        if std::thread::panicking() {
            let run = std::env::var("IMGTUI_ENGINE_RUN").unwrap_or("/tmp/imgtui-eng".into());
            let log = PathBuf::from(format!("{run}/{}/dockerd.log", self.name));
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(30).collect();
            eprintln!("last lines of {}:", log.display());
            for line in tail.iter().rev() {
                eprintln!("  {line}");
            }
        }
        let _ = Command::new("bash")
            .arg(SCRIPT)
            .args(["stop", self.name])
            .output();
    }
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `imgtui ARGS` with `env` and nothing from the developer's environment: no DOCKER_*,
/// empty config and cache, and a private ssh control directory.
fn imgtui(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_imgtui"));
    command.args(args);
    for var in [
        "DOCKER_HOST",
        "DOCKER_TLS_VERIFY",
        "DOCKER_TLS",
        "DOCKER_CERT_PATH",
        "DOCKER_CONTEXT",
    ] {
        command.env_remove(var);
    }
    let runtime = short_private_dir();
    let output = command
        .env("XDG_CONFIG_HOME", private_dir("remote-config"))
        .env("XDG_CACHE_HOME", private_dir("remote-cache"))
        .env("XDG_RUNTIME_DIR", &runtime)
        .envs(env.iter().copied())
        .output()
        .expect("imgtui runs");
    let _ = std::fs::remove_dir_all(&runtime);
    output
}

/// A private directory with a short path (ssh control sockets must fit 107 bytes).
fn short_private_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = PathBuf::from(format!("/tmp/imgtui-r{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `imgtui list --format json` must succeed; its output.
fn lists(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut all = vec!["list", "--format", "json"];
    all.extend_from_slice(args);
    let out = imgtui(&all, env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "imgtui {all:?} {env:?} failed: {stderr}"
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `imgtui list` must fail with exit code 1 and a message containing `words`; the message.
fn fails(args: &[&str], env: &[(&str, &str)], words: &str) -> String {
    let mut all = vec!["list"];
    all.extend_from_slice(args);
    let out = imgtui(&all, env);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "imgtui {all:?} {env:?}: {stderr}"
    );
    assert!(
        stderr.contains(words),
        "imgtui {all:?} {env:?} should say {words:?}, said: {stderr}"
    );
    // One plain line, not a debug dump.
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains("Custom {") && !stderr.contains("kind:"),
        "{stderr}"
    );
    stderr
}

// ------------------------------------------------------------------------------ TLS

/// A certificate authority made for the test.
fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

/// A certificate for `names` (DNS names or IP addresses) signed by `ca`, written as
/// `dir/cert.pem` and `dir/key.pem`, with `ca`'s certificate as `dir/ca.pem`.
fn issue(
    dir: &Path,
    ca: &CertifiedIssuer<'static, KeyPair>,
    trusted: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) {
    std::fs::create_dir_all(dir).unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, ca).unwrap();
    std::fs::write(dir.join("cert.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).unwrap();
    std::fs::write(dir.join("ca.pem"), trusted.pem()).unwrap();
}

/// The TLS material of one test run: the engine's and the clients' in several variants.
struct Material {
    server: PathBuf,
    /// ca.pem, cert.pem, key.pem all right.
    good: PathBuf,
    /// Another CA's ca.pem (the engine is not recognised), a good client certificate.
    wrong_ca: PathBuf,
    /// The right ca.pem and no client certificate.
    no_cert: PathBuf,
    /// The right ca.pem and a client certificate from another CA.
    foreign_cert: PathBuf,
}

fn material(root: &Path) -> Material {
    let ca = authority("imgtui test CA");
    let other = authority("imgtui other CA");
    let m = Material {
        server: root.join("server"),
        good: root.join("good"),
        wrong_ca: root.join("wrong-ca"),
        no_cert: root.join("no-cert"),
        foreign_cert: root.join("foreign-cert"),
    };
    // Docker engines' certificates commonly name IP addresses; this one names both kinds.
    let server_names = ["localhost", "127.0.0.1"];
    issue(
        &m.server,
        &ca,
        &ca,
        &server_names,
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let client = ExtendedKeyUsagePurpose::ClientAuth;
    issue(&m.good, &ca, &ca, &["client"], client.clone());
    issue(&m.wrong_ca, &ca, &other, &["client"], client.clone());
    issue(&m.foreign_cert, &other, &ca, &["client"], client);
    std::fs::create_dir_all(&m.no_cert).unwrap();
    std::fs::copy(m.good.join("ca.pem"), m.no_cert.join("ca.pem")).unwrap();
    m
}

/// A plain-HTTP listener answering like Go's HTTP server does to bytes that are not HTTP
/// (here: a TLS hello): `400 Bad Request`, then it closes.
fn plain_http_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut hello = [0u8; 1024];
            let _ = stream.read(&mut hello);
            let _ = stream.write_all(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n\
                  Connection: close\r\n\r\n400 Bad Request",
            );
        }
    });
    port
}

/// `DOCKER_HOST=tcp://…` with `DOCKER_TLS_VERIFY=1` and the certificates of `dir`, and no
/// flags: imgtui lists, the TUI shows the images and follows the engine's events; every
/// way TLS goes wrong is told in plain words with exit code 1.
#[test]
fn a_tls_engine_is_listed_and_followed_and_its_failures_are_plain() {
    for kind in kinds("TLS", false) {
        tls_on(kind);
    }
}

fn tls_on(kind: &str) {
    let root = private_dir("tls");
    let m = material(&root);
    let port = free_port();
    let server = m.server.display();
    // Also on 127.0.0.2 (loopback too), a name the engine's certificate does not hold.
    let extra = format!(
        "-H tcp://127.0.0.1:{port} -H tcp://127.0.0.2:{port} --tlsverify \
         --tlscacert {server}/ca.pem --tlscert {server}/cert.pem --tlskey {server}/key.pem"
    );
    let name = if kind == "old" {
        "rtls-old"
    } else {
        "rtls-new"
    };
    let private = PrivateEngine::start(name, kind, &extra);
    import_image(&private.engine, "imgtui-tls/one:1", "one");

    let host = format!("tcp://127.0.0.1:{port}");
    let good = m.good.to_str().unwrap();
    let verified = [
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", good),
    ];

    // The docker CLI over the same TLS: the material itself is right.
    let cli = Command::new("docker")
        .args([
            "--tlsverify",
            "-H",
            &host,
            "images",
            "--format",
            "{{.Repository}}",
        ])
        .env("DOCKER_CERT_PATH", good)
        .env("DOCKER_CONFIG", private_dir("tls-cli"))
        .output()
        .expect("the docker CLI runs");
    assert!(
        String::from_utf8_lossy(&cli.stdout).contains("imgtui-tls/one"),
        "docker over TLS: {}",
        String::from_utf8_lossy(&cli.stderr)
    );

    assert!(lists(&[], &verified).contains("imgtui-tls/one:1"));
    // By name (the certificate names localhost too) and with the flags instead of variables.
    let by_name = format!("tcp://localhost:{port}");
    let by_name_env = [
        ("DOCKER_HOST", by_name.as_str()),
        ("DOCKER_TLS_VERIFY", "1"),
        ("DOCKER_CERT_PATH", good),
    ];
    assert!(lists(&[], &by_name_env).contains("imgtui-tls/one:1"));
    let (ca, cert, key) = (
        format!("{good}/ca.pem"),
        format!("{good}/cert.pem"),
        format!("{good}/key.pem"),
    );
    let flags = [
        "--host",
        &host,
        "--tlsverify",
        "--tlscacert",
        &ca,
        "--tlscert",
        &cert,
        "--tlskey",
        &key,
    ];
    assert!(lists(&flags, &[]).contains("imgtui-tls/one:1"));
    // DOCKER_TLS without verify: encrypted, the engine not checked (so the wrong CA is no
    // obstacle), as the docker CLI does it.
    let unverified = [
        ("DOCKER_HOST", host.as_str()),
        ("DOCKER_TLS", "1"),
        ("DOCKER_CERT_PATH", m.wrong_ca.to_str().unwrap()),
    ];
    assert!(lists(&[], &unverified).contains("imgtui-tls/one:1"));

    // What goes wrong, in words that say what to fix.
    let with_dir = |dir: &Path| {
        [
            ("DOCKER_HOST", host.clone()),
            ("DOCKER_TLS_VERIFY", "1".to_string()),
            ("DOCKER_CERT_PATH", dir.to_str().unwrap().to_string()),
        ]
    };
    let env =
        |pairs: &[(&'static str, String); 3]| -> Vec<(&'static str, String)> { pairs.to_vec() };
    let run = |pairs: Vec<(&'static str, String)>, words: &str| {
        let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        fails(&[], &borrowed, words)
    };
    let wrong_ca = run(
        env(&with_dir(&m.wrong_ca)),
        "the engine's certificate is not signed by the CA in",
    );
    assert!(wrong_ca.contains(&format!("{}/ca.pem", m.wrong_ca.display())));
    run(
        env(&with_dir(&m.no_cert)),
        "the engine asks for a client certificate and none is set up",
    );
    run(
        env(&with_dir(&m.foreign_cert)),
        "the engine refused the client certificate",
    );
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    run(
        env(&with_dir(&empty)),
        &format!(
            "the CA certificate {}/ca.pem does not exist",
            empty.display()
        ),
    );
    let mut other_name = with_dir(&m.good);
    other_name[0].1 = format!("tcp://127.0.0.2:{port}");
    run(
        env(&other_name),
        "the engine's certificate is not valid for 127.0.0.2",
    );
    // Plain HTTP to the TLS port, and TLS to a plain HTTP port.
    run(
        vec![("DOCKER_HOST", host.clone())],
        "speaks TLS: set DOCKER_TLS_VERIFY=1",
    );
    let mut plain = with_dir(&m.good);
    plain[0].1 = format!("tcp://127.0.0.1:{}", plain_http_port());
    run(env(&plain), "the engine does not speak TLS on this port");

    // The TUI with no flags: the list, then an image added meanwhile (the event stream is
    // one long-lived TLS connection).
    let mut tui = Tui::start_with_env(&[], &verified, 140, 30);
    tui.wait_screen("the list over TLS", |s| s.contains("imgtui-tls/one:1"));
    import_image(&private.engine, "imgtui-tls/two:1", "two");
    tui.wait_screen("the new image, from the event stream", |s| {
        s.contains("imgtui-tls/two:1")
    });
    tui.send("q");
    assert!(tui.wait_exit());
    // And a failure on its status line, in the same words.
    let wrong: Vec<(&str, String)> = env(&with_dir(&m.wrong_ca));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut tui = Tui::start_with_env(&[], &wrong, 200, 30);
    tui.wait_screen("the TLS failure", |s| s.contains("not signed by the CA"));
    tui.send("q");
    assert!(tui.wait_exit());
    let _ = std::fs::remove_dir_all(&root);
}

// ------------------------------------------------------------------------------ ssh

/// A private sshd, stopped (with any ssh master imgtui left) when dropped.
struct PrivateSshd {
    dir: PathBuf,
    port: u16,
}

impl PrivateSshd {
    /// Its only command: `docker system dial-stdio` to `engine`.
    fn start(engine: &TestEngine) -> PrivateSshd {
        let dir = short_private_dir();
        let port = free_port();
        test_engine(
            &[
                "sshd",
                "start",
                dir.to_str().unwrap(),
                &port.to_string(),
                &dial_stdio(engine),
            ],
            &[],
        );
        PrivateSshd { dir, port }
    }

    /// Sets the one command the client key may run (sshd reads the file at each login).
    fn allow_only(&self, command: &str) {
        let key = std::fs::read_to_string(self.dir.join("client_key.pub")).unwrap();
        let line = format!(
            "command=\"{command}\",no-pty,no-port-forwarding,no-agent-forwarding {}",
            key.trim()
        );
        std::fs::write(self.dir.join("authorized_keys"), line + "\n").unwrap();
    }

    /// PATH with the wrapper that points the system's ssh at this sshd's client set-up.
    fn path(&self) -> String {
        format!(
            "{}:{}",
            self.dir.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }
}

fn dial_stdio(engine: &TestEngine) -> String {
    format!("DOCKER_HOST={} docker system dial-stdio", engine.host)
}

impl Drop for PrivateSshd {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(SCRIPT)
            .args(["sshd", "stop", self.dir.to_str().unwrap()])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `DOCKER_HOST=ssh://root@127.0.0.1:PORT` and no flags: imgtui lists through
/// `ssh … docker system dial-stdio`, the TUI shows the images and follows the events (one
/// long-lived ssh); a key the server does not take, and a remote without docker, are told
/// in ssh's own words with exit code 1.
#[test]
fn an_ssh_engine_is_listed_and_followed_and_its_failures_are_plain() {
    for kind in kinds("ssh", true) {
        ssh_on(kind);
    }
}

fn ssh_on(kind: &str) {
    let name = if kind == "old" {
        "rssh-old"
    } else {
        "rssh-new"
    };
    let private = PrivateEngine::start(name, kind, "");
    import_image(&private.engine, "imgtui-ssh/one:1", "one");
    let sshd = PrivateSshd::start(&private.engine);
    let url = format!("ssh://root@127.0.0.1:{}", sshd.port);
    let path = sshd.path();
    // The ssh control directories (XDG_RUNTIME_DIR) of the runs: the first few share one
    // session; the masters are ended at the end.
    let mut masters = Masters {
        sshd: &sshd,
        dirs: Vec::new(),
    };
    let control = masters.new_dir();
    let env = [
        ("DOCKER_HOST", url.as_str()),
        ("PATH", path.as_str()),
        ("XDG_RUNTIME_DIR", control.as_str()),
    ];
    assert!(lists(&[], &env).contains("imgtui-ssh/one:1"));
    // Again, through the shared session, and with --host.
    assert!(lists(&["--host", &url], &env[1..]).contains("imgtui-ssh/one:1"));

    let mut tui = Tui::start_with_env(&[], &env, 140, 30);
    tui.wait_screen("the list over ssh", |s| s.contains("imgtui-ssh/one:1"));
    import_image(&private.engine, "imgtui-ssh/two:1", "two");
    tui.wait_screen("the new image, from the event stream", |s| {
        s.contains("imgtui-ssh/two:1")
    });
    tui.send("q");
    assert!(tui.wait_exit());

    // A key the server does not know: a wrapper with another identity, and no shared
    // session to ride on (a fresh control directory).
    let bad = short_private_dir();
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(bad.join("key"))
        .status()
        .unwrap();
    assert!(status.success());
    let config = std::fs::read_to_string(sshd.dir.join("ssh_config")).unwrap();
    let config: String = config
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("IdentityFile") {
                format!("  IdentityFile {}/key\n", bad.display())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(bad.join("ssh_config"), config).unwrap();
    std::fs::create_dir_all(bad.join("bin")).unwrap();
    let wrapper = bad.join("bin/ssh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec ssh -F {}/ssh_config \"$@\"\n",
            bad.display()
        )
        .replace("exec ssh", &format!("exec {}", which_ssh())),
    )
    .unwrap();
    make_executable(&wrapper);
    let bad_path = format!("{}/bin:{path}", bad.display());
    let fresh = masters.new_dir();
    let denied = [
        ("DOCKER_HOST", url.as_str()),
        ("PATH", bad_path.as_str()),
        ("XDG_RUNTIME_DIR", fresh.as_str()),
    ];
    let said = fails(&[], &denied, "Permission denied (publickey)");
    assert!(said.contains("ssh to root@127.0.0.1"), "{said}");

    // A remote without the docker CLI.
    sshd.allow_only("no-such-docker system dial-stdio");
    let fresh = masters.new_dir();
    let no_docker = [
        ("DOCKER_HOST", url.as_str()),
        ("PATH", path.as_str()),
        ("XDG_RUNTIME_DIR", fresh.as_str()),
    ];
    fails(&[], &no_docker, "no-such-docker: command not found");
    // Nothing listens: ssh's own words.
    let closed = format!("ssh://root@127.0.0.1:{}", free_port());
    let refused = [("PATH", path.as_str()), ("XDG_RUNTIME_DIR", fresh.as_str())];
    fails(&["--host", &closed], &refused, "Connection refused");
    let _ = std::fs::remove_dir_all(&bad);
}

/// The control directories of a test's runs; the ssh masters imgtui left in them (they
/// would linger for ControlPersist's 60 s) are ended, and the directories removed, on drop.
struct Masters<'a> {
    sshd: &'a PrivateSshd,
    dirs: Vec<PathBuf>,
}

impl Masters<'_> {
    fn new_dir(&mut self) -> String {
        let dir = short_private_dir();
        self.dirs.push(dir.clone());
        dir.to_str().unwrap().to_string()
    }
}

impl Drop for Masters<'_> {
    fn drop(&mut self) {
        for dir in &self.dirs {
            let path = format!("ControlPath={}/imgtui/ssh/%C", dir.display());
            let port = self.sshd.port.to_string();
            let _ = Command::new(self.sshd.dir.join("bin/ssh"))
                .args(["-o", &path, "-O", "exit", "-p", &port, "root@127.0.0.1"])
                .output();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn which_ssh() -> String {
    let out = Command::new("sh")
        .args(["-c", "command -v ssh"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}
