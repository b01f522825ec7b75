//! Stockade's runner: executes validated Python in hardened, single-use Docker containers.

// The OpenAPI document (server/openapi.rs) is one `json!` literal, deeper than the default limit.
#![recursion_limit = "256"]

pub mod backend;
pub mod cleanup;
pub mod config;
pub mod defaults;
pub mod error;
pub mod executor;
pub mod image;
pub mod liveness;
pub mod metrics;
pub mod monitor;
pub mod pool;
pub mod queue;
pub mod result;
pub mod seclog;
pub mod server;
