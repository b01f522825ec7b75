//! Turns the cached Debian root filesystem tarball into the image's tarball:
//! prunes paths, strips setuid/setgid bits and file capabilities, adds the
//! sandbox user and the harness files.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use tar::{EntryType, Header};

use super::recipe::SandboxUser;
use super::ImageError;

/// A file added to the image.
#[derive(Debug, Clone, Copy)]
pub struct AddedFile {
    /// Path inside the image, without a leading `/`.
    pub path: &'static str,
    /// File content.
    pub content: &'static [u8],
    /// Permission bits.
    pub mode: u32,
}

/// Decides which paths of the root filesystem are dropped.
#[derive(Debug)]
pub struct PathFilter {
    prune: GlobSet,
    keep: GlobSet,
}

impl PathFilter {
    /// Build from the recipe's `prune` and `keep` globs (`*` never crosses `/`).
    pub fn new(prune: &[String], keep: &[String]) -> Result<PathFilter, ImageError> {
        let set = |globs: &[String]| -> Result<GlobSet, ImageError> {
            let mut builder = GlobSetBuilder::new();
            for g in globs {
                let glob = GlobBuilder::new(g.trim_matches('/'))
                    .literal_separator(true)
                    .build()
                    .map_err(|e| ImageError::Recipe(format!("bad glob {g:?}: {e}")))?;
                builder.add(glob);
            }
            builder
                .build()
                .map_err(|e| ImageError::Recipe(e.to_string()))
        };
        Ok(PathFilter {
            prune: set(prune)?,
            keep: set(keep)?,
        })
    }

    /// Whether `path` (relative, `/`-separated) is removed: it or one of its
    /// ancestors matches a prune glob, and neither it nor an ancestor matches a keep glob.
    pub fn is_pruned(&self, path: &str) -> bool {
        let path = normalise(path);
        let mut pruned = false;
        for (i, c) in path.char_indices().chain([(path.len(), '/')]) {
            if c != '/' {
                continue;
            }
            let prefix = &path[..i];
            if self.keep.is_match(prefix) {
                return false;
            }
            pruned = pruned || self.prune.is_match(prefix);
        }
        pruned
    }
}

/// What assembly saw and did.
#[derive(Debug, Default)]
pub struct AssemblyReport {
    /// Entries copied into the image.
    pub kept: usize,
    /// Entries dropped by the prune globs.
    pub pruned: usize,
    /// Versions of installed Debian packages, from `var/lib/dpkg/status`.
    pub packages: BTreeMap<String, String>,
}

/// Normalise a tar path: no leading `./` or `/`, no trailing `/`.
fn normalise(path: &str) -> &str {
    let p = path.strip_prefix("./").unwrap_or(path);
    p.trim_start_matches('/').trim_end_matches('/')
}

/// Copy `base` (a tar stream) to `out`, applying the filter and adding the user and files.
pub fn assemble(
    base: impl Read,
    out: impl Write,
    filter: &PathFilter,
    user: &SandboxUser,
    dirs: &[&str],
    files: &[AddedFile],
) -> Result<AssemblyReport, ImageError> {
    let mut archive = tar::Archive::new(base);
    let mut builder = tar::Builder::new(out);
    builder.mode(tar::HeaderMode::Complete);
    let mut report = AssemblyReport::default();
    let mut dropped: HashSet<String> = HashSet::new();
    let mut seen_dirs: HashSet<String> = HashSet::new();
    let (mut saw_passwd, mut saw_group) = (false, false);
    let err = |e: std::io::Error| ImageError::io("reading the root filesystem tarball", e);

    for entry in archive.entries().map_err(err)? {
        let mut entry = entry.map_err(err)?;
        let raw_path = entry.path().map_err(err)?.to_string_lossy().into_owned();
        let path = normalise(&raw_path).to_string();
        if path.is_empty() {
            continue; // the archive root "./"
        }
        let kind = entry.header().entry_type();
        let link = entry
            .link_name()
            .map_err(err)?
            .map(|l| l.to_string_lossy().into_owned());
        let hard_link_to_dropped = kind == EntryType::Link
            && link
                .as_deref()
                .is_some_and(|l| dropped.contains(normalise(l)));
        if filter.is_pruned(&path) || hard_link_to_dropped {
            report.pruned += 1;
            dropped.insert(path);
            continue;
        }
        if !matches!(
            kind,
            EntryType::Regular
                | EntryType::Directory
                | EntryType::Symlink
                | EntryType::Link
                | EntryType::Fifo
                | EntryType::Char
                | EntryType::Block
        ) {
            // Extension headers are consumed by the reader; anything else is unexpected.
            continue;
        }
        let mut header = entry.header().clone();
        // No setuid/setgid programs in the sandbox (xattrs such as file capabilities
        // are dropped too: they live in PAX records that are not copied).
        let mode = header.mode().map_err(err)?;
        header.set_mode(mode & !0o6000);

        if kind == EntryType::Directory {
            seen_dirs.insert(path.clone());
        }
        match path.as_str() {
            "etc/passwd" | "etc/group" => {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(err)?;
                let line = if path == "etc/passwd" {
                    saw_passwd = true;
                    format!(
                        "{}:x:{}:{}:Stockade sandbox:{}:/usr/sbin/nologin\n",
                        user.name, user.uid, user.gid, user.home
                    )
                } else {
                    saw_group = true;
                    format!("{}:x:{}:\n", user.name, user.gid)
                };
                let taken = text.lines().any(|l| {
                    let mut fields = l.split(':');
                    let name = fields.next();
                    let id = fields.nth(1);
                    name == Some(user.name.as_str())
                        || id == Some(&user.uid.to_string()) && path == "etc/passwd"
                        || id == Some(&user.gid.to_string()) && path == "etc/group"
                });
                if taken {
                    return Err(ImageError::Recipe(format!(
                        "/{path} already has an entry for {} or its id",
                        user.name
                    )));
                }
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&line);
                header.set_size(text.len() as u64);
                builder
                    .append_data(&mut header, &path, text.as_bytes())
                    .map_err(write_err)?;
            }
            "var/lib/dpkg/status" => {
                let mut text = String::new();
                entry.read_to_string(&mut text).map_err(err)?;
                report.packages = dpkg_versions(&text);
                builder
                    .append_data(&mut header, &path, text.as_bytes())
                    .map_err(write_err)?;
            }
            _ => match (kind, link) {
                (EntryType::Symlink, Some(target)) => {
                    builder
                        .append_link(&mut header, &path, &target)
                        .map_err(write_err)?;
                }
                (EntryType::Link, Some(target)) => {
                    builder
                        .append_link(&mut header, &path, normalise(&target))
                        .map_err(write_err)?;
                }
                _ => {
                    builder
                        .append_data(&mut header, &path, &mut entry)
                        .map_err(write_err)?;
                }
            },
        }
        report.kept += 1;
    }
    if !saw_passwd || !saw_group {
        return Err(ImageError::Recipe(
            "the root filesystem has no /etc/passwd or /etc/group".into(),
        ));
    }

    let mut add_dir = |builder: &mut tar::Builder<_>, dir: &str| -> Result<(), ImageError> {
        let mut chain = vec![dir];
        let mut rest = dir;
        while let Some((parent, _)) = rest.rsplit_once('/') {
            chain.push(parent);
            rest = parent;
        }
        for d in chain.into_iter().rev() {
            if seen_dirs.insert(d.to_string()) {
                let mut header = Header::new_gnu();
                header.set_entry_type(EntryType::Directory);
                header.set_mode(0o755);
                header.set_mtime(FIXED_MTIME);
                header.set_size(0);
                builder
                    .append_data(&mut header, format!("{d}/"), std::io::empty())
                    .map_err(write_err)?;
            }
        }
        Ok(())
    };
    for dir in dirs {
        add_dir(&mut builder, dir.trim_matches('/'))?;
    }
    for file in files {
        if let Some((parent, _)) = file.path.rsplit_once('/') {
            add_dir(&mut builder, parent)?;
        }
        let mut header = Header::new_gnu();
        header.set_entry_type(EntryType::Regular);
        header.set_mode(file.mode);
        header.set_mtime(FIXED_MTIME);
        header.set_size(file.content.len() as u64);
        builder
            .append_data(&mut header, file.path, file.content)
            .map_err(write_err)?;
        report.kept += 1;
    }
    builder
        .into_inner()
        .map_err(write_err)?
        .flush()
        .map_err(write_err)?;
    Ok(report)
}

/// mtime of added files (2024-01-01T00:00:00Z), so the same inputs give the same tarball.
const FIXED_MTIME: u64 = 1_704_067_200;

fn write_err(e: std::io::Error) -> ImageError {
    ImageError::io("writing the image tarball", e)
}

/// Package name to version, for installed packages in a dpkg status file.
pub fn dpkg_versions(status: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for stanza in status.split("\n\n") {
        let field = |name: &str| {
            stanza
                .lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
                .map(str::trim)
        };
        if let (Some(pkg), Some(version)) = (field("Package"), field("Version")) {
            if field("Status").is_some_and(|s| s.ends_with(" installed")) {
                out.insert(pkg.to_string(), version.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter() -> PathFilter {
        PathFilter::new(
            &[
                "usr/bin/*".into(),
                "usr/share/doc".into(),
                "usr/lib/python3/dist-packages/*/tests".into(),
                "usr/lib/x86_64-linux-gnu/perl*".into(),
            ],
            &["usr/bin/python3".into()],
        )
        .expect("globs")
    }

    #[test]
    fn prune_matches_path_and_descendants() {
        let f = filter();
        assert!(f.is_pruned("usr/bin/bash"));
        assert!(f.is_pruned("usr/share/doc"));
        assert!(f.is_pruned("usr/share/doc/python3/copyright"));
        assert!(f.is_pruned("usr/lib/python3/dist-packages/pandas/tests/frame/test_api.py"));
        assert!(f.is_pruned("usr/lib/x86_64-linux-gnu/perl5/5.36/x.pm"));
        assert!(f.is_pruned("./usr/bin/sh"));
    }

    #[test]
    fn prune_spares_everything_else() {
        let f = filter();
        assert!(!f.is_pruned("usr/bin"), "the directory itself stays");
        assert!(!f.is_pruned("usr/bin/python3"), "kept explicitly");
        assert!(!f.is_pruned("usr/share/docs-not"));
        assert!(!f.is_pruned("usr/lib/python3/dist-packages/pandas/core/frame.py"));
        // `*` does not cross `/`: a nested tests dir two levels down is not matched.
        assert!(!f.is_pruned("usr/lib/python3/dist-packages/numpy/core/tests"));
        assert!(!f.is_pruned("usr/lib/x86_64-linux-gnu/libc.so.6"));
    }

    fn base_tar() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut add = |path: &str, kind: EntryType, mode: u32, data: &[u8], link: Option<&str>| {
            let mut h = Header::new_gnu();
            h.set_entry_type(kind);
            h.set_mode(mode);
            h.set_size(if link.is_some() { 0 } else { data.len() as u64 });
            match link {
                Some(target) => b.append_link(&mut h, path, target).expect("link"),
                None => b.append_data(&mut h, path, data).expect("append"),
            }
        };
        add("./", EntryType::Directory, 0o755, b"", None);
        add("./etc/", EntryType::Directory, 0o755, b"", None);
        add(
            "./etc/passwd",
            EntryType::Regular,
            0o644,
            b"root:x:0:0:root:/root:/bin/bash\n",
            None,
        );
        add("./etc/group", EntryType::Regular, 0o644, b"root:x:0:", None);
        add("./usr/bin/", EntryType::Directory, 0o755, b"", None);
        add("./usr/bin/python3", EntryType::Regular, 0o755, b"ELF", None);
        add("./usr/bin/su", EntryType::Regular, 0o4755, b"ELF", None);
        add(
            "./usr/bin/sux",
            EntryType::Link,
            0o4755,
            b"",
            Some("./usr/bin/su"),
        );
        add("./usr/lib/", EntryType::Directory, 0o755, b"", None);
        add("./usr/lib/helper", EntryType::Regular, 0o6755, b"x", None);
        add(
            "./usr/lib/python",
            EntryType::Symlink,
            0o777,
            b"",
            Some("../bin/python3"),
        );
        let long = format!("./usr/lib/{}/file.py", "d".repeat(120));
        add(&long, EntryType::Regular, 0o644, b"print(1)", None);
        add(
            "./var/lib/dpkg/status",
            EntryType::Regular,
            0o644,
            b"Package: python3\nStatus: install ok installed\nVersion: 3.11.2-1+b1\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n",
            None,
        );
        b.into_inner().expect("tar")
    }

    fn read_back(bytes: &[u8]) -> BTreeMap<String, (EntryType, u32, Vec<u8>)> {
        let mut a = tar::Archive::new(bytes);
        let mut out = BTreeMap::new();
        for e in a.entries().expect("entries") {
            let mut e = e.expect("entry");
            let path = normalise(&e.path().expect("path").to_string_lossy()).to_string();
            let kind = e.header().entry_type();
            let mode = e.header().mode().expect("mode");
            let mut data = Vec::new();
            e.read_to_end(&mut data).expect("read");
            out.insert(path, (kind, mode, data));
        }
        out
    }

    const USER: fn() -> SandboxUser = || SandboxUser {
        name: "sandbox".into(),
        uid: 65432,
        gid: 65432,
        home: "/tmp".into(),
    };

    #[test]
    fn assembles_pruned_tree_with_user_and_files() {
        let files = [AddedFile {
            path: "opt/stockade/python/finlab/__init__.py",
            content: b"# shim\n",
            mode: 0o644,
        }];
        let mut out = Vec::new();
        let report = assemble(
            base_tar().as_slice(),
            &mut out,
            &filter(),
            &USER(),
            &["data", "etc"],
            &files,
        )
        .expect("assemble");
        let tree = read_back(&out);

        assert!(tree.contains_key("usr/bin/python3"));
        assert!(!tree.contains_key("usr/bin/su"), "pruned");
        assert!(
            !tree.contains_key("usr/bin/sux"),
            "hard link to a pruned file"
        );
        assert_eq!(report.pruned, 2);

        assert_eq!(tree["usr/lib/helper"].1, 0o755, "setuid/setgid stripped");
        assert_eq!(tree["usr/lib/python"].0, EntryType::Symlink);
        let long = format!("usr/lib/{}/file.py", "d".repeat(120));
        assert_eq!(tree[&long].2, b"print(1)", "long names survive");

        let passwd = String::from_utf8(tree["etc/passwd"].2.clone()).expect("utf8");
        assert!(passwd.starts_with("root:x:0:0:"));
        assert!(passwd.ends_with("sandbox:x:65432:65432:Stockade sandbox:/tmp:/usr/sbin/nologin\n"));
        let group = String::from_utf8(tree["etc/group"].2.clone()).expect("utf8");
        assert_eq!(group, "root:x:0:\nsandbox:x:65432:\n");

        for dir in [
            "data",
            "opt",
            "opt/stockade",
            "opt/stockade/python",
            "opt/stockade/python/finlab",
        ] {
            assert_eq!(tree[dir].0, EntryType::Directory, "{dir}");
        }
        assert_eq!(
            tree["opt/stockade/python/finlab/__init__.py"].2,
            b"# shim\n"
        );
        assert_eq!(
            report.packages.get("python3").map(String::as_str),
            Some("3.11.2-1+b1")
        );
        assert!(
            !report.packages.contains_key("gone"),
            "only installed packages"
        );
    }

    #[test]
    fn assembly_is_deterministic() {
        let run = || {
            let mut out = Vec::new();
            assemble(
                base_tar().as_slice(),
                &mut out,
                &filter(),
                &USER(),
                &[],
                &[],
            )
            .expect("assemble");
            out
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn refuses_a_clashing_user() {
        let mut user = USER();
        user.name = "root".into();
        let err = assemble(
            base_tar().as_slice(),
            Vec::new(),
            &filter(),
            &user,
            &[],
            &[],
        )
        .expect_err("clash");
        assert!(err.to_string().contains("already has an entry"), "{err}");
    }
}
