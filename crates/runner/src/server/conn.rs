//! Serving connections with bounds a slow or hostile client cannot stretch: a cap on open
//! connections (the next one gets a `503` and is closed), a deadline for a request's headers,
//! a deadline for every write the client does not take, and an idle deadline for a connection
//! with no request running. Request bodies have their own deadline (see `filters::json_body`).
//!
//! warp's own server has none of these, so connections are accepted here and handed to
//! hyper's HTTP/1 connection builder with warp's routes as the service.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use hyper::server::conn::Http;
use hyper::service::Service;
use hyper::Body;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};
use warp::http::{Request, Response};

use super::ServerConfig;
use crate::metrics::Metrics;

/// The answer to a connection over the cap: written without waiting, then the socket closes.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
connection: close\r\nretry-after: 1\r\ncontent-length: 79\r\n\r\n\
{\"error\":{\"code\":\"too_many_connections\",\"message\":\"too many open connections\"}}";

/// The client's address, put in each request's extensions (warp's `addr::remote` only knows
/// it under warp's own server).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Connection bounds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Open connections at most.
    pub max_connections: usize,
    /// Deadline for a request's headers.
    pub header_read_timeout: Duration,
    /// Close a connection with no request running and no traffic for this long.
    pub idle_timeout: Duration,
    /// Deadline for a write to make progress.
    pub write_timeout: Duration,
}

impl Limits {
    /// The bounds `config` asks for.
    pub fn from_config(config: &ServerConfig) -> Limits {
        Limits {
            max_connections: config.max_connections.max(1),
            header_read_timeout: config.header_read_timeout,
            idle_timeout: config.idle_timeout,
            write_timeout: config.write_timeout,
        }
    }
}

/// Connections the kernel queues for `accept` (capped by `net.core.somaxconn`). The standard
/// library's 128 overflowed when a few hundred clients connected at once while both cores were
/// busy: the kernel dropped their SYNs (`ListenOverflows` in /proc/net/netstat), and each
/// dropped client, an orchestrator's probe among them, came back only after TCP's one-second
/// retransmission timeout. Connections past `max_connections` are still accepted and refused
/// at once, so a deep queue holds no more than a short burst.
const BACKLOG: u32 = 4096;

/// A non-blocking listener on `addr` (port 0 picks one). Needs a tokio runtime.
pub fn listen(addr: SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    // As the standard library's bind does: a restarted runner can take its port back at once.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// Serves `service` on `listener` within `limits` until `stop` turns true; then stops
/// accepting, asks every connection to finish its request in flight and close, and resolves
/// once all have. Dropping the future drops every connection.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    limits: Limits,
    metrics: &'static Metrics,
    mut stop: watch::Receiver<bool>,
) where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let (stop_conns, stop_conns_rx) = watch::channel(false);
    let stopped = async move {
        // A dropped sender never says stop: this listener then serves until dropped.
        if stop.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(slot) = slots.clone().try_acquire_owned() else {
                    metrics.http_connections_refused_total.inc();
                    // Best effort and never waiting: a client that cannot take 200 bytes
                    // at once just sees the connection close.
                    let _ = stream.try_write(BUSY);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let service = service.clone();
                let stop = stop_conns_rx.clone();
                connections.spawn(async move {
                    metrics.http_connections_open.inc();
                    serve_connection(stream, peer, service, limits, stop).await;
                    metrics.http_connections_open.dec();
                    drop(slot);
                });
            }
        }
    }
    drop(listener);
    let _ = stop_conns.send(true);
    while connections.join_next().await.is_some() {}
}

async fn serve_connection<S>(
    stream: TcpStream,
    peer: SocketAddr,
    service: S,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let io = Timed::new(stream, activity.clone(), limits.write_timeout);
    let per_request = {
        let activity = activity.clone();
        hyper::service::service_fn(move |mut req: Request<Body>| {
            req.extensions_mut().insert(ClientAddr(peer));
            let running = Running::start(activity.clone());
            let mut service = service.clone();
            async move {
                let response = service.call(req).await;
                drop(running);
                response
            }
        })
    };
    let conn = Http::new()
        .http1_only(true)
        .http1_header_read_timeout(limits.header_read_timeout)
        .serve_connection(io, per_request);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        // While a request runs the connection is not idle: look again a whole period later.
        let idle_at = if activity.running() > 0 {
            Instant::now() + limits.idle_timeout
        } else {
            activity.last() + limits.idle_timeout
        };
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended");
                }
                return;
            }
            () = tokio::time::sleep_until(idle_at), if !stopping => {
                if activity.running() == 0 && activity.last() + limits.idle_timeout <= Instant::now() {
                    stopping = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
            Ok(()) = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved bytes, and how many of its requests are being handled.
#[derive(Debug)]
struct Activity {
    epoch: Instant,
    last_ms: AtomicU64,
    running: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            epoch: Instant::now(),
            last_ms: AtomicU64::new(0),
            running: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.epoch + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }
}

/// A request being handled; the connection is not idle meanwhile.
struct Running(Arc<Activity>);

impl Running {
    fn start(activity: Arc<Activity>) -> Running {
        activity.running.fetch_add(1, Ordering::AcqRel);
        Running(activity)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.touch();
        self.0.running.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A stream that records its traffic and fails a write (or flush) that makes no progress
/// within the write timeout: a client that stops reading cannot pin a large answer in memory.
struct Timed {
    inner: TcpStream,
    activity: Arc<Activity>,
    write_timeout: Duration,
    stalled: Option<Pin<Box<Sleep>>>,
}

impl Timed {
    fn new(inner: TcpStream, activity: Arc<Activity>, write_timeout: Duration) -> Timed {
        activity.touch();
        Timed {
            inner,
            activity,
            write_timeout,
            stalled: None,
        }
    }

    /// Turns a pending write into an error once it has been pending for the write timeout.
    fn deadline<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(r) => {
                self.stalled = None;
                if r.is_ok() {
                    self.activity.touch();
                }
                Poll::Ready(r)
            }
            Poll::Pending => {
                let timeout = self.write_timeout;
                let sleep = self
                    .stalled
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
                ready!(sleep.as_mut().poll(cx));
                self.stalled = None;
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the client did not read the answer in time",
                )))
            }
        }
    }
}

impl AsyncRead for Timed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Timed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.deadline(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.deadline(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.deadline(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.deadline(cx, poll)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_is_well_formed() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(body.len(), length);
        let v: serde_json::Value = serde_json::from_str(body.trim()).unwrap();
        assert_eq!(v["error"]["code"], "too_many_connections");
    }

    /// A burst of connections larger than the standard library's backlog of 128 is queued by
    /// the kernel even while nothing accepts: each connect completes (the handshake is the
    /// kernel's), where with the short queue the rest saw their SYNs dropped and never
    /// connected while the queue stayed full.
    #[tokio::test]
    async fn a_burst_of_connections_waits_in_the_accept_queue() {
        let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut connects = tokio::task::JoinSet::new();
        for _ in 0..600 {
            connects.spawn(async move {
                tokio::time::timeout(Duration::from_secs(20), TcpStream::connect(addr)).await
            });
        }
        let mut connected = Vec::new();
        while let Some(done) = connects.join_next().await {
            if let Ok(Ok(stream)) = done.unwrap() {
                connected.push(stream);
            }
        }
        assert_eq!(connected.len(), 600);
        drop(listener);
    }
}
