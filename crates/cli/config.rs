//! Where `stockade`'s configuration comes from, and `stockade config show`.
//!
//! The configuration is the file given with `--config` (or `STOCKADE_CONFIG`), else
//! `config/docker_config.yaml` in the working directory when there is one, else the copy of
//! that file built into the binary; `${VAR}` substitution and the `DOCKER_*` variables apply in
//! every case. `config show` prints each effective value with where it came from.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use serde_yaml::Value;
use stockade_runner::config::{
    human_bytes, join_names, join_runtimes, SandboxConfig, ENV_OVERRIDES,
};
use stockade_runner::defaults::{self, SeccompSource};

use crate::run::RequestFlags;

/// Which file the configuration was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigFile {
    /// `--config` or `STOCKADE_CONFIG`.
    Given(PathBuf),
    /// `config/docker_config.yaml` in the working directory.
    WorkingDir,
    /// The copy of `config/docker_config.yaml` built into the binary.
    BuiltIn,
}

impl ConfigFile {
    /// Chooses the file for an optional `--config`.
    pub fn choose(given: Option<&Path>) -> ConfigFile {
        match given {
            Some(path) => ConfigFile::Given(path.to_path_buf()),
            None if Path::new(defaults::CONFIG_FILE).is_file() => ConfigFile::WorkingDir,
            None => ConfigFile::BuiltIn,
        }
    }

    fn describe(&self) -> String {
        match self {
            ConfigFile::Given(path) => format!("file {}", path.display()),
            ConfigFile::WorkingDir => format!("file {}", defaults::CONFIG_FILE),
            ConfigFile::BuiltIn => "default".to_string(),
        }
    }

    /// The file's text.
    fn text(&self) -> Result<String> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
        };
        match self {
            ConfigFile::Given(path) => read(path),
            ConfigFile::WorkingDir => read(Path::new(defaults::CONFIG_FILE)),
            ConfigFile::BuiltIn => Ok(defaults::CONFIG_YAML.to_string()),
        }
    }

    /// Loads and validates the configuration.
    pub fn load(&self) -> Result<SandboxConfig> {
        match self {
            ConfigFile::Given(path) => {
                SandboxConfig::load(path).with_context(|| format!("loading {}", path.display()))
            }
            ConfigFile::WorkingDir => SandboxConfig::load(defaults::CONFIG_FILE)
                .with_context(|| format!("loading {}", defaults::CONFIG_FILE)),
            ConfigFile::BuiltIn => SandboxConfig::from_yaml_str(defaults::CONFIG_YAML)
                .context("loading the built-in configuration"),
        }
    }
}

/// Loads the configuration for an optional `--config` (see the module's documentation).
pub fn load_config(given: Option<&Path>) -> Result<SandboxConfig> {
    ConfigFile::choose(given).load()
}

/// Arguments of `stockade config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, clap::Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration and where each value came from (default, file, env,
    /// flag). The request flags show what `stockade run` with them would use.
    Show(ShowArgs),
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    /// Configuration file.
    #[arg(long, value_name = "FILE", env = "STOCKADE_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    request: RequestFlags,
    /// Print a JSON array of {key, value, source} objects.
    #[arg(long)]
    json: bool,
}

/// Runs `stockade config ...`.
pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        ConfigCommand::Show(show) => show_config(show),
    }
}

/// One effective setting.
#[derive(Debug, serde::Serialize)]
struct Entry {
    key: &'static str,
    value: String,
    source: String,
}

fn show_config(args: ShowArgs) -> Result<ExitCode> {
    let file = ConfigFile::choose(args.config.as_deref());
    let mut config = file.load()?;
    let opts = args.request.options()?;
    let mut flagged = BTreeMap::new();
    if let Some(t) = opts.timeout {
        config.timeout = t;
        flagged.insert("docker.timeout_seconds", "--timeout");
    }
    if let Some(m) = opts.memory_bytes {
        config.memory_bytes = m;
        config.memory_swap_bytes = m;
        flagged.insert("docker.memory_limit", "--memory");
        flagged.insert("docker.memory_swap_limit", "--memory");
    }
    if let Some(c) = opts.cpu_limit {
        config.cpu_limit = c;
        flagged.insert("docker.cpu_limit", "--cpus");
    }
    if let Some(r) = opts.runtime {
        config.runtime = r;
        flagged.insert("docker.runtime", "--runtime");
    }
    if let Some(v) = opts.image {
        config.image_variant = v;
        flagged.insert("docker.image_variant", "--image");
    }
    let sources = sources(&file, |name| std::env::var(name).ok())?;
    let entries: Vec<Entry> = effective_values(&config)
        .into_iter()
        .map(|(key, value)| {
            let source = match (flagged.get(key), sources.get(key)) {
                (Some(flag), _) => format!("flag {flag}"),
                (None, Some(source)) => source.clone(),
                (None, None) => "default".to_string(),
            };
            Entry { key, value, source }
        })
        .collect();
    let seccomp = match defaults::seccomp_source(&config.seccomp_profile) {
        SeccompSource::BuiltIn => {
            format!("{} (built into the binary)", defaults::SECCOMP_PROFILE_FILE)
        }
        SeccompSource::File(path) => format!("{} (file)", path.display()),
    };
    let editor = if crate::WEB_ASSETS.is_empty() {
        "not bundled in this binary (build it with scripts/build-web.sh before cargo build, \
         or pass stockade serve --web-dir)"
            .to_string()
    } else {
        format!("built into the binary ({} files)", crate::WEB_ASSETS.len())
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &entries)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let configuration = match &file {
        ConfigFile::BuiltIn => format!(
            "built-in {} (no --config, STOCKADE_CONFIG or ./{})",
            defaults::CONFIG_FILE,
            defaults::CONFIG_FILE
        ),
        other => other.describe(),
    };
    writeln!(out, "# configuration: {configuration}")?;
    writeln!(out, "# seccomp profile: {seccomp}")?;
    writeln!(out, "# editor: {editor}")?;
    let width = entries
        .iter()
        .map(|e| e.key.len() + e.value.len() + 2)
        .max()
        .unwrap_or(0);
    for e in &entries {
        let setting = format!("{}: {}", e.key, e.value);
        writeln!(out, "{setting:width$}  # {}", e.source)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Where each key the file states came from: the file itself, or an environment variable
/// (through `${VAR}` in the file, or a `DOCKER_*` override). Keys the file leaves out are
/// defaults and absent from the map.
fn sources(
    file: &ConfigFile,
    env: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, String>> {
    let set = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut out = BTreeMap::new();
    let text = file.text()?;
    let value: Value = serde_yaml::from_str(&text).unwrap_or(Value::Null);
    let mut leaves = Vec::new();
    flatten(&value, String::new(), &mut leaves);
    for (key, leaf) in leaves {
        let via_env = leaf
            .as_str()
            .into_iter()
            .flat_map(variables)
            .find(|name| set(name).is_some());
        let source = match via_env {
            Some(name) => format!("env {name}"),
            None => file.describe(),
        };
        out.insert(key, source);
    }
    for (name, key) in ENV_OVERRIDES {
        if set(name).is_some() {
            out.insert(key.to_string(), format!("env {name}"));
            // Swap stays disabled: the swap limit follows an overridden memory limit.
            if *key == "docker.memory_limit" {
                out.insert("docker.memory_swap_limit".into(), format!("env {name}"));
            }
        }
    }
    Ok(out)
}

/// The leaves of a YAML mapping under dotted keys.
fn flatten(value: &Value, prefix: String, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Mapping(map) => {
            for (k, v) in map {
                let Some(k) = k.as_str() else { continue };
                let key = if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(v, key, out);
            }
        }
        leaf => out.push((prefix, leaf.clone())),
    }
}

/// The variable names of `${NAME}` and `${NAME:-default}` in a string.
fn variables(s: &str) -> impl Iterator<Item = &str> {
    s.split("${").skip(1).filter_map(|rest| {
        let expr = rest.split('}').next()?;
        Some(expr.split(":-").next().unwrap_or(expr))
    })
}

/// Every setting under its key in the configuration file, with its effective value written
/// the way the file would.
fn effective_values(c: &SandboxConfig) -> Vec<(&'static str, String)> {
    let secs = |d: std::time::Duration| format!("{}", d.as_secs_f64());
    let m = &c.monitoring;
    let p = &m.policy;
    vec![
        ("docker.enabled", c.enabled.to_string()),
        ("docker.image", c.image.clone()),
        ("docker.modern_image", c.modern_image.clone()),
        ("docker.image_variant", c.image_variant.to_string()),
        ("docker.allowed_images", join_names(&c.allowed_images)),
        ("docker.runtime", c.runtime.to_string()),
        (
            "docker.allowed_runtimes",
            join_runtimes(&c.allowed_runtimes),
        ),
        ("docker.memory_limit", human_bytes(c.memory_bytes)),
        ("docker.memory_swap_limit", human_bytes(c.memory_swap_bytes)),
        ("docker.cpu_limit", c.cpu_limit.to_string()),
        ("docker.timeout_seconds", secs(c.timeout)),
        ("docker.network_mode", c.network_mode.clone()),
        ("docker.allow_network", c.allow_network.to_string()),
        ("docker.read_only", c.read_only.to_string()),
        ("docker.pids_limit", c.pids_limit.to_string()),
        ("docker.tmpfs.path", c.tmpfs.path.clone()),
        ("docker.tmpfs.size", human_bytes(c.tmpfs.size_bytes)),
        ("docker.tmpfs.options", c.tmpfs.options.join(",")),
        (
            "docker.seccomp_profile",
            c.seccomp_profile.display().to_string(),
        ),
        (
            "docker.output_dir",
            c.output_dir
                .as_ref()
                .map(|d| d.display().to_string())
                .unwrap_or_default(),
        ),
        ("docker.cleanup_on_exit", c.cleanup_on_exit.to_string()),
        (
            "docker.runtime_monitor_enabled",
            m.runtime_monitor_enabled.to_string(),
        ),
        (
            "docker.runtime_monitor_interval",
            secs(m.runtime_monitor_interval),
        ),
        // There is no unsandboxed mode: the key is accepted only as false.
        ("docker.fallback_to_direct", "false".to_string()),
        (
            "docker.stdout_limit",
            human_bytes(c.stdout_limit_bytes as u64),
        ),
        (
            "docker.stderr_limit",
            human_bytes(c.stderr_limit_bytes as u64),
        ),
        (
            "docker.max_result_bytes",
            human_bytes(c.max_result_bytes as u64),
        ),
        ("docker.pool_size", c.pool_size.to_string()),
        (
            "docker.limits.max_timeout_seconds",
            secs(c.limits.max_timeout),
        ),
        (
            "docker.limits.max_memory_limit",
            human_bytes(c.limits.max_memory_bytes),
        ),
        (
            "docker.limits.max_cpu_limit",
            c.limits.max_cpu_limit.to_string(),
        ),
        (
            "monitoring.export_container_stats",
            m.export_container_stats.to_string(),
        ),
        (
            "monitoring.alert_on_orphaned_containers",
            m.alert_on_orphaned_containers.to_string(),
        ),
        ("monitoring.prometheus_port", m.prometheus_port.to_string()),
        (
            "monitoring.policy.max_cpu_percent",
            p.max_cpu_percent.to_string(),
        ),
        (
            "monitoring.policy.max_memory_percent",
            p.max_memory_percent.to_string(),
        ),
        ("monitoring.policy.max_pids", p.max_pids.to_string()),
        (
            "monitoring.policy.fork_bomb_pids",
            p.fork_bomb_pids.to_string(),
        ),
        ("monitoring.policy.cpu_window_seconds", secs(p.cpu_window)),
        (
            "monitoring.policy.memory_window_seconds",
            secs(p.memory_window),
        ),
        (
            "monitoring.policy.combined_percent",
            p.combined_percent.to_string(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `config show` lists every key the project's configuration file has, so a key added
    /// there cannot go missing from it.
    #[test]
    fn every_key_of_the_default_file_is_shown() {
        let value: Value = serde_yaml::from_str(defaults::CONFIG_YAML).expect("valid YAML");
        let mut leaves = Vec::new();
        flatten(&value, String::new(), &mut leaves);
        let config = SandboxConfig::default();
        let shown: Vec<&str> = effective_values(&config).iter().map(|(k, _)| *k).collect();
        for (key, _) in leaves {
            assert!(shown.contains(&key.as_str()), "{key} is not shown");
        }
    }

    #[test]
    fn sources_name_the_variable_that_set_a_value() {
        let env = |name: &str| match name {
            "STOCKADE_IMAGE" => Some("mine:1".to_string()),
            "DOCKER_MEMORY_LIMIT" => Some("512m".to_string()),
            _ => None,
        };
        let s = sources(&ConfigFile::BuiltIn, env).expect("the built-in file reads");
        assert_eq!(s["docker.image"], "env STOCKADE_IMAGE");
        assert_eq!(s["docker.memory_limit"], "env DOCKER_MEMORY_LIMIT");
        assert_eq!(s["docker.memory_swap_limit"], "env DOCKER_MEMORY_LIMIT");
        // `${STOCKADE_RUNTIME:-runc}` with the variable unset: the file's own default.
        assert_eq!(s["docker.runtime"], "default");
        assert_eq!(s["docker.pids_limit"], "default");
    }
}
