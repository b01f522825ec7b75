//! Who may talk to the service: the bearer token, the Host check (DNS rebinding) and the
//! Origin check (cross-site requests). Pure functions here; filters.rs turns them into filters.

use std::net::{IpAddr, SocketAddr};

use subtle::ConstantTimeEq;

/// Fewest characters a configured token may have: 32 hex digits carry 128 bits, and hex is
/// the smallest alphabet a token is expected to use (`openssl rand -hex 16`).
pub const MIN_TOKEN_CHARS: usize = 32;

/// A fresh token: 32 random bytes, hex.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Why a configured token is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Fewer than [`MIN_TOKEN_CHARS`] characters.
    #[error(
        "the token has {0} characters; at least {MIN_TOKEN_CHARS} are required (128 bits as hex, \
         e.g. `openssl rand -hex 16`), or leave it unset to have one generated"
    )]
    TooShort(usize),
    /// Whitespace or control characters, which an `Authorization` header cannot carry intact.
    #[error("the token may only contain visible ASCII characters (no spaces)")]
    BadCharacters,
}

/// Checks that a configured token is long enough to resist guessing and can travel in a header.
pub fn check_token(token: &str) -> Result<(), TokenError> {
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(TokenError::BadCharacters);
    }
    let chars = token.chars().count();
    if chars < MIN_TOKEN_CHARS {
        return Err(TokenError::TooShort(chars));
    }
    Ok(())
}

/// True when `header` is `Bearer <token>` with the expected token, compared in constant time.
pub fn bearer_matches(header: Option<&str>, expected: &str) -> bool {
    let Some(given) = header.and_then(|h| {
        let (scheme, rest) = h.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    }) else {
        return false;
    };
    // `ct_eq` on slices of different lengths is false without looking at contents; the
    // length of the token is not a secret.
    !expected.is_empty() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// The Host values the service answers to.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    allowed: Vec<String>,
}

impl HostPolicy {
    /// Hosts for a service bound to `listen`: the address itself; `localhost`, `127.0.0.1`
    /// and `[::1]` when it is loopback; and each configured name (with or without the port).
    pub fn new(listen: SocketAddr, extra: &[String]) -> HostPolicy {
        let mut policy = HostPolicy {
            allowed: Vec::new(),
        };
        policy.add_listener(listen, extra);
        policy
    }

    /// Also accepts the names of a second listener of the same service.
    pub fn add_listener(&mut self, listen: SocketAddr, extra: &[String]) {
        let port = listen.port();
        // `0.0.0.0` / `[::]` mean "every interface" to bind(2), but no client reaches a
        // service by that name except through a rebinding trick: never a valid Host.
        if !listen.ip().is_unspecified() {
            self.allowed.push(listen.to_string());
        }
        if listen.ip().is_loopback() {
            for name in ["localhost", "127.0.0.1", "[::1]"] {
                self.allowed.push(format!("{name}:{port}"));
            }
        }
        for name in extra.iter().filter(|n| !names_unspecified(n)) {
            let name = name.to_ascii_lowercase();
            self.allowed.push(format!("{name}:{port}"));
            if !self.allowed.contains(&name) {
                self.allowed.push(name);
            }
        }
    }

    /// True when `host` (the request's Host header) is one of ours.
    pub fn allows(&self, host: Option<&str>) -> bool {
        let Some(host) = host else { return false };
        let host = host.trim().to_ascii_lowercase();
        !names_unspecified(&host) && self.allowed.contains(&host)
    }
}

/// True when `host` (`name`, `name:port`, `[v6]` or `[v6]:port`) is an unspecified address.
fn names_unspecified(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified())
}

/// How a request's Origin relates to the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginVerdict {
    /// No Origin header (not a browser, or a same-origin GET).
    Absent,
    /// The page was served by this service.
    SameOrigin,
    /// A configured cross origin: allowed, and CORS headers name it.
    Cors(String),
    /// Anything else: refused.
    Forbidden,
}

/// Decides on `origin` given the request's (already checked) `host` and configured origins.
pub fn check_origin(
    origin: Option<&str>,
    host: Option<&str>,
    configured: &[String],
) -> OriginVerdict {
    let Some(origin) = origin else {
        return OriginVerdict::Absent;
    };
    let origin = origin.trim().trim_end_matches('/');
    if let Some(host) = host {
        if origin.eq_ignore_ascii_case(&format!("http://{}", host.trim())) {
            return OriginVerdict::SameOrigin;
        }
    }
    match configured
        .iter()
        .find(|c| c.trim_end_matches('/').eq_ignore_ascii_case(origin))
    {
        Some(c) => OriginVerdict::Cors(c.trim_end_matches('/').to_string()),
        None => OriginVerdict::Forbidden,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn bearer_needs_the_exact_token() {
        assert!(bearer_matches(Some("Bearer abc123"), "abc123"));
        assert!(bearer_matches(Some("bearer abc123"), "abc123"));
        assert!(!bearer_matches(Some("Bearer abc124"), "abc123"));
        assert!(!bearer_matches(Some("Bearer abc12"), "abc123"));
        assert!(!bearer_matches(Some("Basic abc123"), "abc123"));
        assert!(!bearer_matches(Some("abc123"), "abc123"));
        assert!(!bearer_matches(None, "abc123"));
        assert!(!bearer_matches(Some("Bearer "), ""));
    }

    #[test]
    fn generated_tokens_are_64_hex_and_differ() {
        let a = generate_token();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, generate_token());
    }

    #[test]
    fn loopback_hosts_and_configured_names_only() {
        let p = HostPolicy::new(
            "127.0.0.1:8080".parse().unwrap(),
            &["sandbox.internal".into()],
        );
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST:8080",
            "[::1]:8080",
            "sandbox.internal",
            "sandbox.internal:8080",
        ] {
            assert!(p.allows(Some(ok)), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1:9999",
            "localhost",
            "attacker.test",
            "",
        ] {
            assert!(!p.allows(Some(bad)), "{bad}");
        }
        assert!(!p.allows(None));
        let public = HostPolicy::new("10.0.0.5:80".parse().unwrap(), &[]);
        assert!(!public.allows(Some("localhost:80")));
        assert!(public.allows(Some("10.0.0.5:80")));
    }

    #[test]
    fn unspecified_addresses_never_pass_the_host_check() {
        let any = HostPolicy::new("0.0.0.0:8080".parse().unwrap(), &["0.0.0.0".into()]);
        for bad in ["0.0.0.0:8080", "0.0.0.0", "[::]:8080", "[::]", "0:8080"] {
            assert!(!any.allows(Some(bad)), "{bad}");
        }
        let v6 = HostPolicy::new("[::]:8080".parse().unwrap(), &["sandbox.internal".into()]);
        assert!(!v6.allows(Some("[::]:8080")));
        assert!(v6.allows(Some("sandbox.internal:8080")));
    }

    #[test]
    fn configured_tokens_carry_128_bits() {
        assert_eq!(check_token("short"), Err(TokenError::TooShort(5)));
        assert_eq!(
            check_token(&"a".repeat(MIN_TOKEN_CHARS - 1)),
            Err(TokenError::TooShort(31))
        );
        assert_eq!(
            check_token(&format!("{} x", "a".repeat(40))),
            Err(TokenError::BadCharacters)
        );
        assert!(check_token(&"0123456789abcdef".repeat(2)).is_ok());
        assert!(check_token(&generate_token()).is_ok());
    }

    #[test]
    fn origins() {
        let conf = vec!["https://editor.example".to_string()];
        let host = Some("127.0.0.1:8080");
        assert_eq!(check_origin(None, host, &conf), OriginVerdict::Absent);
        assert_eq!(
            check_origin(Some("http://127.0.0.1:8080"), host, &conf),
            OriginVerdict::SameOrigin
        );
        assert_eq!(
            check_origin(Some("https://editor.example"), host, &conf),
            OriginVerdict::Cors("https://editor.example".into())
        );
        assert_eq!(
            check_origin(Some("https://evil.example"), host, &conf),
            OriginVerdict::Forbidden
        );
        assert_eq!(
            check_origin(Some("null"), host, &conf),
            OriginVerdict::Forbidden
        );
        assert_eq!(
            check_origin(Some("http://localhost:8080"), host, &conf),
            OriginVerdict::Forbidden
        );
    }
}
