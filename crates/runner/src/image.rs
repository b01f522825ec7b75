//! The sandbox image: what is in it, how it is built offline, and how the runner finds it.
//!
//! The image is a minimal Debian root filesystem made by `mmdebstrap` from Debian
//! packages (python3, numpy, pandas, python3-seccomp, tzdata), plus pyarrow from a
//! pinned PyPI wheel, the in-container harness, its native module (`crates/sandbox-native`,
//! compiled by this crate's build script) and the `finlab` shim. No container
//! registry is involved: the tarball is imported into Docker directly.
//!
//! Everything that defines the image (`config/image/recipe.yaml`, `harness.py`, the native
//! module, the shim, the wheel installer) is compiled into this crate, and their [`image_hash`]
//! names the image: `stockade-sandbox:<first 16 hex digits>`, also tagged
//! `stockade-sandbox:latest`. Building again with unchanged inputs finds the tag and
//! does nothing.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use stockade_runner::image::{self, BuildOptions};
//! let docker = bollard::Docker::connect_with_local_defaults()?.negotiate_version().await?;
//! let options = BuildOptions::new(BuildOptions::default_cache_dir());
//! let outcome = image::build(&docker, &options, &mut |p| eprintln!("{p}")).await?;
//! println!("{} is {}", outcome.info.reference, outcome.info.id);
//! # Ok(()) }
//! ```

mod assemble;
mod engine;
pub mod recipe;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bollard::Docker;
use serde::{Deserialize, Serialize};

pub use assemble::{AddedFile, PathFilter};
pub use recipe::{content_hash, Recipe};

/// Repository name of the sandbox image.
pub const REPOSITORY: &str = "stockade-sandbox";
/// The tag `stockade image build` always (re)points at the newest build.
pub const LATEST: &str = "stockade-sandbox:latest";
/// Label holding the full content hash of the image's inputs.
pub const LABEL_RECIPE_HASH: &str = "io.stockade.image.recipe-hash";
/// Prefix of the labels recording component versions (`...version.numpy` etc.).
pub const LABEL_VERSION_PREFIX: &str = "io.stockade.image.version.";
/// Path of the harness inside the image.
pub const HARNESS_PATH: &str = "/opt/stockade/harness.py";
/// The image's command.
pub const COMMAND: [&str; 3] = ["python3", "-I", HARNESS_PATH];
/// Environment variable overriding the cache directory.
pub const CACHE_DIR_ENV: &str = "STOCKADE_CACHE_DIR";
/// File name of the manifest written to the cache directory after a build.
pub const MANIFEST_FILE: &str = "image.json";

/// Bumped when the Rust side of assembly (what is added or rewritten) changes.
const ASSEMBLY_FORMAT: &str = "1";

const RECIPE_YAML: &str = include_str!("../../../config/image/recipe.yaml");
const INSTALLER: &[u8] = include_bytes!("../../../config/image/install-wheels.py");

/// Directories created in the image if the root filesystem lacks them.
/// `/data` is where the executor mounts market data (read-only).
pub const DIRS: [&str; 2] = ["data", "opt/stockade"];

/// Files added to the image on top of the root filesystem.
pub const FILES: [AddedFile; 4] = [
    AddedFile {
        path: "opt/stockade/harness.py",
        content: include_bytes!("../../../config/image/harness.py"),
        mode: 0o644,
    },
    AddedFile {
        path: "opt/stockade/python/finlab/__init__.py",
        content: include_bytes!("../../../config/image/python/finlab/__init__.py"),
        mode: 0o644,
    },
    AddedFile {
        path: "opt/stockade/python/finlab/data.py",
        content: include_bytes!("../../../config/image/python/finlab/data.py"),
        mode: 0o644,
    },
    // The harness's native layer (crates/sandbox-native), built by build.rs.
    AddedFile {
        path: "opt/stockade/python/_stockade_native.abi3.so",
        content: include_bytes!(concat!(env!("OUT_DIR"), "/_stockade_native.abi3.so")),
        mode: 0o644,
    },
];

/// Errors from building or finding the sandbox image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    /// The recipe (or a file it names) is invalid.
    #[error("invalid image recipe: {0}")]
    Recipe(String),
    /// A tool the build needs is not installed.
    #[error("{tool} is not available: {hint}")]
    ToolMissing {
        /// The missing program.
        tool: &'static str,
        /// How to get it.
        hint: String,
    },
    /// The image recipe targets an architecture other than this machine's.
    #[error("the image recipe pins x86_64 wheels; this machine is {0}")]
    UnsupportedArch(String),
    /// mmdebstrap could not reach the Debian mirrors.
    #[error("cannot reach the Debian package mirrors ({detail}); see {}", log.display())]
    AptUnreachable {
        /// The failing line from mmdebstrap's output.
        detail: String,
        /// Full mmdebstrap log.
        log: PathBuf,
    },
    /// mmdebstrap failed for another reason.
    #[error("mmdebstrap failed ({status}): {detail}; see {}", log.display())]
    Mmdebstrap {
        /// Exit status.
        status: String,
        /// The last error line of its output.
        detail: String,
        /// Full mmdebstrap log.
        log: PathBuf,
    },
    /// pip could not download a wheel.
    #[error("downloading {requirement} with pip failed: {detail}")]
    WheelDownload {
        /// The requirement, e.g. `pyarrow==18.1.0`.
        requirement: String,
        /// pip's last error line.
        detail: String,
    },
    /// A downloaded wheel does not match the pinned hash.
    #[error("wheel {file} has sha256 {actual}, the recipe pins {expected}")]
    WheelHashMismatch {
        /// Wheel file name.
        file: String,
        /// Pinned hash.
        expected: String,
        /// Hash of the downloaded file.
        actual: String,
    },
    /// The disk holding the cache (or Docker's data) is full.
    #[error("no space left on device while {0}; free some disk space (the cache can be deleted) and retry")]
    DiskFull(String),
    /// Another I/O error.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The Docker engine refused or failed a request.
    #[error("Docker: {context}: {source}")]
    Docker {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: bollard::errors::Error,
    },
}

impl ImageError {
    fn io(context: impl Into<String>, source: std::io::Error) -> ImageError {
        let context = context.into();
        if source.kind() == std::io::ErrorKind::StorageFull {
            ImageError::DiskFull(context)
        } else {
            ImageError::Io { context, source }
        }
    }

    fn docker(context: impl Into<String>, source: bollard::errors::Error) -> ImageError {
        let context = context.into();
        match &source {
            bollard::errors::Error::DockerStreamError { error }
            | bollard::errors::Error::DockerResponseServerError { message: error, .. }
                if error.contains("no space left on device") =>
            {
                ImageError::DiskFull(context)
            }
            _ => ImageError::Docker { context, source },
        }
    }
}

/// The parsed recipe shipped with this build.
pub fn recipe() -> Result<Recipe, ImageError> {
    Recipe::from_yaml(RECIPE_YAML)
}

/// Content hash of everything that defines the image (recipe, installer, added files).
pub fn image_hash() -> String {
    hash_of(&hash_inputs())
}

fn hash_inputs() -> Vec<(String, Vec<u8>)> {
    let mut inputs = vec![
        (
            "assembly-format".to_string(),
            ASSEMBLY_FORMAT.as_bytes().to_vec(),
        ),
        ("recipe.yaml".to_string(), RECIPE_YAML.as_bytes().to_vec()),
        ("install-wheels.py".to_string(), INSTALLER.to_vec()),
        ("dirs".to_string(), DIRS.join("\n").into_bytes()),
    ];
    for file in &FILES {
        inputs.push((file.path.to_string(), file.content.to_vec()));
        inputs.push((
            format!("mode {}", file.path),
            format!("{:o}", file.mode).into_bytes(),
        ));
    }
    inputs
}

fn hash_of(inputs: &[(String, Vec<u8>)]) -> String {
    let refs: Vec<(&str, &[u8])> = inputs
        .iter()
        .map(|(name, content)| (name.as_str(), content.as_slice()))
        .collect();
    content_hash(&refs)
}

/// The image reference for a content hash: `stockade-sandbox:<16 hex digits>`.
pub fn reference_for(hash: &str) -> String {
    format!("{REPOSITORY}:{}", &hash[..hash.len().min(16)])
}

/// A built (or found) sandbox image, as recorded in the cache's `image.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// `stockade-sandbox:<hash prefix>`.
    pub reference: String,
    /// Docker image id (`sha256:...`), what the runner reports in every result.
    pub id: String,
    /// Full content hash of the image's inputs.
    pub recipe_hash: String,
    /// Image size in bytes as Docker reports it.
    pub size_bytes: u64,
    /// Versions of the main components (python3, numpy, pandas, pyarrow, ...).
    pub versions: BTreeMap<String, String>,
}

/// How to build.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BuildOptions {
    /// Where the root filesystem tarball and wheels are cached.
    pub cache_dir: PathBuf,
    /// Rebuild even if the image exists; also rebuilds the root filesystem (fresh packages).
    pub force: bool,
}

impl BuildOptions {
    /// Options with the given cache directory and no forcing.
    pub fn new(cache_dir: PathBuf) -> BuildOptions {
        BuildOptions {
            cache_dir,
            force: false,
        }
    }

    /// Set `force`.
    pub fn force(mut self, force: bool) -> BuildOptions {
        self.force = force;
        self
    }

    /// `$STOCKADE_CACHE_DIR`, else `.cache/stockade` under the current directory.
    pub fn default_cache_dir() -> PathBuf {
        match std::env::var_os(CACHE_DIR_ENV) {
            Some(dir) if !dir.is_empty() => PathBuf::from(dir),
            _ => PathBuf::from(".cache").join("stockade"),
        }
    }
}

/// Progress of a build, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress {
    /// A new step started.
    Step {
        /// 1-based step number.
        index: usize,
        /// Number of steps.
        total: usize,
        /// What the step does.
        message: String,
    },
    /// A line of detail within the current step (e.g. from mmdebstrap).
    Detail(String),
    /// A step finished.
    StepDone {
        /// How long it took.
        elapsed: Duration,
        /// Short outcome, e.g. "cached".
        note: String,
    },
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Step {
                index,
                total,
                message,
            } => write!(f, "[{index}/{total}] {message}"),
            Progress::Detail(line) => write!(f, "      {line}"),
            Progress::StepDone { elapsed, note } => {
                write!(f, "      done in {:.1}s ({note})", elapsed.as_secs_f64())
            }
        }
    }
}

/// Outcome of [`build`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BuildOutcome {
    /// The image.
    pub info: ImageInfo,
    /// False when an image with the same content hash already existed.
    pub built: bool,
    /// Where the manifest was written.
    pub manifest: PathBuf,
}

const STEPS: usize = 5;

/// Build the sandbox image (or find it, when an image with the same content hash
/// exists and `force` is not set), tag it `latest`, and write `image.json` to the cache.
pub async fn build(
    docker: &Docker,
    options: &BuildOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<BuildOutcome, ImageError> {
    let recipe = recipe()?;
    let hash = image_hash();
    let reference = reference_for(&hash);
    let cache = options.cache_dir.as_path();
    std::fs::create_dir_all(cache)
        .map_err(|e| ImageError::io(format!("creating {}", cache.display()), e))?;
    // One build per cache at a time: concurrent builds would share partial files.
    let lock_path = cache.join("build.lock");
    let lock_file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| ImageError::io(format!("opening {}", lock_path.display()), e))?;
    let mut lock = fd_lock::RwLock::new(lock_file);
    let mut waited = false;
    let _guard = loop {
        match lock.try_write() {
            Ok(guard) => break guard,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if !waited {
                    progress(Progress::Detail(format!(
                        "waiting for another build using {}",
                        cache.display()
                    )));
                    waited = true;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => {
                return Err(ImageError::io(
                    format!("locking {}", lock_path.display()),
                    e,
                ))
            }
        }
    };

    let mut step = Stepper::new(progress);
    step.start(format!("checking for {reference}"));
    if options.force {
        step.done("rebuilding: --force");
    } else {
        if let Some(info) = find(docker, &reference).await? {
            step.done("already built");
            tag_latest(docker, &reference).await?;
            remove_superseded(docker, &reference).await;
            let manifest = write_manifest(cache, &info)?;
            return Ok(BuildOutcome {
                info,
                built: false,
                manifest,
            });
        }
        step.done("not present");
    }

    if std::env::consts::ARCH != "x86_64" {
        return Err(ImageError::UnsupportedArch(
            std::env::consts::ARCH.to_string(),
        ));
    }

    step.start(format!(
        "downloading {} wheel(s) from PyPI",
        recipe.wheels.len()
    ));
    let wheels = engine::fetch_wheels(&recipe, cache, step.sink()).await?;
    step.done(if wheels.downloaded == 0 {
        "cached"
    } else {
        "downloaded"
    });

    let key = recipe.rootfs_key(INSTALLER);
    step.start(format!(
        "making the Debian {} root filesystem with mmdebstrap",
        recipe.debian.suite
    ));
    let rootfs = engine::rootfs(
        &recipe,
        &key,
        &wheels.paths,
        INSTALLER,
        cache,
        options.force,
        step.sink(),
    )
    .await?;
    step.done(if rootfs.cached { "cached" } else { "built" });

    step.start("assembling the image filesystem".to_string());
    let image_tar = cache.join(format!("image-{}.tar", &hash[..16]));
    let report = engine::assemble_tar(&recipe, &rootfs.path, &image_tar).await?;
    step.done(&format!(
        "{} entries, {} pruned",
        report.kept, report.pruned
    ));

    let mut versions = BTreeMap::new();
    for (name, pkg) in [
        ("python3", "python3"),
        ("numpy", "python3-numpy"),
        ("pandas", "python3-pandas"),
        ("seccomp", "python3-seccomp"),
        ("tzdata", "tzdata"),
    ] {
        if let Some(v) = report.packages.get(pkg) {
            versions.insert(name.to_string(), v.clone());
        }
    }
    for wheel in &recipe.wheels {
        if let Some((name, version)) = wheel.requirement.split_once("==") {
            versions.insert(name.to_string(), version.to_string());
        }
    }

    step.start(format!("importing into Docker as {reference}"));
    let imported = engine::import(docker, &image_tar, &reference, &hash, &versions).await;
    // The tarball is cheap to re-make from the cached root filesystem: don't keep it.
    let _ = tokio::fs::remove_file(&image_tar).await;
    imported?;
    tag_latest(docker, &reference).await?;
    let info = find(docker, &reference)
        .await?
        .ok_or_else(|| ImageError::Docker {
            context: format!("inspecting {reference} after import"),
            source: bollard::errors::Error::DockerResponseServerError {
                status_code: 404,
                message: "imported image not found".into(),
            },
        })?;
    step.done(&format!(
        "{}, {:.0} MB",
        short_id(&info.id),
        info.size_bytes as f64 / 1e6
    ));
    let removed = remove_superseded(docker, &reference).await;
    if removed > 0 {
        (step.sink())(Progress::Detail(format!(
            "removed {removed} superseded {REPOSITORY} tag(s)"
        )));
    }
    let manifest = write_manifest(cache, &info)?;
    Ok(BuildOutcome {
        info,
        built: true,
        manifest,
    })
}

/// Whether `tag` is one `build` made: `stockade-sandbox:` and 16 lowercase hex digits.
fn is_build_tag(tag: &str) -> bool {
    tag.strip_prefix(REPOSITORY)
        .and_then(|t| t.strip_prefix(':'))
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Untag earlier builds (`stockade-sandbox:<other hash>`) so old images do not pile up.
/// Images still used by a container stay (Docker refuses); other tags are never touched.
/// Returns how many tags were removed.
async fn remove_superseded(docker: &Docker, current: &str) -> usize {
    let options = bollard::query_parameters::ListImagesOptionsBuilder::new()
        .filters(&std::collections::HashMap::from([(
            "reference",
            vec![REPOSITORY],
        )]))
        .build();
    let Ok(images) = docker.list_images(Some(options)).await else {
        return 0;
    };
    let mut removed = 0;
    for tag in images.iter().flat_map(|i| i.repo_tags.iter()) {
        if tag != current && is_build_tag(tag) {
            let options = bollard::query_parameters::RemoveImageOptionsBuilder::new().build();
            if docker.remove_image(tag, Some(options), None).await.is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    &hex[..hex.len().min(12)]
}

/// Look an image up by reference; `None` if Docker does not have it.
pub async fn find(docker: &Docker, reference: &str) -> Result<Option<ImageInfo>, ImageError> {
    let inspect = match docker.inspect_image(reference).await {
        Ok(i) => i,
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => return Ok(None),
        Err(e) => return Err(ImageError::docker(format!("inspecting {reference}"), e)),
    };
    let labels = inspect.config.and_then(|c| c.labels).unwrap_or_default();
    let versions = labels
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(LABEL_VERSION_PREFIX)?.to_string(), v.clone())))
        .collect();
    Ok(Some(ImageInfo {
        reference: reference.to_string(),
        id: inspect.id.unwrap_or_default(),
        recipe_hash: labels.get(LABEL_RECIPE_HASH).cloned().unwrap_or_default(),
        size_bytes: inspect.size.map_or(0, |s| s.max(0) as u64),
        versions,
    }))
}

async fn tag_latest(docker: &Docker, reference: &str) -> Result<(), ImageError> {
    let options = bollard::query_parameters::TagImageOptionsBuilder::new()
        .repo(REPOSITORY)
        .tag("latest")
        .build();
    docker
        .tag_image(reference, Some(options))
        .await
        .map_err(|e| ImageError::docker(format!("tagging {reference} as {LATEST}"), e))
}

/// Write `image.json` into the cache directory; returns its path.
pub fn write_manifest(cache_dir: &Path, info: &ImageInfo) -> Result<PathBuf, ImageError> {
    let path = cache_dir.join(MANIFEST_FILE);
    let json = serde_json::to_vec_pretty(info).map_err(|e| ImageError::Io {
        context: "encoding the image manifest".into(),
        source: e.into(),
    })?;
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, json)
        .and_then(|()| std::fs::rename(&tmp, &path))
        .map_err(|e| ImageError::io(format!("writing {}", path.display()), e))?;
    Ok(path)
}

/// Read `image.json` from a cache directory, if a build wrote one.
pub fn read_manifest(cache_dir: &Path) -> Result<Option<ImageInfo>, ImageError> {
    let path = cache_dir.join(MANIFEST_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| ImageError::Recipe(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ImageError::io(format!("reading {}", path.display()), e)),
    }
}

/// Numbers steps and times them.
struct Stepper<'a> {
    sink: &'a mut (dyn FnMut(Progress) + Send),
    index: usize,
    started: Instant,
}

impl<'a> Stepper<'a> {
    fn new(sink: &'a mut (dyn FnMut(Progress) + Send)) -> Stepper<'a> {
        Stepper {
            sink,
            index: 0,
            started: Instant::now(),
        }
    }

    fn start(&mut self, message: String) {
        self.index += 1;
        self.started = Instant::now();
        (self.sink)(Progress::Step {
            index: self.index,
            total: STEPS,
            message,
        });
    }

    fn done(&mut self, note: &str) {
        (self.sink)(Progress::StepDone {
            elapsed: self.started.elapsed(),
            note: note.to_string(),
        });
    }

    fn sink(&mut self) -> &mut (dyn FnMut(Progress) + Send) {
        &mut *self.sink
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_hash_is_stable_and_covers_inputs() {
        let hash = image_hash();
        assert_eq!(hash, image_hash());
        assert_eq!(hash.len(), 64);
        let inputs = hash_inputs();
        for name in [
            "recipe.yaml",
            "install-wheels.py",
            "opt/stockade/harness.py",
            "opt/stockade/python/finlab/data.py",
            "opt/stockade/python/_stockade_native.abi3.so",
            "mode opt/stockade/harness.py",
        ] {
            let mut changed = inputs.clone();
            let entry = changed
                .iter_mut()
                .find(|(n, _)| n == name)
                .expect("input present");
            entry.1.push(b'\n');
            assert_ne!(
                hash_of(&changed),
                hash,
                "{name} must be covered by the hash"
            );
        }
    }

    #[test]
    fn build_future_can_be_spawned() {
        fn assert_send<T: Send>(_: &T) {}
        let docker = Docker::connect_with_local_defaults().expect("client (no connection made)");
        let options = BuildOptions::new(PathBuf::from("/nonexistent"));
        let mut sink = |_: Progress| {};
        let future = build(&docker, &options, &mut sink);
        assert_send(&future);
    }

    #[test]
    fn only_build_tags_are_superseded() {
        assert!(is_build_tag("stockade-sandbox:0123456789abcdef"));
        assert!(!is_build_tag("stockade-sandbox:latest"));
        assert!(!is_build_tag("stockade-sandbox:dev"));
        assert!(!is_build_tag("stockade-sandbox:0123456789ABCDEF"));
        assert!(!is_build_tag("stockade-sandbox:0123456789abcdef0"));
        assert!(!is_build_tag("other:0123456789abcdef"));
    }

    #[test]
    fn reference_uses_hash_prefix() {
        let hash = image_hash();
        let reference = reference_for(&hash);
        assert_eq!(reference, format!("stockade-sandbox:{}", &hash[..16]));
    }

    #[test]
    fn shipped_files_are_embedded() {
        assert!(String::from_utf8_lossy(FILES[0].content).contains("STOCKADE-RESULT"));
        assert!(String::from_utf8_lossy(FILES[2].content).contains("def get("));
        // An ELF shared object that exports CPython's module entry point.
        assert!(FILES[3].content.starts_with(b"\x7fELF"));
        assert!(FILES[3]
            .content
            .windows(b"PyInit__stockade_native".len())
            .any(|w| w == b"PyInit__stockade_native"));
        recipe().expect("shipped recipe is valid");
    }

    #[test]
    fn manifest_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(read_manifest(dir.path()).expect("read"), None);
        let info = ImageInfo {
            reference: "stockade-sandbox:0123456789abcdef".into(),
            id: "sha256:abc".into(),
            recipe_hash: image_hash(),
            size_bytes: 42,
            versions: BTreeMap::from([("pandas".into(), "1.5.3".into())]),
        };
        let path = write_manifest(dir.path(), &info).expect("write");
        assert_eq!(path, dir.path().join(MANIFEST_FILE));
        assert_eq!(read_manifest(dir.path()).expect("read"), Some(info));
    }

    #[test]
    fn default_cache_dir_is_relative_without_env() {
        // Only checks the fallback shape; the env override is exercised by the CLI test.
        if std::env::var_os(CACHE_DIR_ENV).is_none() {
            assert_eq!(
                BuildOptions::default_cache_dir(),
                PathBuf::from(".cache/stockade")
            );
        }
    }
}
