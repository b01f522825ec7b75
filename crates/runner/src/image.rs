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
//! A second [`Variant`], `modern`, is built the same way from `config/image/recipe-modern.yaml`:
//! the same Debian base and harness, but numpy 2, pandas 2 and pyarrow from hash-pinned PyPI
//! wheels instead of Debian's numpy 1.24 and pandas 1.5. It is tagged
//! `stockade-sandbox-modern:<hash>` and `stockade-sandbox-modern:latest`.
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

/// Repository name of the (default variant's) sandbox image.
pub const REPOSITORY: &str = "stockade-sandbox";
/// The tag `stockade image build` always (re)points at the newest build of the default variant.
pub const LATEST: &str = "stockade-sandbox:latest";
/// Repository name of the `modern` variant's image.
pub const MODERN_REPOSITORY: &str = "stockade-sandbox-modern";
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
const MODERN_RECIPE_YAML: &str = include_str!("../../../config/image/recipe-modern.yaml");
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

/// Which sandbox image: the recipe it is built from and the repository it is tagged in.
///
/// ```
/// use stockade_runner::image::Variant;
///
/// let modern: Variant = "modern".parse().unwrap();
/// assert_eq!(modern.latest(), "stockade-sandbox-modern:latest");
/// assert_eq!(Variant::Default.latest(), "stockade-sandbox:latest");
/// assert!("newest".parse::<Variant>().is_err());
/// ```
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Debian 12's python3, numpy 1.24 and pandas 1.5, plus a pyarrow wheel.
    #[default]
    Default,
    /// The same Debian base with numpy 2, pandas 2 and pyarrow from pinned PyPI wheels.
    Modern,
}

impl Variant {
    /// Every variant, the default first.
    pub const ALL: [Variant; 2] = [Variant::Default, Variant::Modern];

    /// The variant's name in the configuration, requests and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Variant::Default => "default",
            Variant::Modern => "modern",
        }
    }

    /// The Docker repository its builds are tagged in.
    pub fn repository(self) -> &'static str {
        match self {
            Variant::Default => REPOSITORY,
            Variant::Modern => MODERN_REPOSITORY,
        }
    }

    /// The tag `stockade image build` (re)points at the variant's newest build.
    pub fn latest(self) -> String {
        format!("{}:latest", self.repository())
    }

    fn recipe_yaml(self) -> &'static str {
        match self {
            Variant::Default => RECIPE_YAML,
            Variant::Modern => MODERN_RECIPE_YAML,
        }
    }

    /// The variant's parsed recipe.
    pub fn recipe(self) -> Result<Recipe, ImageError> {
        Recipe::from_yaml(self.recipe_yaml())
    }

    /// Content hash of everything that defines the variant's image.
    pub fn hash(self) -> String {
        hash_of(&hash_inputs(self))
    }

    /// The variant's image reference for a content hash: `<repository>:<16 hex digits>`.
    pub fn reference_for(self, hash: &str) -> String {
        format!("{}:{}", self.repository(), &hash[..hash.len().min(16)])
    }

    /// File name of the manifest a build of this variant writes to the cache directory.
    pub fn manifest_file(self) -> String {
        match self {
            Variant::Default => MANIFEST_FILE.to_string(),
            other => format!("image-{}.json", other.name()),
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Variant {
    type Err = String;

    fn from_str(s: &str) -> Result<Variant, String> {
        Variant::ALL
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| format!("unknown image variant {s:?} (use default or modern)"))
    }
}

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

/// The parsed recipe of the default variant.
pub fn recipe() -> Result<Recipe, ImageError> {
    Variant::Default.recipe()
}

/// Content hash of everything that defines the default image (recipe, installer, added files).
pub fn image_hash() -> String {
    Variant::Default.hash()
}

fn hash_inputs(variant: Variant) -> Vec<(String, Vec<u8>)> {
    // Both variants name their recipe `recipe.yaml` here, so that the default image's hash
    // (and tag) did not change when the modern one was added; the recipes themselves differ.
    let mut inputs = vec![
        (
            "assembly-format".to_string(),
            ASSEMBLY_FORMAT.as_bytes().to_vec(),
        ),
        (
            "recipe.yaml".to_string(),
            variant.recipe_yaml().as_bytes().to_vec(),
        ),
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

/// The default image's reference for a content hash: `stockade-sandbox:<16 hex digits>`.
pub fn reference_for(hash: &str) -> String {
    Variant::Default.reference_for(hash)
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
    /// Which image to build.
    pub variant: Variant,
}

impl BuildOptions {
    /// Options with the given cache directory and no forcing.
    pub fn new(cache_dir: PathBuf) -> BuildOptions {
        BuildOptions {
            cache_dir,
            force: false,
            variant: Variant::Default,
        }
    }

    /// Set `variant`.
    pub fn variant(mut self, variant: Variant) -> BuildOptions {
        self.variant = variant;
        self
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
    let variant = options.variant;
    let recipe = variant.recipe()?;
    let hash = variant.hash();
    let reference = variant.reference_for(&hash);
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
            tag_latest(docker, variant, &reference).await?;
            remove_superseded(docker, variant, &reference).await;
            let manifest = write_variant_manifest(cache, variant, &info)?;
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

    let versions = component_versions(&recipe, &report.packages);

    step.start(format!("importing into Docker as {reference}"));
    let imported = engine::import(docker, &image_tar, &reference, &hash, &versions).await;
    // The tarball is cheap to re-make from the cached root filesystem: don't keep it.
    let _ = tokio::fs::remove_file(&image_tar).await;
    imported?;
    tag_latest(docker, variant, &reference).await?;
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
    let removed = remove_superseded(docker, variant, &reference).await;
    if removed > 0 {
        (step.sink())(Progress::Detail(format!(
            "removed {removed} superseded {} tag(s)",
            variant.repository()
        )));
    }
    let manifest = write_variant_manifest(cache, variant, &info)?;
    Ok(BuildOutcome {
        info,
        built: true,
        manifest,
    })
}

/// The versions recorded in the image's labels: the main Debian packages' (from the root
/// filesystem's dpkg status) and every wheel's pinned version.
fn component_versions(
    recipe: &Recipe,
    packages: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut versions = BTreeMap::new();
    for (name, pkg) in [
        ("python3", "python3"),
        ("numpy", "python3-numpy"),
        ("pandas", "python3-pandas"),
        ("seccomp", "python3-seccomp"),
        ("tzdata", "tzdata"),
    ] {
        if let Some(v) = packages.get(pkg) {
            versions.insert(name.to_string(), v.clone());
        }
    }
    for wheel in &recipe.wheels {
        if let Some((name, version)) = wheel.requirement.split_once("==") {
            // The tzdata wheel must not hide the Debian tzdata package's version.
            let key = if versions.contains_key(name) {
                format!("{name}-wheel")
            } else {
                name.to_string()
            };
            versions.insert(key, version.to_string());
        }
    }
    versions
}

/// Whether `tag` is one `build` made of `variant`: its repository, `:` and 16 lowercase hex
/// digits.
fn is_build_tag(variant: Variant, tag: &str) -> bool {
    tag.strip_prefix(variant.repository())
        .and_then(|t| t.strip_prefix(':'))
        .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
}

/// Untag earlier builds of the variant (`<repository>:<other hash>`) so old images do not pile
/// up. Images still used by a container stay (Docker refuses); other tags are never touched.
/// Returns how many tags were removed.
async fn remove_superseded(docker: &Docker, variant: Variant, current: &str) -> usize {
    let options = bollard::query_parameters::ListImagesOptionsBuilder::new()
        .filters(&std::collections::HashMap::from([(
            "reference",
            vec![variant.repository()],
        )]))
        .build();
    let Ok(images) = docker.list_images(Some(options)).await else {
        return 0;
    };
    let mut removed = 0;
    for tag in images.iter().flat_map(|i| i.repo_tags.iter()) {
        if tag != current && is_build_tag(variant, tag) {
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

async fn tag_latest(docker: &Docker, variant: Variant, reference: &str) -> Result<(), ImageError> {
    let options = bollard::query_parameters::TagImageOptionsBuilder::new()
        .repo(variant.repository())
        .tag("latest")
        .build();
    docker
        .tag_image(reference, Some(options))
        .await
        .map_err(|e| ImageError::docker(format!("tagging {reference} as {}", variant.latest()), e))
}

/// Write `image.json` (the default variant's manifest) into the cache directory; returns its
/// path.
pub fn write_manifest(cache_dir: &Path, info: &ImageInfo) -> Result<PathBuf, ImageError> {
    write_variant_manifest(cache_dir, Variant::Default, info)
}

/// Write a variant's manifest ([`Variant::manifest_file`]) into the cache directory; returns
/// its path.
pub fn write_variant_manifest(
    cache_dir: &Path,
    variant: Variant,
    info: &ImageInfo,
) -> Result<PathBuf, ImageError> {
    let path = cache_dir.join(variant.manifest_file());
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
        let inputs = hash_inputs(Variant::Default);
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
        let default = |tag| is_build_tag(Variant::Default, tag);
        assert!(default("stockade-sandbox:0123456789abcdef"));
        assert!(!default("stockade-sandbox:latest"));
        assert!(!default("stockade-sandbox:dev"));
        assert!(!default("stockade-sandbox:0123456789ABCDEF"));
        assert!(!default("stockade-sandbox:0123456789abcdef0"));
        assert!(!default("other:0123456789abcdef"));
        // A build of one variant never supersedes the other's.
        assert!(!default("stockade-sandbox-modern:0123456789abcdef"));
        assert!(is_build_tag(
            Variant::Modern,
            "stockade-sandbox-modern:0123456789abcdef"
        ));
        assert!(!is_build_tag(
            Variant::Modern,
            "stockade-sandbox:0123456789abcdef"
        ));
    }

    #[test]
    fn reference_uses_hash_prefix() {
        let hash = image_hash();
        let reference = reference_for(&hash);
        assert_eq!(reference, format!("stockade-sandbox:{}", &hash[..16]));
    }

    #[test]
    fn variants_have_their_own_recipe_hash_and_tags() {
        let (default, modern) = (Variant::Default.hash(), Variant::Modern.hash());
        assert_ne!(default, modern);
        assert_eq!(
            Variant::Modern.reference_for(&modern),
            format!("stockade-sandbox-modern:{}", &modern[..16])
        );
        assert_eq!(Variant::Default.manifest_file(), MANIFEST_FILE);
        assert_eq!(Variant::Modern.manifest_file(), "image-modern.json");
        let recipe = Variant::Modern.recipe().expect("modern recipe is valid");
        // numpy and pandas come from the pinned wheels, not from Debian.
        assert!(!recipe.debian.packages.iter().any(|p| p.contains("numpy")));
        assert!(!recipe.debian.packages.iter().any(|p| p.contains("pandas")));
        for (name, major) in [("numpy", "2."), ("pandas", "2."), ("pyarrow", "")] {
            assert!(
                recipe.wheels.iter().any(|w| w
                    .requirement
                    .strip_prefix(name)
                    .and_then(|r| r.strip_prefix("=="))
                    .is_some_and(|v| v.starts_with(major))),
                "{name}{major} pinned"
            );
        }
    }

    #[test]
    fn versions_come_from_debian_and_from_the_wheels() {
        let packages = BTreeMap::from(
            [
                ("python3", "3.11.2-1+b1"),
                ("python3-numpy", "1:1.24.2-1+deb12u1"),
                ("python3-seccomp", "2.5.4-1+b3"),
                ("tzdata", "2025b-0+deb12u1"),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        );
        let default = component_versions(&recipe().expect("recipe"), &packages);
        assert_eq!(default["numpy"], "1:1.24.2-1+deb12u1");
        assert!(default.contains_key("pyarrow"));
        // On modern, numpy is the wheel's, and the tzdata wheel sits next to Debian's tzdata.
        let packages =
            BTreeMap::from_iter(packages.into_iter().filter(|(k, _)| k != "python3-numpy"));
        let modern = component_versions(&Variant::Modern.recipe().expect("recipe"), &packages);
        assert!(modern["numpy"].starts_with("2."), "{modern:?}");
        assert!(modern["pandas"].starts_with("2."), "{modern:?}");
        assert_eq!(modern["tzdata"], "2025b-0+deb12u1");
        assert!(modern.contains_key("tzdata-wheel"), "{modern:?}");
        assert_eq!(modern["python3"], "3.11.2-1+b1");
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
