//! Stockade's runner: executes validated Python in hardened, single-use Docker containers.

pub mod image;
