//! Queue mode's Prometheus series: `serve --queue` copies the queue-wide figures from Redis
//! into [`crate::metrics::QueueMetrics`] on a timer ([`refresh`]); a worker, which has no HTTP
//! API, answers `GET /metrics` on a listener of its own ([`listen`]) so Prometheus scrapes
//! every worker host too.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use warp::Filter;

use super::JobQueue;
use crate::metrics::{Metrics, QueueMetrics};
use crate::server::conn;

/// How often `serve --queue` reads the queue's figures: a few times per scrape interval
/// (15 s in `config/prometheus/prometheus.yml`), each read one pipelined round trip.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);

/// Keeps `metrics` at the queue's figures, reading them every `every`, for ever. A failed
/// read leaves the last figures in place (Redis restarting); it is logged once per outage.
pub async fn refresh(queue: JobQueue, metrics: &QueueMetrics, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tick.tick().await;
        match queue.stats().await {
            Ok(stats) => {
                metrics.observe(&stats);
                failing = false;
            }
            Err(e) if !failing => {
                tracing::warn!(error = %e, "reading the queue's figures for metrics failed");
                failing = true;
            }
            Err(_) => {}
        }
    }
}

/// Binds `addr` (port 0 picks one) for `GET /metrics` of `metrics` and nothing else; returns
/// the bound address and the future that serves until dropped.
///
/// The answer carries counts only (no code, results or tokens), so like the service's own
/// metrics listener it needs no token; a worker host exposes it to its Prometheus only.
pub fn listen(
    addr: SocketAddr,
    metrics: &'static Metrics,
) -> std::io::Result<(SocketAddr, impl Future<Output = ()> + Send)> {
    let listener = conn::listen(addr)?;
    let bound = listener.local_addr()?;
    let route = warp::path!("metrics").and(warp::get()).map(move || {
        warp::reply::with_header(
            metrics.render(),
            "content-type",
            "text/plain; version=0.0.4; charset=utf-8",
        )
    });
    // One scraper, a few connections; the service's default timeouts.
    let limits = conn::Limits {
        max_connections: 16,
        header_read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        write_timeout: Duration::from_secs(30),
    };
    // A sender kept alive and never used: the listener serves until the future is dropped.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let serve = async move {
        let _stop = stop;
        conn::serve(listener, warp::service(route), limits, metrics, stopped).await;
    };
    Ok((bound, serve))
}
