//! What the benchmarks share (`bench.rs`, `bench_queue.rs`): the workloads, the engine's
//! socket, the load average, a median, and CPU-seconds per process group read from `/proc`.
// Each example includes this module and uses part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::ChildStdout;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The bearer token the benchmarks start `stockade serve` with.
pub const TOKEN: &str = "bench-token-0123456789abcdef0123456789";
/// The smallest workload: the cost of the sandbox itself.
pub const PRINT_ONE: &str = "print(1)\n";
/// A small pandas program: the imports a strategy pays.
pub const PANDAS: &str = "import numpy as np\nimport pandas as pd\nclose = pd.DataFrame(np.random.default_rng(1).random((500, 50)))\nsignal = float((close > close.shift(1)).mean().mean())\nprint(signal)\n";
/// How often processes are read from `/proc`.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// The median (NaN for none).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// `/proc/loadavg`'s 1, 5 and 15 minute figures.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The socket of the engine `DOCKER_HOST` names (the default one without it).
pub fn engine_socket() -> PathBuf {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    PathBuf::from(host.trim_start_matches("unix://"))
}

/// Reads the URL line `stockade serve` prints once it is serving and returns its
/// `http://host:port`, or `None` when it ended without printing one.
pub fn serve_base(stdout: ChildStdout) -> Option<String> {
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).ok()?;
    let addr = line.split_once("http://")?.1.split('/').next()?;
    Some(format!("http://{addr}"))
}

// CPU per process group, from /proc.

/// Where CPU time went.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Group {
    /// The `stockade` processes measured (a server, or queue workers).
    Runner,
    Dockerd,
    Containerd,
    /// containerd-shim processes, their own time.
    Shims,
    /// What the shims reaped that was not a container: the runc calls.
    Runc,
    /// The containers' processes.
    Containers,
}

/// Every group, in the order the tables print them.
pub const GROUPS: [Group; 6] = [
    Group::Runner,
    Group::Dockerd,
    Group::Containerd,
    Group::Shims,
    Group::Runc,
    Group::Containers,
];

/// A process's `/proc/PID/stat`, the fields the benchmarks use.
pub struct Stat {
    /// The parent's pid.
    pub ppid: u32,
    /// The command name.
    pub comm: String,
    /// utime + stime, clock ticks.
    pub own: u64,
    /// cutime + cstime: children that ended and were reaped.
    pub reaped: u64,
}

/// `/proc/PID/stat`, `None` once the process is gone.
pub fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let comm = text[open + 1..close].to_string();
    let f: Vec<&str> = text[close + 2..].split_whitespace().collect();
    let n = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Some(Stat {
        ppid: n(1) as u32,
        comm,
        own: n(11) + n(12),
        reaped: n(13) + n(14),
    })
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The engine's processes: dockerd (serving `socket`) and its containerd; the shims are those
/// whose command line names containerd's directory.
pub struct Engine {
    /// dockerd's pid.
    pub dockerd: u32,
    /// Its containerd's pid.
    pub containerd: Option<u32>,
    /// containerd's state directory (`--config <dir>/containerd.toml`).
    pub containerd_dir: Option<String>,
}

impl Engine {
    /// The engine serving `socket`, from `/proc`.
    pub fn find(socket: &Path) -> Option<Engine> {
        let needle = format!("unix://{}", socket.display());
        // A dockerd started without `--host` listens on the default socket.
        let default_socket = ["/var/run/docker.sock", "/run/docker.sock"]
            .iter()
            .any(|d| Path::new(d) == socket);
        let all = pids();
        let dockerd = *all.iter().find(|&&p| {
            stat(p).is_some_and(|s| s.comm == "dockerd") && {
                let cmd = cmdline(p);
                cmd.contains(&needle)
                    || (default_socket && !cmd.contains("--host") && !cmd.contains(" -H"))
            }
        })?;
        let containerd = all
            .iter()
            .copied()
            .find(|&p| stat(p).is_some_and(|s| s.ppid == dockerd && s.comm == "containerd"));
        let containerd_dir = containerd.and_then(|p| {
            let cmd = cmdline(p);
            let config = cmd
                .split_whitespace()
                .skip_while(|a| *a != "--config")
                .nth(1)?;
            Some(Path::new(config).parent()?.display().to_string())
        });
        Some(Engine {
            dockerd,
            containerd,
            containerd_dir,
        })
    }
}

/// CPU-seconds per group over a window, sampled from `/proc`.
pub struct CpuWindow {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(HashMap<Group, f64>, f64)>,
}

/// The whole machine's busy clock ticks since boot, all CPUs (`/proc/stat`).
pub fn machine_busy_ticks() -> u64 {
    let text = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let f: Vec<u64> = text
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait.
    f.iter().take(8).sum::<u64>() - f.get(3).copied().unwrap_or(0) - f.get(4).copied().unwrap_or(0)
}

impl CpuWindow {
    /// Starts sampling: `runners` are the `stockade` processes, the engine's processes and
    /// the containers are found in `/proc`.
    pub fn start(engine: &Engine, runners: &[u32]) -> CpuWindow {
        let stop = Arc::new(AtomicBool::new(false));
        let (dockerd, containerd, dir) = (
            engine.dockerd,
            engine.containerd,
            engine.containerd_dir.clone(),
        );
        let runners = runners.to_vec();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let busy0 = machine_busy_ticks();
            // pid -> (group, ticks at first sight if alive at the start, latest ticks); a
            // shim's reaped children (runc calls and ended containers) are kept apart under
            // the synthetic pid `u32::MAX - pid`.
            let mut seen: HashMap<u32, (Group, Option<u64>, u64)> = HashMap::new();
            let mut shims: Vec<u32> = Vec::new();
            let mut first = true;
            loop {
                let done = flag.load(Ordering::Relaxed);
                let all = pids();
                for pid in all {
                    let Some(s) = stat(pid) else { continue };
                    let group = match seen.get(&pid) {
                        Some((g, _, _)) => Some(*g),
                        None => classify(
                            pid,
                            &s,
                            dockerd,
                            containerd,
                            dir.as_deref(),
                            &runners,
                            &shims,
                        ),
                    };
                    let Some(group) = group else { continue };
                    if group == Group::Shims && !shims.contains(&pid) {
                        shims.push(pid);
                    }
                    // The containers' and shims' own time; the rest with what they reaped.
                    let ticks = match group {
                        Group::Containers => s.own,
                        Group::Shims => {
                            let e = seen.entry(u32::MAX - pid).or_insert((
                                Group::Runc,
                                first.then_some(s.reaped),
                                s.reaped,
                            ));
                            e.2 = s.reaped;
                            s.own
                        }
                        _ => s.own + s.reaped,
                    };
                    let e = seen
                        .entry(pid)
                        .or_insert((group, first.then_some(ticks), ticks));
                    e.2 = ticks;
                }
                first = false;
                if done {
                    break;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            let mut by_group: HashMap<Group, f64> = HashMap::new();
            for (group, start, last) in seen.values() {
                *by_group.entry(*group).or_default() +=
                    last.saturating_sub(start.unwrap_or(0)) as f64 / 100.0;
            }
            // What the shims reaped includes the containers that ended: keep them apart. (A
            // container seen running is counted to its last reading; what it used after that
            // stays with runc, the total is right.)
            let containers = by_group.get(&Group::Containers).copied().unwrap_or(0.0);
            if let Some(s) = by_group.get_mut(&Group::Runc) {
                *s = (*s - containers).max(0.0);
            }
            let machine = machine_busy_ticks().saturating_sub(busy0) as f64 / 100.0;
            (by_group, machine)
        });
        CpuWindow { stop, thread }
    }

    /// Stops sampling: CPU-seconds per group, and the whole machine's busy CPU-seconds.
    pub fn finish(self) -> (HashMap<Group, f64>, f64) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the /proc sampler panicked")
    }
}

fn classify(
    pid: u32,
    s: &Stat,
    dockerd: u32,
    containerd: Option<u32>,
    dir: Option<&str>,
    runners: &[u32],
    shims: &[u32],
) -> Option<Group> {
    if runners.contains(&pid) {
        return Some(Group::Runner);
    }
    if pid == dockerd {
        return Some(Group::Dockerd);
    }
    if Some(pid) == containerd {
        return Some(Group::Containerd);
    }
    let dir = dir?;
    if s.comm.starts_with("containerd-shim") && cmdline(pid).contains(dir) {
        return Some(Group::Shims);
    }
    // A process below one of the shims: runc (reaped by the shim, so counted there) or the
    // container's own processes.
    let mut parent = s.ppid;
    for _ in 0..8 {
        if shims.contains(&parent) {
            return (s.comm != "runc").then_some(Group::Containers);
        }
        parent = stat(parent)?.ppid;
        if parent <= 1 {
            break;
        }
    }
    None
}
