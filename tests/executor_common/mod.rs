//! Helpers shared by the executor and escape tests (real Docker engine).
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::ListContainersOptions;
use stockade_runner::config::{Runtime, SandboxConfig};
use stockade_runner::executor::Executor;
use stockade_runner::image::Variant;

/// Repository root (the tests' working directory is the package root).
pub fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project's config with small limits so the suites stay quick. The image comes from
/// `STOCKADE_IMAGE` (default: the image `stockade image build` makes).
pub fn test_config() -> SandboxConfig {
    let mut c = SandboxConfig::load(root().join("config/docker_config.yaml")).expect("config");
    c.memory_bytes = 256 << 20;
    c.memory_swap_bytes = 256 << 20;
    c.cpu_limit = 1.0;
    c.timeout = Duration::from_secs(30);
    c.tmpfs.size_bytes = 64 << 20;
    c.seccomp_profile = root().join("config/seccomp_profile.json");
    // The suites run the same cases under both runtimes, and some on both images.
    c.allowed_runtimes = vec![Runtime::Runc, Runtime::Runsc];
    c.allowed_images = vec![Variant::Default, Variant::Modern];
    c.validate().expect("test config is valid");
    c
}

/// Connects an executor with [`test_config`].
pub async fn executor() -> Executor {
    Executor::connect(test_config())
        .await
        .expect("Docker engine and sandbox image available")
}

/// Containers carrying `label=value` (any state).
pub async fn containers_with_label(
    docker: &bollard::Docker,
    label: &str,
    value: &str,
) -> Vec<String> {
    let mut filters = HashMap::new();
    filters.insert("label".to_string(), vec![format!("{label}={value}")]);
    docker
        .list_containers(Some(ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        }))
        .await
        .expect("list containers")
        .into_iter()
        .filter_map(|c| c.id)
        .collect()
}

/// A unique request id for a test.
pub fn request_id(name: &str) -> String {
    let n: u64 = rand_u64();
    format!("test-{name}-{n:016x}")
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}
