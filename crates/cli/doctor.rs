//! `stockade doctor`: can this machine run the sandbox? One ✓/✗ line per check.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;
use clap::Args;
use stockade_runner::cleanup;
use stockade_runner::config::{Runtime, SandboxConfig};
use stockade_runner::defaults::{seccomp_source, SeccompSource};
use stockade_runner::executor::{
    connect_docker, docker_host, load_seccomp_profile, ExecOptions, Executor,
};
use stockade_runner::image::Variant;

use crate::config::load_config;

/// Arguments of `stockade doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Configuration file.
    #[arg(long, value_name = "FILE", env = "STOCKADE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
}

struct Checks {
    failed: usize,
}

impl Checks {
    fn report(&mut self, ok: bool, what: &str, detail: impl std::fmt::Display) {
        if ok {
            println!("✓ {what}: {detail}");
        } else {
            self.failed += 1;
            println!("✗ {what}: {detail}");
        }
    }
}

/// Runs the subcommand.
pub fn run(args: DoctorArgs) -> Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    let mut checks = Checks { failed: 0 };
    runtime.block_on(doctor(&args, &mut checks));
    if checks.failed == 0 {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} check(s) failed", checks.failed);
        Ok(ExitCode::from(1))
    }
}

async fn doctor(args: &DoctorArgs, checks: &mut Checks) {
    let config = match load_config(args.config.as_deref()) {
        Ok(c) => {
            checks.report(true, "configuration", "valid");
            c
        }
        Err(e) => {
            checks.report(false, "configuration", format!("{e:#}"));
            return;
        }
    };
    match load_seccomp_profile(&config.seccomp_profile) {
        Ok(_) => checks.report(
            true,
            "seccomp profile",
            match seccomp_source(&config.seccomp_profile) {
                SeccompSource::BuiltIn => format!(
                    "{} (built into the binary) is valid JSON",
                    config.seccomp_profile.display()
                ),
                SeccompSource::File(path) => format!("{} is valid JSON", path.display()),
            },
        ),
        Err(e) => checks.report(false, "seccomp profile", e),
    }
    let docker = match connect_docker().await {
        Ok(d) => d,
        Err(e) => {
            checks.report(false, "Docker engine", e);
            return;
        }
    };
    match docker.version().await {
        Ok(v) => checks.report(
            true,
            "Docker engine",
            format!(
                "{} (engine {}, API {}, negotiated {})",
                docker_host(),
                v.version.unwrap_or_default(),
                v.api_version.unwrap_or_default(),
                docker.client_version()
            ),
        ),
        Err(e) => checks.report(false, "Docker engine", e),
    }
    let info = docker.info().await.ok();
    let runtimes: Vec<String> = info
        .as_ref()
        .and_then(|i| i.runtimes.clone())
        .map(|r| r.into_keys().collect())
        .unwrap_or_default();
    for rt in [Runtime::Runc, Runtime::Runsc] {
        let present = runtimes.iter().any(|r| r == rt.as_str());
        let needed = rt == config.runtime;
        let detail = match (present, needed) {
            (true, _) => "registered".to_string(),
            (false, true) => "not registered (it is the configured runtime)".to_string(),
            (false, false) => "not registered (optional)".to_string(),
        };
        checks.report(present || !needed, &format!("runtime {rt}"), detail);
    }
    if let Some(cgroup) = info.as_ref().and_then(|i| i.cgroup_version.as_ref()) {
        checks.report(true, "cgroups", format!("version {cgroup}"));
    }
    // Every variant a request may choose; only the default one is required.
    let mut variants = vec![config.image_variant];
    variants.extend(
        config
            .allowed_images()
            .into_iter()
            .filter(|v| *v != config.image_variant),
    );
    for variant in variants {
        let reference = config.image_of(variant);
        let required = variant == config.image_variant;
        let name = format!("sandbox image ({variant})");
        match docker.inspect_image(reference).await {
            Ok(img) => checks.report(
                true,
                &name,
                format!("{reference} ({})", img.id.unwrap_or_default()),
            ),
            Err(_) => {
                let build = match variant {
                    Variant::Default => "stockade image build".to_string(),
                    other => format!("stockade image build --variant {other}"),
                };
                let note = if required {
                    "it is the default variant"
                } else {
                    "requests for it are refused"
                };
                checks.report(
                    !required,
                    &name,
                    format!("{reference} not found ({note}; run `{build}`)"),
                );
                if required {
                    return;
                }
            }
        }
    }
    match cleanup::list_all(&docker).await {
        Ok(list) => {
            let orphans = list.iter().filter(|c| !c.owner_alive).count();
            checks.report(
                true,
                "containers",
                format!(
                    "{} managed, {orphans} orphaned{}",
                    list.len(),
                    if orphans > 0 {
                        " (remove with `stockade cleanup --orphans`)"
                    } else {
                        ""
                    }
                ),
            );
        }
        Err(e) => checks.report(false, "containers", e),
    }
    sandbox_checks(config, &runtimes, checks).await;
}

/// Runs real containers: the profile is accepted, code runs, and the memory limit is enforced.
async fn sandbox_checks(config: SandboxConfig, runtimes: &[String], checks: &mut Checks) {
    // Only the runtimes a request may choose: the others never run code here.
    let allowed = config.allowed_runtimes();
    let executor = match Executor::connect(config).await {
        Ok(e) => e,
        Err(e) => {
            checks.report(false, "sandbox", e);
            return;
        }
    };
    for rt in [Runtime::Runc, Runtime::Runsc] {
        if !runtimes.iter().any(|r| r == rt.as_str()) || !allowed.contains(&rt) {
            continue;
        }
        let opts = || ExecOptions {
            runtime: Some(rt),
            timeout: Some(Duration::from_secs(60)),
            validate: false,
            ..Default::default()
        };
        let r = executor.execute("signal = 6 * 7\n", opts()).await;
        let ok = r.success && r.signal == serde_json::json!(42) && r.cleanup_success == Some(true);
        checks.report(
            ok,
            &format!("sandbox run ({rt}, seccomp profile accepted)"),
            if ok {
                format!("{:.2}s", r.execution_time)
            } else {
                r.error.unwrap_or_else(|| "no result".into())
            },
        );
        let limit = 96u64 << 20;
        let r = executor
            .execute(
                "blob = b'x' * (512 * 1024 * 1024)\n",
                ExecOptions {
                    memory_bytes: Some(limit),
                    ..opts()
                },
            )
            .await;
        checks.report(
            r.oom_killed && !r.success,
            &format!("memory limit enforced ({rt})"),
            if r.oom_killed {
                "a 512 MiB allocation under a 96 MiB limit was OOM-killed".to_string()
            } else {
                format!(
                    "a 512 MiB allocation under a 96 MiB limit was not stopped: {:?}",
                    r.error
                )
            },
        );
    }
}
