//! The route tree. Every request first passes the Host and Origin checks; routes that run or
//! remove containers, validation (unless public) and metrics also need the bearer token;
//! bodies are size-capped JSON that must arrive in time. Every rejection ends as a JSON error
//! (see [`handle_rejection`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Buf, BufMut};
use futures_util::{Stream, StreamExt};

use serde::de::DeserializeOwned;
use warp::http::{HeaderValue, Method, StatusCode};
use warp::reply::Response;
use warp::{Filter, Rejection, Reply};

use super::auth::{self, OriginVerdict};
use super::conn::ClientAddr;
use super::handlers;
use super::models::ApiError;
use super::AppState;
use crate::seclog::{EventKind, SecurityEvent};

/// Routes whose path is a fixed string, used as the `route` label of HTTP metrics (anything
/// else is `other`, so scanners cannot blow up the label set).
pub const ROUTES: &[&str] = &[
    "/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "/v1/info",
    "/v1/validate",
    "/v1/execute",
    "/v1/execute/stream",
    "/v1/containers",
    "/v1/cleanup",
];

fn with_state(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Arc<AppState>,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// The client's address (set by the connection that carried the request).
fn client_addr() -> impl Filter<Extract = (Option<SocketAddr>,), Error = Infallible> + Clone {
    warp::ext::optional::<ClientAddr>().map(|c: Option<ClientAddr>| c.map(|c| c.0))
}

fn refuse(state: &AppState, addr: Option<SocketAddr>, err: ApiError) -> Rejection {
    state.seclog.record(
        &SecurityEvent::new(EventKind::RefusedRequest)
            .client(addr)
            .rule(err.code)
            .reason(err.message.clone()),
    );
    warp::reject::custom(err)
}

/// Host and Origin checks. Extracts the origin to name in CORS headers, if any.
fn guard(
    state: Arc<AppState>,
) -> impl Filter<Extract = (Option<String>,), Error = Rejection> + Clone {
    warp::header::optional::<String>("host")
        .and(warp::header::optional::<String>("origin"))
        .and(client_addr())
        .and(with_state(state))
        .and_then(
            |host: Option<String>,
             origin: Option<String>,
             addr: Option<SocketAddr>,
             state: Arc<AppState>| async move {
                if !state.host_allowed(host.as_deref()) {
                    return Err(refuse(
                        &state,
                        addr,
                        ApiError::new(
                            StatusCode::FORBIDDEN,
                            "host_not_allowed",
                            "the Host header does not name this service",
                        ),
                    ));
                }
                match auth::check_origin(
                    origin.as_deref(),
                    host.as_deref(),
                    &state.config.allowed_origins,
                ) {
                    OriginVerdict::Absent | OriginVerdict::SameOrigin => Ok(None),
                    OriginVerdict::Cors(o) => Ok(Some(o)),
                    OriginVerdict::Forbidden => Err(refuse(
                        &state,
                        addr,
                        ApiError::new(
                            StatusCode::FORBIDDEN,
                            "origin_not_allowed",
                            "cross-origin requests are refused unless the origin is configured",
                        ),
                    )),
                }
            },
        )
}

fn unauthorized(state: &AppState, addr: Option<SocketAddr>) -> Rejection {
    refuse(
        state,
        addr,
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs Authorization: Bearer <token> (printed by `stockade serve`)",
        ),
    )
}

/// The bearer token.
fn authenticated(state: Arc<AppState>) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(client_addr())
        .and(with_state(state))
        .and_then(
            |header: Option<String>, addr: Option<SocketAddr>, state: Arc<AppState>| async move {
                if auth::bearer_matches(header.as_deref(), &state.config.token) {
                    Ok(())
                } else {
                    Err(unauthorized(&state, addr))
                }
            },
        )
        .untuple_one()
}

/// `POST /v1/validate`: the bearer token, or with `public_validate` a caller without it
/// within its address's rate (429 with `Retry-After` beyond it).
fn may_validate(state: Arc<AppState>) -> impl Filter<Extract = (), Error = Rejection> + Clone {
    warp::header::optional::<String>("authorization")
        .and(client_addr())
        .and(with_state(state))
        .and_then(
            |header: Option<String>, addr: Option<SocketAddr>, state: Arc<AppState>| async move {
                if auth::bearer_matches(header.as_deref(), &state.config.token) {
                    return Ok(());
                }
                if !state.config.public_validate {
                    return Err(unauthorized(&state, addr));
                }
                // Without a known address (not served by our listener) every such caller
                // shares one budget.
                let ip = addr.map_or(std::net::Ipv4Addr::UNSPECIFIED.into(), |a| a.ip());
                match state.validate_limiter.check(ip) {
                    Ok(()) => Ok(()),
                    Err(wait) => Err(refuse(
                        &state,
                        addr,
                        ApiError::new(
                            StatusCode::TOO_MANY_REQUESTS,
                            "rate_limited",
                            "too many validations from this address without a token; retry later",
                        )
                        .retry_after(wait.as_secs().max(1)),
                    )),
                }
            },
        )
        .untuple_one()
}

/// A place on the validation pool, taken before the body is read: a request that would be
/// refused costs no parsing (429 `validation_busy` when every worker is busy).
fn validation_slot(
    state: Arc<AppState>,
) -> impl Filter<Extract = (tokio::sync::OwnedSemaphorePermit,), Error = Rejection> + Clone {
    warp::any().and_then(move || {
        let slots = state.validation_slots.clone();
        async move {
            slots.try_acquire_owned().map_err(|_| {
                warp::reject::custom(
                    ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "validation_busy",
                        "every validation worker is busy; retry shortly",
                    )
                    .retry_after(1),
                )
            })
        }
    })
}

/// The whole body, within `timeout` (a client that trickles its body is cut off with 408).
async fn read_body(
    body: impl Stream<Item = Result<impl Buf, warp::Error>>,
    timeout: Duration,
) -> Result<bytes::Bytes, Rejection> {
    let read = async {
        tokio::pin!(body);
        let mut all = bytes::BytesMut::new();
        while let Some(chunk) = body.next().await {
            let mut chunk = chunk.map_err(|_| {
                warp::reject::custom(ApiError::bad_request("the request body could not be read"))
            })?;
            while chunk.has_remaining() {
                let part = chunk.chunk();
                all.put_slice(part);
                let n = part.len();
                chunk.advance(n);
            }
        }
        Ok(all.freeze())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| {
            Err(warp::reject::custom(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                "the request body did not arrive in time",
            )))
        })
}

/// A JSON body of at most `limit` bytes, arriving within `timeout`, parsed into `T`.
fn json_body<T: DeserializeOwned + Send>(
    limit: u64,
    timeout: Duration,
) -> impl Filter<Extract = (T,), Error = Rejection> + Clone {
    warp::body::content_length_limit(limit)
        .and(warp::header::optional::<String>("content-type"))
        .and(warp::body::stream().and_then(move |body| read_body(body, timeout)))
        .and_then(|ctype: Option<String>, body: bytes::Bytes| async move {
            let is_json = ctype
                .as_deref()
                .and_then(|c| c.split(';').next())
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/json"));
            if !is_json {
                return Err(warp::reject::custom(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "send the body as Content-Type: application/json",
                )));
            }
            serde_json::from_slice::<T>(&body).map_err(|e| {
                warp::reject::custom(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("the request body is not valid: {e}"),
                ))
            })
        })
}

/// Answers CORS preflights (only configured origins get here with an origin to name).
fn preflight(origin: Option<String>) -> Response {
    let mut r = warp::reply::with_status(warp::reply(), StatusCode::NO_CONTENT).into_response();
    if origin.is_some() {
        let h = r.headers_mut();
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET, POST, OPTIONS"),
        );
        h.insert(
            "access-control-allow-headers",
            HeaderValue::from_static("authorization, content-type"),
        );
        h.insert("access-control-max-age", HeaderValue::from_static("600"));
    }
    with_cors(r, origin)
}

fn with_cors(mut response: Response, origin: Option<String>) -> Response {
    if let Some(value) = origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
        let h = response.headers_mut();
        h.insert("access-control-allow-origin", value);
        h.insert("vary", HeaderValue::from_static("origin"));
    }
    response
}

fn route_label(path: &str) -> &'static str {
    ROUTES
        .iter()
        .find(|r| **r == path)
        .copied()
        .unwrap_or("other")
}

/// `GET /metrics`, open only when `require_token` is false.
fn metrics_route(
    state: Arc<AppState>,
    require_token: bool,
) -> impl Filter<Extract = (Response,), Error = Rejection> + Clone {
    let auth = {
        let state = state.clone();
        warp::header::optional::<String>("authorization")
            .and(client_addr())
            .and_then(move |header: Option<String>, addr: Option<SocketAddr>| {
                let state = state.clone();
                async move {
                    if !require_token
                        || auth::bearer_matches(header.as_deref(), &state.config.token)
                    {
                        Ok(())
                    } else {
                        Err(refuse(
                            &state,
                            addr,
                            ApiError::new(
                                StatusCode::UNAUTHORIZED,
                                "unauthorized",
                                "this endpoint needs Authorization: Bearer <token>",
                            ),
                        ))
                    }
                }
            })
            .untuple_one()
    };
    warp::path!("metrics")
        .and(warp::get())
        .and(auth)
        .and(with_state(state))
        .map(handlers::metrics)
}

/// The metrics-only listener (`monitoring.prometheus_port`, loopback unless configured
/// otherwise): the same Host check and `GET /metrics`, nothing else; the token only if
/// `metrics_require_token`.
pub fn metrics_only(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let require_token = state.config.metrics_require_token;
    guard(state.clone())
        .and(metrics_route(state, require_token))
        .map(|_origin: Option<String>, response: Response| response)
        .recover(handle_rejection)
        .unify()
        .map(security_headers)
}

/// The whole service.
pub fn routes(
    state: Arc<AppState>,
) -> impl Filter<Extract = (impl Reply,), Error = Infallible> + Clone {
    let limit = state.config.body_limit_bytes;
    let body_timeout = state.config.body_read_timeout;
    let s = || with_state(state.clone());

    let healthz = warp::path!("healthz")
        .and(warp::get())
        .map(handlers::healthz);
    let readyz = warp::path!("readyz")
        .and(warp::get())
        .and(s())
        .then(handlers::readyz);
    let info = warp::path!("v1" / "info")
        .and(warp::get())
        .and(s())
        .map(handlers::info);
    let validate = warp::path!("v1" / "validate")
        .and(warp::post())
        .and(may_validate(state.clone()))
        .and(s())
        .and(validation_slot(state.clone()))
        .and(json_body(limit, body_timeout))
        .then(handlers::validate);
    let execute = warp::path!("v1" / "execute")
        .and(warp::post())
        .and(authenticated(state.clone()))
        .and(s())
        .and(client_addr())
        .and(json_body(limit, body_timeout))
        .then(handlers::execute);
    let stream = warp::path!("v1" / "execute" / "stream")
        .and(warp::post())
        .and(authenticated(state.clone()))
        .and(s())
        .and(client_addr())
        .and(json_body(limit, body_timeout))
        .then(handlers::execute_stream);
    let containers = warp::path!("v1" / "containers")
        .and(warp::get())
        .and(authenticated(state.clone()))
        .and(s())
        .then(handlers::containers);
    let cleanup = warp::path!("v1" / "cleanup")
        .and(warp::post())
        .and(authenticated(state.clone()))
        .and(s())
        .then(handlers::cleanup);
    // On the API's port (possibly exposed) metrics always need the token.
    let metrics = metrics_route(state.clone(), true);
    let openapi = warp::path!("openapi.json")
        .and(warp::get())
        .map(handlers::openapi);
    let web_dir = state.config.web_dir.clone();
    let static_files = warp::get()
        .and(warp::fs::dir(web_dir.clone()))
        .map(|file: warp::fs::File| file.into_response());
    let built_in = super::assets::embedded(state.config.web_assets);
    let no_editor = warp::path::end()
        .and(warp::get())
        .map(move || handlers::editor_missing(&web_dir));

    let api = healthz
        .or(readyz)
        .unify()
        .or(info)
        .unify()
        .or(validate)
        .unify()
        .or(execute)
        .unify()
        .or(stream)
        .unify()
        .or(containers)
        .unify()
        .or(cleanup)
        .unify()
        .or(metrics)
        .unify()
        .or(openapi)
        .unify()
        .or(static_files)
        .unify()
        .or(built_in)
        .unify()
        .or(no_editor)
        .unify();
    // Not `warp::options()`: its 405 for other methods would outrank every 404.
    let options = warp::method().and_then(|m: Method| async move {
        if m == Method::OPTIONS {
            Ok(())
        } else {
            Err(warp::reject::not_found())
        }
    });

    let state_for_log = state.clone();
    guard(state)
        .and(
            options
                .map(|()| None::<Response>)
                .or(api.map(Some))
                .unify(),
        )
        .map(|origin: Option<String>, response: Option<Response>| match response {
            Some(r) => with_cors(r, origin),
            None => preflight(origin),
        })
        .recover(handle_rejection)
        .unify()
        .map(security_headers)
        .with(warp::log::custom(move |info| {
            let route = route_label(info.path());
            let method = info.method().as_str();
            let m = state_for_log.metrics;
            m.http_requests_total
                .with_label_values(&[route, method, info.status().as_str()])
                .inc();
            m.http_request_duration_seconds
                .with_label_values(&[route, method])
                .observe(info.elapsed().as_secs_f64());
            tracing::debug!(route, method, status = info.status().as_u16(), elapsed = ?info.elapsed(), "request");
        }))
}

/// Headers every response carries: no sniffing, no framing, and no Referer (the editor's URL
/// may carry the token).
fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if !h.contains_key("cache-control") {
        h.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    response
}

/// Turns every rejection into `{"error": {"code", "message"}}` with the matching status.
pub async fn handle_rejection(err: Rejection) -> Result<Response, Infallible> {
    // A rejection combines those of every route tried; the most specific one wins, the
    // "wrong method" and "no such path" of the routes that did not match come last.
    let api = if let Some(e) = err.find::<ApiError>() {
        e.clone()
    } else if err.find::<warp::reject::PayloadTooLarge>().is_some() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than the server accepts",
        )
    } else if err.find::<warp::reject::LengthRequired>().is_some() {
        ApiError::new(
            StatusCode::LENGTH_REQUIRED,
            "length_required",
            "send a Content-Length header",
        )
    } else if err.find::<warp::reject::UnsupportedMediaType>().is_some() {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as Content-Type: application/json",
        )
    } else if err.find::<warp::reject::InvalidHeader>().is_some()
        || err.find::<warp::reject::MissingHeader>().is_some()
        || err.find::<warp::reject::InvalidQuery>().is_some()
    {
        ApiError::bad_request("the request has an invalid header or query string")
    } else if err.find::<warp::reject::MethodNotAllowed>().is_some() {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this endpoint does not accept that method",
        )
    } else if err.is_not_found() {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
    } else {
        tracing::error!(rejection = ?err, "unhandled rejection");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    };
    Ok(api.into_response())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn unknown_paths_share_one_metric_label() {
        assert_eq!(route_label("/v1/execute"), "/v1/execute");
        assert_eq!(route_label("/wp-admin/x.php"), "other");
    }

    #[tokio::test]
    async fn rejections_are_json_without_internals() {
        let r = handle_rejection(warp::reject::not_found()).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let body = warp::hyper::body::to_bytes(r.into_body()).await.unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["error"]["code"], "not_found");
    }

    #[test]
    fn preflight_names_only_configured_origins() {
        let r = preflight(Some("https://editor.example".into()));
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        assert_eq!(
            r.headers()["access-control-allow-origin"],
            "https://editor.example"
        );
        let r = preflight(None);
        assert!(!r.headers().contains_key("access-control-allow-origin"));
    }
}
