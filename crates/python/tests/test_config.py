"""DockerConfig: the spec's fields and defaults, checked by the runner's Rust code."""

from __future__ import annotations

import pathlib

import pytest

from stockade import DEFAULT_IMAGE, DockerConfig


def test_defaults_are_the_specs() -> None:
    c = DockerConfig()
    assert (c.enabled, c.memory_limit, c.cpu_limit, c.timeout_seconds) == (True, "2g", 0.5, 600)
    assert (c.network_mode, c.read_only, c.tmpfs_path, c.tmpfs_size) == ("none", True, "/tmp", "1g")
    assert c.seccomp_profile == "config/seccomp_profile.json"
    assert (c.cleanup_on_exit, c.fallback_to_direct) == (True, False)
    assert c.image == DEFAULT_IMAGE


def test_spec_custom_configuration() -> None:
    c = DockerConfig(memory_limit="1g", cpu_limit=0.25, timeout_seconds=300,
                     network_mode="none", read_only=True)
    assert (c.memory_limit, c.memory_bytes, c.cpu_limit, c.timeout_seconds) == (
        "1g", 1 << 30, 0.25, 300)
    assert DockerConfig(memory_limit="2g", cpu_limit=0.5, timeout_seconds=600) == DockerConfig()


def test_image_variant_selects_the_modern_image() -> None:
    assert DockerConfig().image_variant == "default"
    c = DockerConfig(image_variant="modern")
    assert c.image_variant == "modern"
    assert c.to_dict()["modern_image"] == "stockade-sandbox-modern:latest"


def test_from_yaml_reads_the_repository_file(config_file: pathlib.Path) -> None:
    c = DockerConfig.from_yaml(config_file)
    assert c.memory_limit == "2g" and c.network_mode == "none"
    # The relative profile was resolved against the file's directory's parent.
    assert pathlib.Path(c.seccomp_profile).is_file()


def test_from_env_applies_the_specs_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_MEMORY_LIMIT", "512m")
    monkeypatch.setenv("DOCKER_CPU_LIMIT", "0.25")
    monkeypatch.setenv("DOCKER_TIMEOUT", "30")
    monkeypatch.setenv("DOCKER_READ_ONLY", "true")
    c = DockerConfig.from_env()
    assert (c.memory_limit, c.cpu_limit, c.timeout_seconds, c.read_only) == ("512m", 0.25, 30, True)


def test_explicit_values_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_MEMORY_LIMIT", "512m")
    assert DockerConfig(memory_limit="1g").memory_limit == "1g"


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"memory_limit": "lots"}, "docker.memory_limit"),
        ({"memory_limit": "4m"}, "docker.memory_limit"),
        ({"cpu_limit": -1}, "docker.cpu_limit"),
        ({"timeout_seconds": 0}, "docker.timeout_seconds"),
        ({"network_mode": "bridge"}, "docker.network_mode"),
        ({"network_mode": "host"}, "docker.network_mode"),
        ({"tmpfs_path": "tmp"}, "docker.tmpfs.path"),
        ({"tmpfs_size": "0"}, "docker.tmpfs.size"),
        ({"image": " "}, "docker.image"),
        ({"fallback_to_direct": True}, "docker.fallback_to_direct"),
        ({"seccomp_profile": ""}, "docker.seccomp_profile"),
        ({"image_variant": "newest"}, "docker.image_variant"),
    ],
)
def test_invalid_values_raise_value_error_naming_the_key(kwargs: dict, key: str) -> None:
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        DockerConfig(**kwargs)


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_READ_ONLY", "maybe")
    with pytest.raises(ValueError, match="DOCKER_READ_ONLY"):
        DockerConfig.from_env()


def test_unknown_yaml_key_is_an_error_naming_it(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("docker:\n  pids_limt: 10\n")
    with pytest.raises(ValueError, match="pids_limt"):
        DockerConfig.from_yaml(path)


def test_missing_file_is_an_error(tmp_path: pathlib.Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        DockerConfig.from_yaml(tmp_path / "none.yaml")


def test_config_is_immutable() -> None:
    with pytest.raises(AttributeError, match="immutable"):
        DockerConfig().timeout_seconds = 5  # type: ignore[misc]


def test_default_outside_a_checkout_is_the_built_in_configuration(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.delenv("STOCKADE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    c = DockerConfig.default()
    # The default profile name stands for the profile built into the module.
    assert c.seccomp_profile == "config/seccomp_profile.json"
    assert not (tmp_path / c.seccomp_profile).exists()
    assert (c.memory_limit, c.timeout_seconds, c.network_mode) == ("2g", 600, "none")


def test_default_follows_stockade_config(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("docker:\n  memory_limit: 768m\n  memory_swap_limit: 768m\n")
    monkeypatch.setenv("STOCKADE_CONFIG", str(path))
    assert DockerConfig.default().memory_limit == "768m"


def test_from_yaml_without_a_path_reads_config_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, repo: pathlib.Path
) -> None:
    monkeypatch.chdir(repo)  # the spec's `DockerConfig.from_yaml()`: config/docker_config.yaml
    assert DockerConfig.from_yaml() == DockerConfig.from_yaml(repo / "config" / "docker_config.yaml")


def test_security_policy_reaches_the_configuration() -> None:
    from stockade.runtime_monitor import SecurityPolicy

    assert DockerConfig().security_policy == SecurityPolicy(fork_bomb_pids=90)
    # The spec's example values.
    policy = SecurityPolicy(
        max_cpu_percent=95.0,
        max_memory_percent=95.0,
        max_pids=100,
        cpu_window_seconds=15.0,
        memory_window_seconds=10.0,
    )
    assert DockerConfig(security_policy=policy).security_policy.max_pids == 100
    tight = DockerConfig(security_policy=SecurityPolicy(max_pids=40, cpu_window_seconds=2.5))
    assert tight.security_policy == SecurityPolicy(max_pids=40, fork_bomb_pids=40, cpu_window_seconds=2.5)
    assert tight.to_dict()["monitoring"]["policy"]["fork_bomb_pids"] == 40


def test_a_bad_security_policy_is_a_value_error_naming_the_key() -> None:
    from stockade import SecurityPolicy

    with pytest.raises(ValueError, match="monitoring.policy.fork_bomb_pids"):
        DockerConfig(security_policy=SecurityPolicy(max_pids=10, fork_bomb_pids=20))
    with pytest.raises(ValueError, match="monitoring.policy.max_cpu_percent"):
        DockerConfig(security_policy=SecurityPolicy(max_cpu_percent=-1.0))
    with pytest.raises(TypeError, match="SecurityPolicy"):
        DockerConfig(security_policy={"max_pids": 10})  # type: ignore[arg-type]
