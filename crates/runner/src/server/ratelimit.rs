//! A per-client token bucket, for the endpoints that may be opened to callers without the
//! token (`--public-validate`). Clients are told apart by IP address; the table of clients is
//! bounded so that a spray of source addresses cannot grow it without limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Clients tracked at most; beyond it, clients whose bucket has refilled are forgotten, and if
/// none has, new clients are refused until one does.
const MAX_CLIENTS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Allows each client `burst` calls at once and `per_second` calls a second after that.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    clients: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `per_minute` calls a minute per client, all of which may come at once (at least one).
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        let n = f64::from(per_minute.max(1));
        RateLimiter {
            per_second: n / 60.0,
            burst: n,
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one call from `client`'s budget, or says how long until one is available.
    pub fn check(&self, client: IpAddr) -> Result<(), Duration> {
        self.check_at(client, Instant::now())
    }

    fn check_at(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        // A panic while holding the lock cannot leave a bucket in a state that matters;
        // refusing everyone from then on would.
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if clients.len() >= MAX_CLIENTS && !clients.contains_key(&client) {
            clients.retain(|_, b| self.refilled(*b, now) < self.burst);
            if clients.len() >= MAX_CLIENTS {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = clients.entry(client).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        bucket.tokens = self.refilled(*bucket, now);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    fn refilled(&self, b: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        (b.tokens + elapsed * self.per_second).min(self.burst)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_per_client() {
        let limiter = RateLimiter::per_minute(3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(a, t0).is_ok());
        }
        let wait = limiter.check_at(a, t0).unwrap_err();
        assert!(
            wait > Duration::from_secs(19) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
        // Another client has its own budget.
        assert!(limiter.check_at(b, t0).is_ok());
        // One call a 20 s comes back.
        assert!(limiter.check_at(a, t0 + Duration::from_secs(20)).is_ok());
        assert!(limiter.check_at(a, t0 + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn the_client_table_is_bounded() {
        let limiter = RateLimiter::per_minute(1);
        let t0 = Instant::now();
        for i in 0..MAX_CLIENTS as u32 {
            let ip = IpAddr::from(i.to_be_bytes());
            assert!(limiter.check_at(ip, t0).is_ok());
        }
        let newcomer = IpAddr::from([255, 255, 255, 255]);
        assert!(
            limiter.check_at(newcomer, t0).is_err(),
            "table full of spent buckets"
        );
        // Once the others have refilled they are forgotten and the newcomer gets in.
        assert!(limiter
            .check_at(newcomer, t0 + Duration::from_secs(61))
            .is_ok());
        assert!(limiter.clients.lock().unwrap().len() <= 1);
    }
}
