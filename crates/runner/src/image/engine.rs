//! The build's external steps: pip (wheels), mmdebstrap (root filesystem), tar
//! assembly on a blocking thread, and the Docker import.

use std::collections::{BTreeMap, VecDeque};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use bollard::Docker;
use futures_util::StreamExt;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use super::assemble::{self, AssemblyReport, PathFilter};
use super::recipe::{sha256_reader, Recipe};
use super::{ImageError, Progress};

/// Wheels ready in the cache.
pub(super) struct Wheels {
    pub paths: Vec<PathBuf>,
    pub downloaded: usize,
}

fn verify(path: &Path, expected: &str) -> Result<bool, ImageError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(ImageError::io(format!("opening {}", path.display()), e)),
    };
    let actual = sha256_reader(std::io::BufReader::new(file))
        .map_err(|e| ImageError::io(format!("reading {}", path.display()), e))?;
    if actual == expected {
        Ok(true)
    } else {
        Err(ImageError::WheelHashMismatch {
            file: path.display().to_string(),
            expected: expected.to_string(),
            actual,
        })
    }
}

/// Make sure every pinned wheel is in `<cache>/wheels`, downloading missing ones with pip.
pub(super) async fn fetch_wheels(
    recipe: &Recipe,
    cache: &Path,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Wheels, ImageError> {
    let dir = cache.join("wheels");
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| ImageError::io(format!("creating {}", dir.display()), e))?;
    let mut out = Wheels {
        paths: Vec::new(),
        downloaded: 0,
    };
    for wheel in &recipe.wheels {
        let path = dir.join(&wheel.file);
        match verify(&path, &wheel.sha256) {
            Ok(true) => {
                progress(Progress::Detail(format!("{} (cached)", wheel.file)));
                out.paths.push(path);
                continue;
            }
            Ok(false) => {}
            Err(ImageError::WheelHashMismatch { .. }) => {
                // A corrupt or partial cache entry: fetch it again.
                let _ = tokio::fs::remove_file(&path).await;
            }
            Err(e) => return Err(e),
        }
        progress(Progress::Detail(format!(
            "pip download {}",
            wheel.requirement
        )));
        let staging = tempfile::Builder::new()
            .prefix("download-")
            .tempdir_in(&dir)
            .map_err(|e| ImageError::io("creating a download directory", e))?;
        let abi = format!("cp{}", wheel.python_version.replace('.', ""));
        let output = Command::new("python3")
            .args([
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--only-binary",
                ":all:",
            ])
            .args(["--python-version", &wheel.python_version])
            .args(["--implementation", "cp", "--abi", &abi])
            .args(["--platform", &wheel.platform])
            .arg("--dest")
            .arg(staging.path())
            .arg(&wheel.requirement)
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => ImageError::ToolMissing {
                    tool: "python3",
                    hint: "install python3 and python3-pip to download wheels".into(),
                },
                _ => ImageError::io("running pip", e),
            })?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            if stderr.contains("No module named pip") {
                return Err(ImageError::ToolMissing {
                    tool: "pip",
                    hint: "install python3-pip (apt-get install python3-pip)".into(),
                });
            }
            if stderr.contains("No space left on device") {
                return Err(ImageError::DiskFull(format!("downloading {}", wheel.file)));
            }
            return Err(ImageError::WheelDownload {
                requirement: wheel.requirement.clone(),
                detail: last_error_line(&stderr),
            });
        }
        let got = staging.path().join(&wheel.file);
        if !got.exists() {
            return Err(ImageError::WheelDownload {
                requirement: wheel.requirement.clone(),
                detail: format!("pip did not produce {}", wheel.file),
            });
        }
        verify(&got, &wheel.sha256)?;
        tokio::fs::rename(&got, &path)
            .await
            .map_err(|e| ImageError::io(format!("moving {} into the cache", wheel.file), e))?;
        out.downloaded += 1;
        out.paths.push(path);
    }
    Ok(out)
}

fn last_error_line(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .rev()
        .find(|l| l.starts_with("E:") || l.starts_with("ERROR") || l.contains("rror"))
        .or(lines.last())
        .map_or_else(|| "no output".to_string(), |l| l.to_string())
}

/// The cached root filesystem tarball.
pub(super) struct Rootfs {
    pub path: PathBuf,
    pub cached: bool,
}

/// Patterns in mmdebstrap/apt output that mean the mirrors are unreachable.
const UNREACHABLE: [&str; 6] = [
    "Temporary failure resolving",
    "Could not resolve",
    "Failed to fetch",
    "Could not connect",
    "Connection timed out",
    "Network is unreachable",
];

/// Produce (or reuse) `<cache>/rootfs-<key>.tar` with mmdebstrap.
pub(super) async fn rootfs(
    recipe: &Recipe,
    key: &str,
    wheels: &[PathBuf],
    installer: &[u8],
    cache: &Path,
    force: bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Rootfs, ImageError> {
    let path = cache.join(format!("rootfs-{}.tar", &key[..16]));
    if !force {
        let verdict = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || check_cached(&path))
                .await
                .map_err(|e| {
                    ImageError::io(
                        "verifying the cached root filesystem",
                        std::io::Error::other(e),
                    )
                })?
        };
        match verdict {
            Cached::Verified => {
                progress(Progress::Detail(format!(
                    "{} (cached, verified)",
                    path.display()
                )));
                return Ok(Rootfs { path, cached: true });
            }
            Cached::Missing => {}
            Cached::Removed(why) => progress(Progress::Detail(format!(
                "{}: {why}; removed, making it anew",
                path.display()
            ))),
        }
    }
    let partial = path.with_extension("tar.partial");
    let log_path = cache.join("mmdebstrap.log");
    let installer_path = cache.join("install-wheels.py");
    tokio::fs::write(&installer_path, installer)
        .await
        .map_err(|e| ImageError::io(format!("writing {}", installer_path.display()), e))?;

    let mut cmd = Command::new("mmdebstrap");
    cmd.arg(format!("--variant={}", recipe.debian.variant))
        .arg("--format=tar")
        .arg("--aptopt=APT::Install-Recommends \"false\"")
        .arg("--aptopt=Acquire::Retries \"3\"")
        // No fsync per unpacked file: the result is only kept once the tarball is complete.
        .arg("--dpkgopt=force-unsafe-io")
        .args([
            "--dpkgopt=path-exclude=/usr/share/doc/*",
            "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/info/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*",
        ])
        .arg(format!("--include={}", recipe.debian.packages.join(",")));
    // Hooks run on the host with the new root as "$1"; paths are passed as
    // arguments of `upload`, never interpolated into shell text.
    let mut installed = Vec::new();
    for (i, wheel) in wheels.iter().enumerate() {
        let inside = format!("/tmp/stockade-wheel-{i}.whl");
        cmd.arg(format!(
            "--customize-hook=upload {} {inside}",
            shell_safe(wheel)?
        ));
        installed.push(inside);
    }
    if !installed.is_empty() {
        cmd.arg(format!(
            "--customize-hook=upload {} /tmp/stockade-install-wheels.py",
            shell_safe(&installer_path)?
        ));
        cmd.arg(format!(
            "--customize-hook=chroot \"$1\" python3 -I /tmp/stockade-install-wheels.py /usr/lib/python3/dist-packages {}",
            installed.join(" ")
        ));
        cmd.arg("--customize-hook=rm -f \"$1\"/tmp/stockade-*");
    }
    cmd.arg(&recipe.debian.suite).arg(&partial);
    for source in &recipe.debian.sources {
        cmd.arg(source);
    }
    // stdout goes straight to the log; stderr (where progress and errors go) is
    // read line by line and copied there too. Both share one file offset.
    let log_file = std::fs::File::create(&log_path)
        .map_err(|e| ImageError::io(format!("creating {}", log_path.display()), e))?;
    let stdout_log = log_file
        .try_clone()
        .map_err(|e| ImageError::io(format!("opening {}", log_path.display()), e))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(stdout_log))
        .stderr(Stdio::piped())
        .kill_on_drop(true);

    let mut child = cmd.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ImageError::ToolMissing {
            tool: "mmdebstrap",
            hint: "install it with `apt-get install mmdebstrap` (scripts/setup-engine.sh does)"
                .into(),
        },
        _ => ImageError::io("starting mmdebstrap", e),
    })?;
    let mut log = tokio::fs::File::from_std(log_file);
    let Some(stderr) = child.stderr.take() else {
        return Err(ImageError::io(
            "capturing mmdebstrap output",
            std::io::Error::other("missing stderr pipe"),
        ));
    };
    let mut lines = BufReader::new(stderr).lines();
    let mut tail: VecDeque<String> = VecDeque::new();
    while let Ok(Some(line)) = lines.next_line().await {
        let _ = log.write_all(line.as_bytes()).await;
        let _ = log.write_all(b"\n").await;
        if let Some(info) = line.strip_prefix("I: ") {
            progress(Progress::Detail(info.to_string()));
        }
        tail.push_back(line);
        if tail.len() > 200 {
            tail.pop_front();
        }
    }
    let status = child
        .wait()
        .await
        .map_err(|e| ImageError::io("waiting for mmdebstrap", e))?;
    let _ = log.flush().await;
    if !status.success() {
        let _ = tokio::fs::remove_file(&partial).await;
        let tail: Vec<String> = tail.into();
        return Err(classify_failure(&tail, status.to_string(), log_path));
    }
    // Older root filesystems of other recipes are dead weight.
    if let Ok(mut entries) = tokio::fs::read_dir(cache).await {
        while let Ok(Some(entry)) = entries.next_entry().await {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("rootfs-") && entry.path() != partial {
                let _ = tokio::fs::remove_file(entry.path()).await;
            }
        }
    }
    // The digest goes in first: a tarball without one is never reused.
    let digest = {
        let hashed = partial.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::File::open(hashed).and_then(|f| sha256_reader(std::io::BufReader::new(f)))
        })
        .await
        .map_err(|e| ImageError::io("hashing the root filesystem", std::io::Error::other(e)))?
        .map_err(|e| ImageError::io(format!("hashing {}", partial.display()), e))?
    };
    let digest_path = digest_path(&path);
    tokio::fs::write(&digest_path, format!("{digest}\n"))
        .await
        .map_err(|e| ImageError::io(format!("writing {}", digest_path.display()), e))?;
    tokio::fs::rename(&partial, &path)
        .await
        .map_err(|e| ImageError::io(format!("moving {} into place", path.display()), e))?;
    Ok(Rootfs {
        path,
        cached: false,
    })
}

/// The SHA-256 recorded beside a cached root filesystem when it was made.
fn digest_path(rootfs: &Path) -> PathBuf {
    rootfs.with_extension("tar.sha256")
}

/// What was found in the cache for a root filesystem.
#[derive(Debug, PartialEq, Eq)]
enum Cached {
    /// Present and matching the digest recorded when it was made.
    Verified,
    /// Not there.
    Missing,
    /// There but unusable (why); it and its digest were removed.
    Removed(String),
}

/// Re-verifies a cached root filesystem before it is reused: everything in the image comes
/// from it, so a tarball changed on disk since it was made (corrupted, or tampered with)
/// must not end up in the sandbox. A mismatch removes it so that the build makes it anew.
fn check_cached(path: &Path) -> Cached {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(_) => return Cached::Missing,
    };
    let digest_path = digest_path(path);
    let recorded = std::fs::read_to_string(&digest_path)
        .ok()
        .map(|s| s.trim().to_string());
    let why = match (recorded, sha256_reader(std::io::BufReader::new(file))) {
        (Some(want), Ok(got)) if want == got => return Cached::Verified,
        (None, _) => "no recorded digest".to_string(),
        (Some(want), Ok(got)) => format!("sha256 {got} differs from the recorded {want}"),
        (Some(_), Err(e)) => format!("unreadable ({e})"),
    };
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(&digest_path);
    Cached::Removed(why)
}

/// Turn a failed mmdebstrap run into the most helpful error: disk full, mirrors
/// unreachable, or the last error line it printed.
fn classify_failure(tail: &[String], status: String, log: PathBuf) -> ImageError {
    if tail.iter().any(|l| l.contains("No space left on device")) {
        return ImageError::DiskFull("making the root filesystem".into());
    }
    if let Some(line) = tail
        .iter()
        .find(|l| UNREACHABLE.iter().any(|p| l.contains(p)))
    {
        return ImageError::AptUnreachable {
            detail: line.trim().to_string(),
            log,
        };
    }
    ImageError::Mmdebstrap {
        status,
        detail: last_error_line(&tail.join("\n")),
        log,
    }
}

/// mmdebstrap splits hook arguments on spaces: refuse paths it would mangle.
fn shell_safe(path: &Path) -> Result<String, ImageError> {
    let text = path.to_string_lossy();
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@".contains(c))
    {
        Ok(text.into_owned())
    } else {
        Err(ImageError::Recipe(format!(
            "the cache path {text:?} must consist of letters, digits and /._-+=:@ (set {} to another directory)",
            super::CACHE_DIR_ENV
        )))
    }
}

/// Write the image tarball from the root filesystem tarball (on a blocking thread).
pub(super) async fn assemble_tar(
    recipe: &Recipe,
    rootfs: &Path,
    out: &Path,
) -> Result<AssemblyReport, ImageError> {
    let filter = PathFilter::new(&recipe.prune, &recipe.keep)?;
    let user = recipe.user.clone();
    let (rootfs, out) = (rootfs.to_path_buf(), out.to_path_buf());
    tokio::task::spawn_blocking(move || {
        let input = std::fs::File::open(&rootfs)
            .map_err(|e| ImageError::io(format!("opening {}", rootfs.display()), e))?;
        let partial = out.with_extension("tar.partial");
        let output = std::fs::File::create(&partial)
            .map_err(|e| ImageError::io(format!("creating {}", partial.display()), e))?;
        let report = assemble::assemble(
            std::io::BufReader::with_capacity(1 << 20, input),
            std::io::BufWriter::with_capacity(1 << 20, output),
            &filter,
            &user,
            &super::DIRS,
            &super::FILES,
        );
        match report {
            Ok(report) => {
                std::fs::rename(&partial, &out)
                    .map_err(|e| ImageError::io(format!("moving {}", out.display()), e))?;
                Ok(report)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                Err(e)
            }
        }
    })
    .await
    .map_err(|e| ImageError::io("assembling the image", std::io::Error::other(e)))?
}

/// Import the tarball into Docker with the image configuration and labels.
pub(super) async fn import(
    docker: &Docker,
    tarball: &Path,
    reference: &str,
    hash: &str,
    versions: &BTreeMap<String, String>,
) -> Result<(), ImageError> {
    let (repo, tag) = reference.split_once(':').unwrap_or((reference, "latest"));
    // Only what describes the image: a container created from it by hand inherits these, so
    // none may make it look like one of a runner's (see `cleanup`).
    let mut labels = vec![format!("{}={hash}", super::LABEL_RECIPE_HASH)];
    for (name, version) in versions {
        // Debian versions use [A-Za-z0-9.+~:-]: no quoting needed.
        labels.push(format!("{}{name}={version}", super::LABEL_VERSION_PREFIX));
    }
    let cmd = serde_json::to_string(&super::COMMAND).map_err(|e| ImageError::Io {
        context: "encoding the image command".into(),
        source: e.into(),
    })?;
    let changes = vec![
        format!("USER {}", crate::executor::hardening::SANDBOX_USER),
        "WORKDIR /tmp".to_string(),
        format!("CMD {cmd}"),
        // Thread pools sized for the CPU quota, not the host: each thread counts
        // against the container's pids limit.
        "ENV PATH=/usr/bin LANG=C.UTF-8 HOME=/tmp OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2"
            .to_string(),
        format!("LABEL {}", labels.join(" ")),
    ];
    let options = bollard::query_parameters::CreateImageOptionsBuilder::new()
        .from_src("-")
        .repo(repo)
        .tag(tag)
        .message("stockade image build")
        .changes(changes)
        .build();
    let file = tokio::fs::File::open(tarball)
        .await
        .map_err(|e| ImageError::io(format!("opening {}", tarball.display()), e))?;
    let body = bollard::body_try_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 20));
    let mut stream = docker.create_image(Some(options), Some(body), None);
    while let Some(item) = stream.next().await {
        item.map_err(|e| ImageError::docker(format!("importing {reference}"), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_root_filesystem_is_reused_only_when_its_digest_matches() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tar = dir.path().join("rootfs-0123456789abcdef.tar");
        assert_eq!(check_cached(&tar), Cached::Missing);

        let contents = b"a root filesystem";
        std::fs::write(&tar, contents).expect("write");
        let digest = sha256_reader(&contents[..]).expect("hash");
        std::fs::write(digest_path(&tar), format!("{digest}\n")).expect("write");
        assert_eq!(check_cached(&tar), Cached::Verified);

        // One byte changed on disk: refused and removed, so the build makes it anew.
        std::fs::write(&tar, b"a root filesystem!").expect("corrupt");
        match check_cached(&tar) {
            Cached::Removed(why) => assert!(why.contains("differs from the recorded"), "{why}"),
            other => panic!("corrupted cache reused: {other:?}"),
        }
        assert!(!tar.exists() && !digest_path(&tar).exists());
        assert_eq!(check_cached(&tar), Cached::Missing);

        // A tarball without a digest is not trusted either.
        std::fs::write(&tar, contents).expect("write");
        assert!(matches!(check_cached(&tar), Cached::Removed(why) if why == "no recorded digest"));
        assert!(!tar.exists());
    }

    #[test]
    fn hook_paths_must_survive_mmdebstrap_word_splitting() {
        assert_eq!(
            shell_safe(Path::new("/work/repo/.cache/stockade/wheels/x-1.0.whl")).expect("safe"),
            "/work/repo/.cache/stockade/wheels/x-1.0.whl"
        );
        for bad in [
            "/tmp/with space/x.whl",
            "/tmp/$(id)/x.whl",
            "/tmp/a;b",
            "/tmp/\"q\"",
        ] {
            assert!(
                matches!(shell_safe(Path::new(bad)), Err(ImageError::Recipe(_))),
                "{bad}"
            );
        }
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn failures_are_classified() {
        let log = PathBuf::from("/cache/mmdebstrap.log");
        let unreachable = lines(
            "I: running apt-get update...\nErr:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\nE: apt-get update failed",
        );
        match classify_failure(&unreachable, "exit status: 1".into(), log.clone()) {
            ImageError::AptUnreachable { detail, log: l } => {
                assert_eq!(detail, "Temporary failure resolving 'deb.debian.org'");
                assert_eq!(l, log);
            }
            other => panic!("{other:?}"),
        }
        let full = lines(
            "I: extracting archives...\ntar: ./usr/lib/x: Cannot write: No space left on device",
        );
        assert!(matches!(
            classify_failure(&full, "exit status: 1".into(), log.clone()),
            ImageError::DiskFull(_)
        ));
        let other =
            lines("I: installing\nE: Unable to locate package python3-nonexistent\nI: cleanup");
        let err = classify_failure(&other, "exit status: 1".into(), log);
        assert!(matches!(err, ImageError::Mmdebstrap { .. }));
        let text = err.to_string();
        assert!(
            text.contains("Unable to locate package python3-nonexistent"),
            "{text}"
        );
        assert!(text.contains("/cache/mmdebstrap.log"), "{text}");
    }

    #[test]
    fn error_line_prefers_errors_over_the_last_line() {
        let log = "I: running apt-get update...\nE: Failed to fetch http://deb.debian.org/x\nI: cleanup\n";
        assert_eq!(
            last_error_line(log),
            "E: Failed to fetch http://deb.debian.org/x"
        );
        assert_eq!(last_error_line("just one line\n"), "just one line");
        assert_eq!(last_error_line(""), "no output");
    }
}
