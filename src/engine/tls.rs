//! TLS to an engine on `tcp://`, set up as the docker CLI does it: `DOCKER_TLS_VERIFY`,
//! `DOCKER_TLS`, `DOCKER_CERT_PATH` (or `--tlsverify`, `--tls`, `--tlscacert`, `--tlscert`,
//! `--tlskey`). The rustls client config is built once per settings; the handshake and every
//! later TLS failure are told in words that say what to fix.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, ClientConfig, DigitallySignedStruct};
use rustls::{RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::TlsConnector;

use super::endpoint::{Endpoint, Stream, TlsSettings};
use super::error::{Carried, EngineError};

/// What the user asked for, from the docker CLI's variables and flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `DOCKER_TLS` / `--tls`: encrypt (the engine is authenticated only with `verify`).
    pub tls: bool,
    /// `DOCKER_TLS_VERIFY` / `--tlsverify`: encrypt and check the engine's certificate.
    pub verify: bool,
    /// `DOCKER_CERT_PATH`: the directory with `ca.pem`, `cert.pem`, `key.pem`.
    pub cert_dir: Option<PathBuf>,
    /// `--tlscacert`, `--tlscert`, `--tlskey`: single files instead of the directory's.
    pub ca: Option<PathBuf>,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

impl TlsOptions {
    /// From the environment (see `from_vars`).
    pub fn from_env() -> TlsOptions {
        TlsOptions::from_vars(|name| std::env::var(name).ok())
    }

    /// From the docker CLI's variables, looked up with `var`. As in the docker CLI, a
    /// variable counts when it is set and not empty, whatever its value (also "0").
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> TlsOptions {
        let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
        TlsOptions {
            tls: set("DOCKER_TLS"),
            verify: set("DOCKER_TLS_VERIFY"),
            cert_dir: var("DOCKER_CERT_PATH")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            ..TlsOptions::default()
        }
    }

    /// These options with `flags` over them (flags win; a flag turns TLS on, never off).
    pub fn overridden_by(self, flags: TlsOptions) -> TlsOptions {
        TlsOptions {
            tls: self.tls || flags.tls,
            verify: self.verify || flags.verify,
            cert_dir: flags.cert_dir.or(self.cert_dir),
            ca: flags.ca.or(self.ca),
            cert: flags.cert.or(self.cert),
            key: flags.key.or(self.key),
        }
    }

    /// The settings for a `tcp://` engine, or `None` when TLS was not asked for. The files
    /// default to `ca.pem`, `cert.pem` and `key.pem` in `DOCKER_CERT_PATH`, else in
    /// `home/.docker`; as in the docker CLI the client certificate is optional: the
    /// directory's `cert.pem` and `key.pem` are used only where `exists` finds them.
    pub fn settings(
        &self,
        home: Option<&Path>,
        exists: impl Fn(&Path) -> bool,
    ) -> Result<Option<TlsSettings>, String> {
        if !self.tls && !self.verify {
            return Ok(None);
        }
        let dir = match (&self.cert_dir, home) {
            (Some(dir), _) => Some(dir.clone()),
            (None, Some(home)) => Some(home.join(".docker")),
            (None, None) => None,
        };
        let in_dir = |name: &str| dir.as_ref().map(|d| d.join(name));
        let optional = |name: &str| in_dir(name).filter(|path| exists(path));
        let ca = self.ca.clone().or_else(|| in_dir("ca.pem"));
        if self.verify && ca.is_none() {
            return Err(
                "DOCKER_TLS_VERIFY is set, but there is neither DOCKER_CERT_PATH nor HOME to \
                 find ca.pem in (or pass --tlscacert)"
                    .into(),
            );
        }
        Ok(Some(TlsSettings {
            ca,
            cert: self.cert.clone().or_else(|| optional("cert.pem")),
            key: self.key.clone().or_else(|| optional("key.pem")),
            verify: self.verify,
        }))
    }
}

/// TCP, then the TLS handshake. Failures of the handshake, and of TLS later on this
/// connection, are `EngineError::Tls` with the reason in plain words.
pub async fn connect(
    endpoint: &Endpoint,
    address: &str,
    settings: &TlsSettings,
) -> Result<Pin<Box<dyn Stream>>, EngineError> {
    let fail = |why: String| EngineError::Tls {
        host: endpoint.to_string(),
        why,
    };
    let config = client_config(settings).map_err(fail)?;
    let host = host_of(address);
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| fail(format!("{host:?} is neither a host name nor an IP address")))?;
    let tcp = super::endpoint::tcp(endpoint, address).await?;
    let stream = TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(|err| fail(explain_io(&err, settings, host)))?;
    Ok(Box::pin(Explained {
        inner: stream,
        endpoint: endpoint.to_string(),
        host: host.to_string(),
        settings: settings.clone(),
    }))
}

/// The host part of `host:port` / `[v6]:port`, as the engine's certificate names it.
fn host_of(address: &str) -> &str {
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    address.rsplit_once(':').map_or(address, |(host, _)| host)
}

/// The client config for `settings`, built on first use and then shared: reading the PEM
/// files and building the trust store once, not per request. A failure is not kept, so
/// fixed files are picked up on the next attempt.
fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, String> {
    static BUILT: OnceLock<Mutex<HashMap<TlsSettings, Arc<ClientConfig>>>> = OnceLock::new();
    let built = BUILT.get_or_init(Mutex::default);
    let lock = || built.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(config) = lock().get(settings) {
        return Ok(config.clone());
    }
    let config = Arc::new(build_config(settings)?);
    lock().insert(settings.clone(), config.clone());
    Ok(config)
}

fn build_config(settings: &TlsSettings) -> Result<ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = if settings.verify {
        let ca = settings.ca.as_deref().ok_or(
            "no CA certificate to check the engine with (ca.pem in DOCKER_CERT_PATH, or \
             --tlscacert)",
        )?;
        let mut roots = RootCertStore::empty();
        for cert in read_certs(ca, "CA certificate")? {
            roots
                .add(cert)
                .map_err(|e| format!("the CA certificate {} is unusable: {e}", ca.display()))?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
    };
    match (&settings.cert, &settings.key) {
        (Some(cert), Some(key)) => builder
            .with_client_auth_cert(read_certs(cert, "client certificate")?, read_key(key)?)
            .map_err(|e| {
                format!(
                    "the client certificate {} and key {} do not belong together: {e}",
                    cert.display(),
                    key.display()
                )
            }),
        (None, None) => Ok(builder.with_no_client_auth()),
        (Some(cert), None) => Err(format!(
            "the client certificate {} has no key (key.pem beside it, or --tlskey)",
            cert.display()
        )),
        (None, Some(key)) => Err(format!(
            "the client key {} has no certificate (cert.pem beside it, or --tlscert)",
            key.display()
        )),
    }
}

fn read_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| unreadable(path, what, e))?;
    if certs.is_empty() {
        return Err(format!(
            "the {what} {} holds no PEM certificate",
            path.display()
        ));
    }
    Ok(certs)
}

/// The client key: PKCS#1 (RSA), PKCS#8 or SEC1 (EC), whichever the file holds.
fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, String> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| unreadable(path, "client key", e))
}

fn unreadable(path: &Path, what: &str, err: rustls::pki_types::pem::Error) -> String {
    use rustls::pki_types::pem::Error;
    let path = path.display();
    match err {
        Error::Io(err) if err.kind() == io::ErrorKind::NotFound => {
            format!("the {what} {path} does not exist")
        }
        Error::Io(err) => format!("cannot read the {what} {path}: {err}"),
        Error::NoItemsFound => format!("the {what} {path} holds no PEM {what}"),
        other => format!("the {what} {path} is not valid PEM: {other}"),
    }
}

/// What a failed handshake or TLS read/write means, from the io error tokio-rustls gives.
fn explain_io(err: &io::Error, settings: &TlsSettings, host: &str) -> String {
    if let Some(tls) = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
    {
        return explain(tls, settings, host);
    }
    match err.kind() {
        io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset => {
            "the engine closed the connection during the TLS handshake (is this a TLS port?)".into()
        }
        _ => err.to_string(),
    }
}

/// The reasons users meet, in their words; anything else in rustls's own.
pub fn explain(err: &rustls::Error, settings: &TlsSettings, host: &str) -> String {
    use rustls::Error;
    let ca = settings.ca.as_ref().map_or_else(
        || "the CA certificate".to_string(),
        |p| p.display().to_string(),
    );
    let no_client_cert = "the engine asks for a client certificate and none is set up \
                          (cert.pem and key.pem in DOCKER_CERT_PATH, or --tlscert and --tlskey)";
    match err {
        Error::InvalidCertificate(cert) => match cert {
            CertificateError::UnknownIssuer | CertificateError::BadSignature => format!(
                "the engine's certificate is not signed by the CA in {ca} (wrong ca.pem, or \
                 another engine?)"
            ),
            CertificateError::NotValidForName => {
                format!("the engine's certificate is not valid for {host}")
            }
            CertificateError::NotValidForNameContext { presented, .. } => format!(
                "the engine's certificate is not valid for {host} (it is for {})",
                presented.join(", ")
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the engine's certificate has expired".into()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the engine's certificate is not valid yet (is the clock right?)".into()
            }
            other => format!("the engine's certificate is refused: {other}"),
        },
        Error::AlertReceived(AlertDescription::CertificateRequired) => no_client_cert.into(),
        Error::AlertReceived(
            AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::HandshakeFailure,
        ) => match &settings.cert {
            None => no_client_cert.into(),
            Some(cert) => format!(
                "the engine refused the client certificate {} (not signed by a CA it trusts?)",
                cert.display()
            ),
        },
        Error::InvalidMessage(_) | Error::InappropriateMessage { .. } => {
            "the engine does not speak TLS on this port (a plain tcp:// engine? then unset \
             DOCKER_TLS_VERIFY and DOCKER_TLS)"
                .into()
        }
        other => other.to_string(),
    }
}

/// The TLS stream, with rustls failures after the handshake told like those during it.
/// (With TLS 1.3 the engine refuses a missing client certificate only after our side of
/// the handshake is done: the refusal arrives on the first read.)
struct Explained<S> {
    inner: S,
    /// The engine's address, for the message; its host, as the certificate names it.
    endpoint: String,
    host: String,
    settings: TlsSettings,
}

impl<S> Explained<S> {
    fn explained<T>(&self, result: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(Err(err)) if is_rustls(&err) => {
                Poll::Ready(Err(Carried::into_io(EngineError::Tls {
                    host: self.endpoint.clone(),
                    why: explain_io(&err, &self.settings, &self.host),
                })))
            }
            other => other,
        }
    }
}

fn is_rustls(err: &io::Error) -> bool {
    err.get_ref()
        .is_some_and(|e| e.downcast_ref::<rustls::Error>().is_some())
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Explained<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        self.explained(result)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Explained<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, data);
        self.explained(result)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_flush(cx);
        self.explained(result)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let result = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.explained(result)
    }
}

/// Accepts any certificate the engine shows. Used ONLY when TLS without verification was
/// asked for (`DOCKER_TLS`/`--tls` without verify, a context's `SkipTLSVerify`), as the
/// docker CLI does then: the connection is encrypted, but the engine is NOT authenticated,
/// so anyone in the middle could pose as it. The handshake signatures are still checked,
/// so the session is at least bound to the certificate that was shown.
#[derive(Debug)]
struct AcceptAnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> TlsOptions {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TlsOptions::from_vars(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    fn home() -> Option<&'static Path> {
        Some(Path::new("/home/u"))
    }

    #[test]
    fn nothing_set_means_no_tls() {
        assert_eq!(vars(&[]).settings(home(), |_| true).unwrap(), None);
        // Set but empty does not count, as in the docker CLI.
        let empty = vars(&[("DOCKER_TLS_VERIFY", ""), ("DOCKER_TLS", "")]);
        assert_eq!(empty.settings(home(), |_| true).unwrap(), None);
        // A certificate directory alone does not turn TLS on.
        let dir = vars(&[("DOCKER_CERT_PATH", "/certs")]);
        assert_eq!(dir.settings(home(), |_| true).unwrap(), None);
    }

    #[test]
    fn verify_uses_the_cert_path_files() {
        let options = vars(&[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", "/certs")]);
        assert_eq!(
            options.settings(home(), |_| true).unwrap(),
            Some(TlsSettings {
                ca: Some("/certs/ca.pem".into()),
                cert: Some("/certs/cert.pem".into()),
                key: Some("/certs/key.pem".into()),
                verify: true,
            })
        );
        // Any non-empty value counts, "0" too (the docker CLI checks for non-empty).
        let zero = vars(&[("DOCKER_TLS_VERIFY", "0")]);
        assert!(zero.settings(home(), |_| true).unwrap().unwrap().verify);
    }

    #[test]
    fn the_default_directory_is_home_dot_docker_and_the_client_cert_is_optional() {
        let options = vars(&[("DOCKER_TLS_VERIFY", "1")]);
        let settings = options.settings(home(), |_| false).unwrap().unwrap();
        assert_eq!(settings.ca, Some("/home/u/.docker/ca.pem".into()));
        // Missing cert.pem and key.pem: no client certificate (the CA is needed, and its
        // absence is reported when connecting, naming the file).
        assert_eq!((settings.cert, settings.key), (None, None));
        let error = options.settings(None, |_| true).unwrap_err();
        assert!(error.contains("DOCKER_CERT_PATH"), "{error}");
    }

    #[test]
    fn tls_without_verify_encrypts_without_checking() {
        let settings = vars(&[("DOCKER_TLS", "1"), ("DOCKER_CERT_PATH", "/c")])
            .settings(home(), |p| {
                p.ends_with("cert.pem") || p.ends_with("key.pem")
            })
            .unwrap()
            .unwrap();
        assert!(!settings.verify);
        assert_eq!(settings.cert, Some("/c/cert.pem".into()));
    }

    #[test]
    fn flags_win_over_the_variables() {
        let env = vars(&[("DOCKER_TLS", "1"), ("DOCKER_CERT_PATH", "/env")]);
        let flags = TlsOptions {
            verify: true,
            ca: Some("/flag/ca.pem".into()),
            ..TlsOptions::default()
        };
        let settings = env
            .overridden_by(flags)
            .settings(home(), |_| true)
            .unwrap()
            .unwrap();
        assert!(settings.verify);
        assert_eq!(settings.ca, Some("/flag/ca.pem".into()));
        assert_eq!(settings.key, Some("/env/key.pem".into()));
    }

    #[test]
    fn hosts_are_taken_from_addresses() {
        assert_eq!(host_of("127.0.0.1:2376"), "127.0.0.1");
        assert_eq!(host_of("[::1]:2376"), "::1");
        assert_eq!(host_of("docker.example:2376"), "docker.example");
    }

    fn verifying(ca: &str) -> TlsSettings {
        TlsSettings {
            ca: Some(ca.into()),
            verify: true,
            ..TlsSettings::default()
        }
    }

    #[test]
    fn missing_or_wrong_files_are_named() {
        let dir = std::env::temp_dir().join(format!("imgtui-tls-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("ca.pem");
        let error = build_config(&verifying(missing.to_str().unwrap())).unwrap_err();
        assert_eq!(
            error,
            format!("the CA certificate {} does not exist", missing.display())
        );
        let garbage = dir.join("garbage.pem");
        std::fs::write(&garbage, "not a certificate\n").unwrap();
        let error = build_config(&verifying(garbage.to_str().unwrap())).unwrap_err();
        assert!(error.contains("holds no PEM"), "{error}");
        let error = build_config(&TlsSettings {
            cert: Some(garbage.clone()),
            ..TlsSettings::default()
        })
        .unwrap_err();
        assert!(error.contains("has no key"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn handshake_failures_read_as_what_to_fix() {
        let settings = verifying("/certs/ca.pem");
        let says = |err: rustls::Error| explain(&err, &settings, "127.0.0.1");
        assert_eq!(
            says(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer
            )),
            "the engine's certificate is not signed by the CA in /certs/ca.pem (wrong ca.pem, \
             or another engine?)"
        );
        assert_eq!(
            says(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName
            )),
            "the engine's certificate is not valid for 127.0.0.1"
        );
        let asks = says(rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired,
        ));
        assert!(asks.starts_with("the engine asks for a client certificate"));
        assert_eq!(
            says(rustls::Error::AlertReceived(
                AlertDescription::BadCertificate
            )),
            asks
        );
        let with_cert = TlsSettings {
            cert: Some("/certs/cert.pem".into()),
            key: Some("/certs/key.pem".into()),
            ..settings.clone()
        };
        let refused = explain(
            &rustls::Error::AlertReceived(AlertDescription::BadCertificate),
            &with_cert,
            "h",
        );
        assert!(refused.contains("refused the client certificate /certs/cert.pem"));
        let plain = says(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert!(plain.contains("does not speak TLS"), "{plain}");
    }
}
