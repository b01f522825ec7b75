//! Stockade's runner: executes validated Python in hardened, single-use Docker containers.

pub mod metrics;
pub mod monitor;
pub mod pool;
pub mod seclog;
pub mod server;
