//! Minimal HTTP/1.1 over the endpoint's stream: one connection per request (cheap on a
//! local socket, and nothing to go stale when the engine restarts), bounded in time and size.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, Method, Request, Response, header};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Incoming};
use hyper_util::rt::TokioIo;

use super::endpoint::Endpoint;
use super::error::EngineError;

/// Bounds on reading one answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLimits {
    /// The most we read. The list of 100,000 images is about 100-300 MB.
    pub max_bytes: usize,
    /// How long the engine may stay silent while sending it.
    pub idle: Duration,
}

impl Default for BodyLimits {
    fn default() -> Self {
        BodyLimits {
            max_bytes: 1 << 30,
            idle: Duration::from_secs(60),
        }
    }
}

/// Sends one request and returns the response head; the body is read by the caller.
pub async fn send<B>(
    endpoint: &Endpoint,
    request: Request<B>,
) -> Result<Response<Incoming>, EngineError>
where
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let what = request.uri().path().to_string();
    let stream = endpoint.connect().await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| io_error(&what, e))?;
    // Ends when the response body is dropped or fully read.
    let connection = tokio::spawn(connection);
    match sender.send_request(origin_form(request)).await {
        Ok(response) => Ok(response),
        // The connection failed first (a TLS alert, ssh giving up): its error says why,
        // where the request only learns that it was canceled.
        Err(err) if err.is_canceled() => {
            match tokio::time::timeout(Duration::from_secs(1), connection).await {
                Ok(Ok(Err(cause))) => Err(io_error(&what, cause)),
                _ => Err(io_error(&what, err)),
            }
        }
        Err(err) => Err(io_error(&what, err)),
    }
}

/// `GET path` and the whole body, if the status is a success; all of it within `timeout`, so
/// an answer that trickles forever ends too.
pub async fn get(
    endpoint: &Endpoint,
    path: &str,
    timeout: Duration,
    limits: BodyLimits,
) -> Result<Bytes, EngineError> {
    Ok(exchange(endpoint, Method::GET, path, timeout, limits)
        .await?
        .1)
}

/// `GET path` for its response headers (`/_ping` answers in them), as `get`.
pub async fn headers(
    endpoint: &Endpoint,
    path: &str,
    timeout: Duration,
    limits: BodyLimits,
) -> Result<HeaderMap, EngineError> {
    Ok(exchange(endpoint, Method::GET, path, timeout, limits)
        .await?
        .0)
}

/// `POST path` with no body, as `get` (Podman's own prune).
pub async fn post(
    endpoint: &Endpoint,
    path: &str,
    timeout: Duration,
    limits: BodyLimits,
) -> Result<Bytes, EngineError> {
    Ok(exchange(endpoint, Method::POST, path, timeout, limits)
        .await?
        .1)
}

async fn exchange(
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    timeout: Duration,
    limits: BodyLimits,
) -> Result<(HeaderMap, Bytes), EngineError> {
    let what = describe(&method, path);
    let whole = async {
        let (head, body) = open_with(endpoint, method, path, timeout, limits)
            .await?
            .into_parts();
        Ok((head.headers, read_body(body, &what, limits).await?))
    };
    tokio::time::timeout(timeout, whole)
        .await
        .map_err(|_| EngineError::Timeout {
            what: what.clone(),
            secs: timeout.as_secs(),
        })?
}

/// `GET path` until the response head arrives (within `timeout`); the body of a success is
/// left to the caller (for a stream), the body of a failure becomes the error.
pub async fn open(
    endpoint: &Endpoint,
    path: &str,
    timeout: Duration,
    limits: BodyLimits,
) -> Result<Incoming, EngineError> {
    Ok(open_with(endpoint, Method::GET, path, timeout, limits)
        .await?
        .into_body())
}

async fn open_with(
    endpoint: &Endpoint,
    method: Method,
    path: &str,
    timeout: Duration,
    limits: BodyLimits,
) -> Result<Response<Incoming>, EngineError> {
    let what = describe(&method, path);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .body(Empty::<Bytes>::new())
        .map_err(|e| EngineError::BadHost {
            host: endpoint.to_string(),
            why: e.to_string(),
        })?;
    let response = tokio::time::timeout(timeout, send(endpoint, request))
        .await
        .map_err(|_| EngineError::Timeout {
            what: what.clone(),
            secs: timeout.as_secs(),
        })??;
    let status = response.status();
    if !status.is_success() {
        let body = read_body(response.into_body(), &what, limits).await?;
        if status.as_u16() == 400 && is_plain_http_to_tls(&body) {
            return Err(EngineError::NeedsTls {
                host: endpoint.to_string(),
            });
        }
        return Err(EngineError::Status {
            status: status.as_u16(),
            message: error_message(&body),
        });
    }
    Ok(response)
}

/// Reads a body to the end, within the size limit and with at most `limits.idle` between
/// chunks.
pub async fn read_body(
    mut body: Incoming,
    what: &str,
    limits: BodyLimits,
) -> Result<Bytes, EngineError> {
    let mut out = BytesMut::new();
    loop {
        let frame = tokio::time::timeout(limits.idle, body.frame())
            .await
            .map_err(|_| EngineError::Timeout {
                what: what.to_string(),
                secs: limits.idle.as_secs(),
            })?;
        let Some(frame) = frame else {
            return Ok(out.freeze());
        };
        let frame = frame.map_err(|e| io_error(what, e))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limits.max_bytes {
                return Err(EngineError::TooLarge {
                    what: what.to_string(),
                    limit: limits.max_bytes,
                });
            }
            out.extend_from_slice(&data);
        }
    }
}

/// The engine's `{"message": "..."}`, or the raw text when it is not that.
pub fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        message: String,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => e.message,
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
    }
}

/// Go's TLS server answers plain HTTP with a 400 and this text (not JSON).
fn is_plain_http_to_tls(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"Client sent an HTTP request to an HTTPS server").is_some()
}

/// "GET /images/json" reads better without the version prefix and query.
pub fn describe(method: &Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let path = match path.strip_prefix("/v") {
        Some(rest) => rest.find('/').map_or(path, |i| &rest[i..]),
        None => path,
    };
    format!("{method} {path}")
}

/// HTTP/1.1 wants `/path?query` and a Host header, whatever form the caller built.
fn origin_form<B>(request: Request<B>) -> Request<B> {
    let (mut parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    if let Ok(uri) = path.parse() {
        parts.uri = uri;
    }
    parts
        .headers
        .insert(header::HOST, header::HeaderValue::from_static("docker"));
    Request::from_parts(parts, body)
}

/// A broken connection, in the transport's own words when it had some (TLS, ssh).
pub(super) fn io_error(what: &str, err: hyper::Error) -> EngineError {
    if let Some(transport) = EngineError::carried(&err) {
        return transport;
    }
    EngineError::Io {
        what: what.to_string(),
        err: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describe_strips_version_and_query() {
        assert_eq!(
            describe(&Method::GET, "/v1.41/images/json?all=1"),
            "GET /images/json"
        );
        assert_eq!(describe(&Method::GET, "/version"), "GET /version");
        assert_eq!(
            describe(&Method::POST, "/v4.0.0/libpod/images/prune?all=true"),
            "POST /libpod/images/prune"
        );
    }

    #[test]
    fn error_messages_are_read_from_json_or_text() {
        assert_eq!(
            error_message(br#"{"message":"no such image"}"#),
            "no such image"
        );
        assert_eq!(error_message(b"plain text"), "plain text");
        assert_eq!(error_message(&[0xff; 1000]).chars().count(), 300);
    }

    #[test]
    fn a_tls_ports_answer_to_plain_http_is_recognised() {
        assert!(is_plain_http_to_tls(
            b"Client sent an HTTP request to an HTTPS server.\n"
        ));
        assert!(!is_plain_http_to_tls(br#"{"message":"bad parameter"}"#));
    }
}
