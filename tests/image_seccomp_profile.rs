//! Static checks of `config/seccomp_profile.json`, the container's own seccomp profile.
//! (tests/image_harness.rs runs workloads under it in real containers.)

use serde_json::Value;

fn profile() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/seccomp_profile.json"
    ))
    .expect("config/seccomp_profile.json is readable");
    serde_json::from_str(&text).expect("the profile is valid JSON")
}

fn rules(profile: &Value) -> &Vec<Value> {
    profile["syscalls"].as_array().expect("syscalls array")
}

/// Every (name, rule) pair of the profile.
fn named_rules(profile: &Value) -> Vec<(String, &Value)> {
    rules(profile)
        .iter()
        .flat_map(|rule| {
            rule["names"]
                .as_array()
                .expect("names array")
                .iter()
                .map(move |n| (n.as_str().expect("name").to_string(), rule))
        })
        .collect()
}

#[test]
fn default_is_deny_with_eperm() {
    let p = profile();
    assert_eq!(p["defaultAction"], "SCMP_ACT_ERRNO");
    assert_eq!(p["defaultErrnoRet"], 1);
    let arches: Vec<&str> = p["archMap"]
        .as_array()
        .expect("archMap")
        .iter()
        .map(|a| a["architecture"].as_str().expect("architecture"))
        .collect();
    assert_eq!(arches, ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]);
}

#[test]
fn dangerous_syscalls_are_never_allowed() {
    let p = profile();
    let forbidden = [
        "ptrace",
        "mount",
        "umount2",
        "unshare",
        "setns",
        "bpf",
        "keyctl",
        "add_key",
        "request_key",
        "userfaultfd",
        "perf_event_open",
        "io_uring_setup",
        "io_uring_enter",
        "io_uring_register",
        "kexec_load",
        "kexec_file_load",
        "init_module",
        "finit_module",
        "delete_module",
        "pivot_root",
        "chroot",
        "swapon",
        "swapoff",
        "reboot",
        "acct",
        "open_by_handle_at",
        "name_to_handle_at",
        "fork",
        "vfork",
        "execveat",
        "process_vm_readv",
        "process_vm_writev",
        "memfd_create",
    ];
    for (name, rule) in named_rules(&p) {
        if forbidden.contains(&name.as_str()) {
            panic!("{name} appears in the profile: {rule}");
        }
    }
}

#[test]
fn conditional_rules_have_the_intended_arguments() {
    let p = profile();
    let rules = named_rules(&p);
    let only = |name: &str| -> Vec<&Value> {
        rules
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, r)| *r)
            .collect()
    };

    let clone3 = only("clone3");
    assert_eq!(clone3.len(), 1);
    assert_eq!(clone3[0]["action"], "SCMP_ACT_ERRNO");
    assert_eq!(
        clone3[0]["errnoRet"], 38,
        "ENOSYS so glibc falls back to clone"
    );

    let clone = only("clone");
    assert_eq!(clone.len(), 1);
    let arg = &clone[0]["args"][0];
    assert_eq!(arg["op"], "SCMP_CMP_MASKED_EQ");
    let mask = arg["value"].as_u64().expect("mask");
    assert_eq!(arg["valueTwo"], 0x0001_0000, "CLONE_THREAD must be set");
    // The mask covers CLONE_THREAD and every namespace flag, which must be clear.
    for flag in [
        0x0001_0000u64,
        0x0002_0000,
        0x0200_0000,
        0x0400_0000,
        0x0800_0000,
        0x1000_0000,
        0x2000_0000,
        0x4000_0000,
    ] {
        assert_eq!(mask & flag, flag, "flag {flag:#x} is inspected");
    }

    for name in ["socket", "socketpair"] {
        let r = only(name);
        assert_eq!(r.len(), 1, "{name}");
        assert_eq!(r[0]["action"], "SCMP_ACT_ALLOW");
        assert_eq!(r[0]["args"][0]["index"], 0);
        assert_eq!(r[0]["args"][0]["value"], 1, "AF_UNIX only");
        assert_eq!(r[0]["args"][0]["op"], "SCMP_CMP_EQ");
    }

    let personality = only("personality");
    assert!(!personality.is_empty());
    for r in personality {
        assert_eq!(
            r["args"][0]["op"], "SCMP_CMP_EQ",
            "personality only with fixed values"
        );
    }

    // ioctl only with the requests Python, numpy and pandas make: TCGETS (isatty),
    // TIOCGWINSZ (terminal size), FIONREAD, FIONBIO, FIONCLEX and FIOCLEX. Nothing that
    // injects terminal input (TIOCSTI), allocates a pty (TIOCGPTN, TIOCSPTLCK) or reaches
    // file systems and devices.
    let ioctl = only("ioctl");
    let mut requests: Vec<u64> = ioctl
        .iter()
        .map(|r| {
            assert_eq!(r["action"], "SCMP_ACT_ALLOW");
            let args = r["args"].as_array().expect("ioctl only with arguments");
            assert_eq!(args.len(), 1);
            assert_eq!(
                (&args[0]["index"], &args[0]["op"]),
                (&1.into(), &"SCMP_CMP_EQ".into())
            );
            args[0]["value"].as_u64().expect("request")
        })
        .collect();
    requests.sort_unstable();
    assert_eq!(requests, [0x5401, 0x5413, 0x541B, 0x5421, 0x5450, 0x5451]);

    // The entrypoint needs execve: the container runtime execs python3 under this profile.
    assert_eq!(only("execve").len(), 1);
    assert_eq!(only("execve")[0]["action"], "SCMP_ACT_ALLOW");
}

#[test]
fn each_syscall_is_listed_once_per_unconditional_rule() {
    let p = profile();
    let mut seen = std::collections::HashSet::new();
    for (name, rule) in named_rules(&p) {
        if rule.get("args").is_none() {
            assert!(seen.insert(name.clone()), "{name} listed twice");
        }
    }
}
