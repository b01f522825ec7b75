//! Stockade's runner: executes validated Python in hardened, single-use Docker containers.

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
pub mod result;
pub mod seclog;
pub mod server;
